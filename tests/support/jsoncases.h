// SPDX-License-Identifier: MIT
// JSON inputs, valid and not, that the scanner and QJsonDocument must judge alike.
#pragma once

inline const char *const kJsonCases[] = {
            R"({})", R"([])", R"({"a":1})", R"( {"a" : [1, 2.5, -3e10, 0.1E-2, true, false, null]} )",
            R"({"s":"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"})", "{\"u\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
            R"({"a":{"b":{"c":[[[]]]}}})", R"({"a":1,"a":2})",
            // invalid
            "", " ", "nope", R"({"a":})", R"({"a":1,})", R"([1,])", R"({"a" 1})", R"({'a':1})",
            R"({"a":01})", R"({"a":1.})", R"({"a":.5})", R"({"a":-})", R"({"a":1e})", R"({"a":tru})",
            R"({"a":"unterminated})", "{\"a\":\"tab\there\"}", R"({"a":"\x"})", R"({"a":"\u12"})",
            R"({"a":1}})", R"({"a":1} x)", R"({"a":[1,2})", "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}",
            "{\"a\":\"\xed\xa0\x80\"}", R"(null)", R"(42)", R"("str")", R"({"a":NaN})", R"({"a":Infinity})",
};

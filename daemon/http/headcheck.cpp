// SPDX-License-Identifier: MIT
#include "headcheck.h"

#include <algorithm>

namespace Afw {

HeadCheck checkHead(const QHttpServerRequest &request)
{
    HeadCheck h;
    bool host = false, upgradeToken = false, websocket = false;
    int lengths = 0, codings = 0;
    const auto is = [](const QByteArray &name, const char *lower) {
        return name.compare(lower, Qt::CaseInsensitive) == 0;
    };
    const auto decimal = [](const QByteArray &v) {
        return !v.isEmpty() && v.size() <= 18 &&
               std::all_of(v.cbegin(), v.cend(), [](char c) { return c >= '0' && c <= '9'; });
    };
    for (const auto &[name, value] : request.headers()) {
        if (is(name, "host")) {
            host = !value.trimmed().isEmpty();
        } else if (is(name, "connection")) {
            const QByteArray v = value.toLower();
            upgradeToken = upgradeToken || v.contains("upgrade");
            h.close = h.close || v.contains("close");
        } else if (is(name, "upgrade")) {
            websocket = value.trimmed().compare("websocket", Qt::CaseInsensitive) == 0;
        } else if (is(name, "content-length")) {
            ++lengths;
            if (!decimal(value.trimmed()))
                h.framingProblem = "Content-Length must be a decimal number";
        } else if (is(name, "transfer-encoding")) {
            ++codings;
            h.chunked = true;
            if (value.trimmed().compare("chunked", Qt::CaseInsensitive) != 0)
                h.framingProblem = "Transfer-Encoding other than chunked is not supported";
        }
    }
    h.upgrade = upgradeToken && websocket;
    // Qt 6.4 drops every header field of a head it will not read (more than 100 fields,
    // a field over 100 kB, a malformed line) and carries on: Content-Length and the rest
    // are gone, so the body would be read as the next request. Host is required of every
    // HTTP/1.1 request, so its absence gives that away.
    if (!host)
        h.framingProblem =
            "missing Host header, or a head Qt does not read (over 100 fields, a field over "
            "100 kB, a malformed line)";
    else if (lengths > 1)
        h.framingProblem = "more than one Content-Length";
    else if (codings > 1)
        h.framingProblem = "more than one Transfer-Encoding";
    else if (lengths && codings)
        h.framingProblem = "both Content-Length and Transfer-Encoding";
    return h;
}

QByteArray rawPathOf(const QHttpServerRequest &request)
{
    return request.url().path(QUrl::FullyEncoded).toUtf8();
}

} // namespace Afw

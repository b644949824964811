// SPDX-License-Identifier: MIT
#include "jsonscan.h"

#include <QVarLengthArray>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <memory>

namespace Afw {

namespace {
constexpr int kMaxDepth = 1024; // QJsonDocument's limit too

// Bytes that need no look inside a string: printable ASCII but for '"' and '\\'.
constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c)
        t[size_t(c)] = c != '"' && c != '\\';
    return t;
}();

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
} // namespace

// The member names of one object, compared as decoded text: a linear scan while the
// object is small (nearly always); past that, every name is kept and the lot sorted
// once at the end (a 1 MiB body can hold 100,000 names; a hash set of them was
// several times slower than sorting).
class JsonScan::Names
{
public:
    // false: the name was there already (found now or, for large objects, in done()).
    // `raw` is the name as written, without quotes.
    bool insert(QByteArrayView raw, bool escaped, const QString &decoded)
    {
        QByteArrayView name = raw;
        if (escaped) {
            // Built only for an object with an escaped name (rare): a deque allocates
            // as it is made, and this runs for every object of every body.
            if (!m_decoded)
                m_decoded = std::make_unique<std::deque<QByteArray>>();
            m_decoded->push_back(decoded.toUtf8());
            name = m_decoded->back();
        }
        if (m_names.size() < kLinear) {
            for (const QByteArrayView &n : std::as_const(m_names)) {
                if (n == name)
                    return false;
            }
        }
        m_names.append(name);
        return true;
    }
    bool done()
    {
        if (m_names.size() <= kLinear)
            return true;
        std::sort(m_names.begin(), m_names.end());
        return std::adjacent_find(m_names.cbegin(), m_names.cend()) == m_names.cend();
    }

private:
    static constexpr qsizetype kLinear = 16;
    QVarLengthArray<QByteArrayView, kLinear> m_names;
    std::unique_ptr<std::deque<QByteArray>> m_decoded; // owns the bytes of escaped names
};

JsonScan::JsonScan(std::initializer_list<const char *> keys)
{
    for (const char *k : keys) {
        if (m_keyCount < kMaxKeys)
            m_keys[m_keyCount++] = k;
    }
}

bool JsonScan::fail(const char *why)
{
    m_error = why;
    m_errorOffset = m_p - m_begin;
    return false;
}

void JsonScan::skipSpace()
{
    while (m_p < m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
        ++m_p;
}

bool JsonScan::scan(QByteArrayView json)
{
    m_begin = m_p = json.data();
    m_end = m_p + json.size();
    m_isObject = false;
    for (auto &m : m_members)
        m = Member{};
    skipSpace();
    if (m_p < m_end && *m_p == '{')
        m_isObject = true;
    if (!value(0))
        return false;
    skipSpace();
    if (m_p != m_end)
        return fail("garbage after JSON value");
    return true;
}

bool JsonScan::value(int depth)
{
    skipSpace();
    if (m_p >= m_end)
        return fail("unexpected end of input");
    switch (*m_p) {
    case '{':
        return object(depth + 1);
    case '[':
        return array(depth + 1);
    case '"':
        return string(nullptr, false);
    case 't':
        return literal("true");
    case 'f':
        return literal("false");
    case 'n':
        return literal("null");
    default:
        return number();
    }
}

bool JsonScan::object(int depth)
{
    if (depth > kMaxDepth)
        return fail("nesting too deep");
    ++m_p; // {
    skipSpace();
    if (m_p < m_end && *m_p == '}') {
        ++m_p;
        return true;
    }
    Names names;
    for (;;) {
        skipSpace();
        if (m_p >= m_end || *m_p != '"')
            return fail("expected a member name");
        const char *keyStart = m_p + 1;
        QString decodedKey; // only when the name has escapes
        const bool top = depth == 1;
        if (!string(&decodedKey, false))
            return false;
        const bool keyEscaped = m_lastStringEscaped;
        const qsizetype keyLen = m_p - keyStart - 1;
        if (!names.insert(QByteArrayView(keyStart, keyLen), keyEscaped, decodedKey)) {
            m_p = keyStart - 1;
            return fail("duplicate member name");
        }
        skipSpace();
        if (m_p >= m_end || *m_p != ':')
            return fail("expected ':'");
        ++m_p;
        int wanted = -1;
        if (top) {
            for (int i = 0; i < m_keyCount; ++i) {
                const bool plain = qsizetype(std::strlen(m_keys[i])) == keyLen
                                   && std::memcmp(keyStart, m_keys[i], size_t(keyLen)) == 0;
                if (plain || (keyEscaped && decodedKey == QLatin1String(m_keys[i]))) {
                    wanted = i;
                    break;
                }
            }
        }
        skipSpace();
        if (wanted >= 0) {
            Member &m = m_members[wanted];
            m.present = true;
            if (m_p < m_end && *m_p == '"') {
                m.isString = true;
                if (!string(&m.value, true))
                    return false;
            } else if (!value(depth)) {
                return false;
            }
        } else if (!value(depth)) {
            return false;
        }
        if (const int more = separator('}'); more < 0) {
            return false;
        } else if (more == 0) {
            if (!names.done())
                return fail("duplicate member name");
            return true;
        }
    }
}

bool JsonScan::array(int depth)
{
    if (depth > kMaxDepth)
        return fail("nesting too deep");
    ++m_p; // [
    skipSpace();
    if (m_p < m_end && *m_p == ']') {
        ++m_p;
        return true;
    }
    for (;;) {
        if (!value(depth))
            return false;
        if (const int more = separator(']'); more <= 0)
            return more == 0;
    }
}

// After a member or element: 1 for ',' (another follows), 0 for the closing bracket,
// -1 (failed) for anything else.
int JsonScan::separator(char close)
{
    skipSpace();
    if (m_p < m_end && (*m_p == ',' || *m_p == close)) {
        const bool more = *m_p++ == ',';
        return more ? 1 : 0;
    }
    fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    return -1;
}

// decoded: where the text goes; unless `always`, only a string with escapes is decoded
// (member names: their raw bytes serve when there are none).
bool JsonScan::string(QString *decoded, bool always)
{
    ++m_p; // opening quote
    const char *start = m_p;
    bool escaped = false;
    while (m_p < m_end) {
        // Most of a body is plain ASCII inside strings: skip it a byte per compare.
        while (m_p < m_end && kPlain[static_cast<unsigned char>(*m_p)])
            ++m_p;
        if (m_p >= m_end)
            break;
        const auto c = static_cast<unsigned char>(*m_p);
        if (c == '"')
            break;
        if (c < 0x20)
            return fail("control character in string");
        if (c == '\\') {
            escaped = true;
            if (m_end - m_p < 2)
                return fail("unterminated string");
            const char e = m_p[1];
            if (e == 'u') {
                if (m_end - m_p < 6)
                    return fail("bad \\u escape");
                for (int k = 2; k < 6; ++k) {
                    if (hexValue(m_p[k]) < 0)
                        return fail("bad \\u escape");
                }
                m_p += 6;
                continue;
            }
            if (!std::strchr("\"\\/bfnrt", e) || e == 0)
                return fail("bad escape");
            m_p += 2;
            continue;
        }
        if (c < 0x80) {
            ++m_p;
            continue;
        }
        // UTF-8: well-formed sequences only (no overlongs, surrogates or > U+10FFFF).
        int len = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return fail("invalid UTF-8");
        }
        if (m_end - m_p < len)
            return fail("invalid UTF-8");
        const auto c1 = static_cast<unsigned char>(m_p[1]);
        if (c1 < lo || c1 > hi)
            return fail("invalid UTF-8");
        for (int k = 2; k < len; ++k) {
            const auto ck = static_cast<unsigned char>(m_p[k]);
            if (ck < 0x80 || ck > 0xBF)
                return fail("invalid UTF-8");
        }
        m_p += len;
    }
    if (m_p >= m_end)
        return fail("unterminated string");
    const char *end = m_p;
    ++m_p; // closing quote
    m_lastStringEscaped = escaped;
    if (!decoded || (!escaped && !always))
        return true;
    if (!escaped) {
        *decoded = QString::fromUtf8(start, end - start);
        return true;
    }
    // Escapes are rare in the fields we pick; decode them the simple way.
    QString out;
    for (const char *q = start; q < end;) {
        if (*q != '\\') {
            const char *run = q;
            while (q < end && *q != '\\')
                ++q;
            out += QString::fromUtf8(run, q - run);
            continue;
        }
        const char e = q[1];
        if (e == 'u') {
            char16_t u = 0;
            for (int k = 2; k < 6; ++k)
                u = char16_t(u * 16 + hexValue(q[k]));
            out += QChar(u);
            q += 6;
            continue;
        }
        static const char from[] = "\"\\/bfnrt";
        static const char to[] = "\"\\/\b\f\n\r\t";
        out += QLatin1Char(to[std::strchr(from, e) - from]);
        q += 2;
    }
    *decoded = out;
    return true;
}

bool JsonScan::number()
{
    const char *s = m_p;
    if (m_p < m_end && *m_p == '-')
        ++m_p;
    if (m_p >= m_end)
        return fail("illegal value");
    if (*m_p == '0') {
        ++m_p;
    } else if (*m_p >= '1' && *m_p <= '9') {
        while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
    } else {
        m_p = s;
        return fail("illegal value");
    }
    if (m_p < m_end && *m_p == '.') {
        ++m_p;
        const char *d = m_p;
        while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
        if (m_p == d)
            return fail("illegal number");
    }
    bool exponent = false;
    if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
        exponent = true;
        ++m_p;
        if (m_p < m_end && (*m_p == '+' || *m_p == '-'))
            ++m_p;
        const char *d = m_p;
        while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
        if (m_p == d)
            return fail("illegal number");
    }
    // QJsonDocument (batch route, fold, Qt clients) refuses what a double cannot hold
    // (1e400, 1e-400): refuse it too, or the stored event could not be read back.
    // Only an exponent or a long literal can be out of range.
    if (exponent || m_p - s > 15) {
        bool ok = false;
        QByteArray::fromRawData(s, m_p - s).toDouble(&ok);
        if (!ok)
            return fail("illegal number");
    }
    return true;
}

bool JsonScan::literal(const char *word)
{
    const size_t n = std::strlen(word);
    if (size_t(m_end - m_p) < n || std::memcmp(m_p, word, n) != 0)
        return fail("illegal value");
    m_p += n;
    return true;
}

void appendJsonString(QByteArray &out, QStringView value)
{
    const QByteArray utf8 = value.toUtf8();
    out += '"';
    // Ids, timestamps and most text need no escape: one append, not one per byte.
    if (std::all_of(utf8.cbegin(), utf8.cend(), [](char ch) { return kPlain[static_cast<unsigned char>(ch)]; }) ) {
        out += utf8;
        out += '"';
        return;
    }
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += char(c);
        }
    }
    out += '"';
}

std::optional<QJsonDocument> parseJson(const QByteArray &json, QString *error)
{
    JsonScan scan({});
    if (!scan.scan(json)) {
        *error = scan.error() + QStringLiteral(" at offset ") + QString::number(scan.errorOffset());
        return std::nullopt;
    }
    QJsonParseError err;
    QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError) { // JsonScan is the stricter of the two
        *error = err.errorString() + QStringLiteral(" at offset ") + QString::number(err.offset);
        return std::nullopt;
    }
    return doc;
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QJsonDocument>
#include <QString>

#include <optional>

namespace Afw {

// A single-pass JSON validator (RFC 8259, UTF-8 checked, nesting bounded, no object
// with the same member name twice) that also picks out top-level string members of an
// object, without building a DOM. The POST /api/events path needs only three fields of
// an otherwise opaque event, and a QJsonDocument costs more than everything else on
// that path together. Every JSON body the daemon reads passes through it first: a
// duplicate name is read one way by one parser and another way by the next (Qt keeps
// the first, JavaScript the last), so it is refused rather than guessed at.
class JsonScan
{
public:
    struct Member
    {
        bool present = false;
        bool isString = false;
        QString value; // decoded, when isString
    };

    static constexpr int kMaxKeys = 12;

    // keys: the top-level members to report (at most kMaxKeys).
    JsonScan(std::initializer_list<const char *> keys);

    // True when `json` is exactly one valid JSON value (whitespace around allowed).
    bool scan(QByteArrayView json);

    bool isObject() const { return m_isObject; }
    const Member &member(int index) const { return m_members[index]; }
    QString error() const { return QString::fromLatin1(m_error); }
    qsizetype errorOffset() const { return m_errorOffset; }

private:
    bool value(int depth);
    bool object(int depth);
    class Names;
    bool array(int depth);
    bool string(QString *decoded, bool always);
    bool number();
    bool literal(const char *word);
    int separator(char close);
    void skipSpace();
    bool fail(const char *why);

    const char *m_p = nullptr;
    const char *m_end = nullptr;
    const char *m_begin = nullptr;
    const char *m_keys[kMaxKeys] = {};
    int m_keyCount = 0;
    Member m_members[kMaxKeys];
    bool m_isObject = false;
    bool m_lastStringEscaped = false;
    const char *m_error = "";
    qsizetype m_errorOffset = 0;
};

// Appends @p value as a JSON string literal (quotes and escapes), without a DOM: for the
// JSON the daemon writes by hand on its hot paths.
void appendJsonString(QByteArray &out, QStringView value);

// JSON that JsonScan accepts, as a document: nullopt and *error ("<why> at offset N")
// otherwise. The one way the daemon reads a JSON body or message.
std::optional<QJsonDocument> parseJson(const QByteArray &json, QString *error);

} // namespace Afw

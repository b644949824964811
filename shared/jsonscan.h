// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

namespace Afw {

// A single-pass JSON validator (RFC 8259, UTF-8 checked, nesting bounded) that also
// picks out top-level string members of an object, without building a DOM. The
// POST /api/events path needs only three fields of an otherwise opaque event, and a
// QJsonDocument costs more than everything else on that path together.
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
    bool array(int depth);
    bool string(QString *decoded);
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
    const char *m_error = "";
    qsizetype m_errorOffset = 0;
};

} // namespace Afw

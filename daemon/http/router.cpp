// SPDX-License-Identifier: MIT
#include "router.h"

namespace Afw {

namespace {
QString methodName(Method m)
{
    switch (m) {
    case Method::Get:
        return QStringLiteral("GET");
    case Method::Post:
        return QStringLiteral("POST");
    case Method::Put:
        return QStringLiteral("PUT");
    case Method::Delete:
        return QStringLiteral("DELETE");
    default:
        return QStringLiteral("OTHER");
    }
}
} // namespace

Method methodOf(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get:
        return Method::Get;
    case QHttpServerRequest::Method::Post:
        return Method::Post;
    case QHttpServerRequest::Method::Put:
        return Method::Put;
    case QHttpServerRequest::Method::Delete:
        return Method::Delete;
    case QHttpServerRequest::Method::Options:
        return Method::Options;
    default:
        return Method::Other;
    }
}

void Router::add(Method method, const QString &pattern, Handler handler, Access access)
{
    m_routes.append(
        {method, pattern.split(u'/', Qt::SkipEmptyParts), std::move(handler), pattern, access});
}

Router::Match Router::match(Method method, const QByteArray &rawPath) const
{
    Match m;
    // One trailing slash is forgiven; an empty segment inside the path is kept, so that
    // "/api/sessions//chains" is an empty (invalid) id, not session "chains".
    QList<QByteArray> raw = rawPath.split('/');
    raw.removeFirst();
    if (raw.size() > 1 && raw.last().isEmpty())
        raw.removeLast();
    for (const QByteArray &s : std::as_const(raw))
        m.segments << QString::fromUtf8(QByteArray::fromPercentEncoding(s));
    for (const Route &r : m_routes) {
        if (r.segments.size() != m.segments.size())
            continue;
        bool ok = true;
        for (qsizetype i = 0; ok && i < m.segments.size(); ++i)
            ok = r.segments[i].startsWith(u':') || r.segments[i] == m.segments[i];
        if (!ok)
            continue;
        if (r.method != method) {
            m.allowed << methodName(r.method);
            continue;
        }
        m.route = &r;
        break;
    }
    return m;
}

} // namespace Afw

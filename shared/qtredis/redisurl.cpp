// SPDX-License-Identifier: MIT
#include "redisurl.h"

namespace Afw::Redis {

namespace {

std::optional<RedisUrl> fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

bool parseDb(const QString &text, int *db)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < 0)
        return false;
    *db = value;
    return true;
}

// "user:password" or ":password", percent-decoded. A bare "name" is refused: Redis has no
// password-less AUTH, and guessing whether it was meant as user or password hides mistakes.
bool parseUserInfo(const QString &userInfo, RedisUrl *url, QString *error)
{
    const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
    if (colon < 0) {
        if (error)
            *error = QStringLiteral("user info without a password (use redis://:password@host)");
        return false;
    }
    url->username = QByteArray::fromPercentEncoding(userInfo.left(colon).toUtf8());
    url->password = QByteArray::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
    if (url->password.isEmpty()) {
        if (error)
            *error = QStringLiteral("empty password in URL");
        return false;
    }
    return true;
}

std::optional<RedisUrl> parseTcp(const QString &rest, QString *error)
{
    RedisUrl url;
    qsizetype end = rest.size();
    for (const QChar c : {QLatin1Char('/'), QLatin1Char('?'), QLatin1Char('#')}) {
        const qsizetype i = rest.indexOf(c);
        if (i >= 0 && i < end)
            end = i;
    }
    QString authority = rest.left(end);
    const QString tail = rest.mid(end);

    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        if (!parseUserInfo(authority.left(at), &url, error))
            return std::nullopt;
        authority = authority.mid(at + 1);
    }

    QString portText;
    if (authority.startsWith(QLatin1Char('['))) {
        const qsizetype close = authority.indexOf(QLatin1Char(']'));
        if (close < 0)
            return fail(error, QStringLiteral("unterminated IPv6 address"));
        url.host = authority.mid(1, close - 1);
        const QString after = authority.mid(close + 1);
        if (!after.isEmpty()) {
            if (!after.startsWith(QLatin1Char(':')))
                return fail(error, QStringLiteral("garbage after IPv6 address"));
            portText = after.mid(1);
        }
    } else {
        const qsizetype colon = authority.lastIndexOf(QLatin1Char(':'));
        url.host = colon >= 0 ? authority.left(colon) : authority;
        if (colon >= 0)
            portText = authority.mid(colon + 1);
    }
    if (url.host.isEmpty())
        return fail(error, QStringLiteral("missing host"));
    if (url.host.contains(QLatin1Char(' ')))
        return fail(error, QStringLiteral("invalid host \"%1\"").arg(url.host));
    if (!portText.isNull()) {
        bool ok = false;
        const uint port = portText.toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return fail(error, QStringLiteral("invalid port \"%1\"").arg(portText));
        url.port = quint16(port);
    }

    if (tail.isEmpty() || tail == QLatin1String("/"))
        return url;
    if (!tail.startsWith(QLatin1Char('/')) || tail.contains(QLatin1Char('?'))
        || tail.contains(QLatin1Char('#')))
        return fail(
            error, QStringLiteral("unexpected \"%1\" after host (only /db is allowed)").arg(tail));
    if (!parseDb(tail.mid(1), &url.db))
        return fail(error, QStringLiteral("invalid database number \"%1\"").arg(tail.mid(1)));
    return url;
}

std::optional<RedisUrl> parseUnix(const QString &rest, QString *error)
{
    RedisUrl url;
    url.transport = RedisUrl::Transport::Unix;
    url.host.clear();
    url.port = 0;

    QString path = rest;
    if (!path.startsWith(QLatin1Char('/'))) {
        const qsizetype at = path.indexOf(QLatin1String("@/"));
        if (at < 0)
            return fail(error, QStringLiteral("unix socket path must be absolute (unix:///path)"));
        if (!parseUserInfo(path.left(at), &url, error))
            return std::nullopt;
        path = path.mid(at + 1);
    }
    const qsizetype q = path.indexOf(QLatin1Char('?'));
    if (q >= 0) {
        const QString query = path.mid(q + 1);
        path = path.left(q);
        if (!query.startsWith(QLatin1String("db=")) || !parseDb(query.mid(3), &url.db))
            return fail(
                error, QStringLiteral("invalid query \"%1\" (only db=N is allowed)").arg(query));
    }
    url.socketPath = QString::fromUtf8(QByteArray::fromPercentEncoding(path.toUtf8()));
    if (url.socketPath.size() < 2)
        return fail(error, QStringLiteral("missing unix socket path"));
    return url;
}

} // namespace

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    const qsizetype sep = trimmed.indexOf(QLatin1String("://"));
    if (sep <= 0)
        return fail(error,
            QStringLiteral("not a Redis URL: \"%1\" (expected redis://host[:port][/db] "
                           "or unix:///path)")
                .arg(trimmed));
    const QString scheme = trimmed.left(sep).toLower();
    const QString rest = trimmed.mid(sep + 3);
    if (scheme == QLatin1String("rediss"))
        return fail(
            error, QStringLiteral("rediss:// (TLS) is not supported: hiredis 0.14 has no TLS"));
    if (scheme == QLatin1String("redis"))
        return parseTcp(rest, error);
    if (scheme == QLatin1String("unix"))
        return parseUnix(rest, error);
    return fail(error,
        QStringLiteral("unsupported URL scheme \"%1\" (expected redis:// or unix://)").arg(scheme));
}

QString RedisUrl::toDisplayString() const
{
    QString auth;
    if (!password.isEmpty())
        auth = QString::fromUtf8(username) + QStringLiteral(":***@");
    const QString dbPart = db != 0 ? QString::number(db) : QString();
    if (transport == Transport::Unix)
        return QStringLiteral("unix://") + auth + socketPath
               + (db != 0 ? QStringLiteral("?db=") + dbPart : QString());
    const QString hostPart
        = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QStringLiteral("redis://") + auth + hostPart + QLatin1Char(':') + QString::number(port)
           + (db != 0 ? QLatin1Char('/') + dbPart : QString());
}

bool operator==(const RedisUrl &a, const RedisUrl &b)
{
    return a.transport == b.transport && a.host == b.host && a.port == b.port
           && a.socketPath == b.socketPath && a.db == b.db && a.username == b.username
           && a.password == b.password;
}

} // namespace Afw::Redis

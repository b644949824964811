// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include <QByteArray>
#include <QString>

namespace Afw::Redis {

/**
 * Where and how to reach a Redis server.
 *
 * Accepted forms:
 *  - `redis://[user:password@]host[:port][/db]` (also `redis://:password@host`),
 *    default port 6379, default db 0; IPv6 hosts in brackets;
 *  - `unix:///path/to/socket[?db=N]`, optionally `unix://[user]:password@/path`.
 * `rediss://` is refused: hiredis 0.14 has no TLS.
 */
struct RedisUrl
{
    enum class Transport { Tcp, Unix };

    Transport transport = Transport::Tcp;
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString socketPath;
    int db = 0;
    QByteArray username; // empty: plain "AUTH password"
    QByteArray password; // empty: no AUTH

    static std::optional<RedisUrl> parse(const QString &url, QString *error = nullptr);

    /** For logs: the password is replaced by "***". */
    QString toDisplayString() const;

    friend bool operator==(const RedisUrl &a, const RedisUrl &b);
};

} // namespace Afw::Redis

// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace Afw {

// One value struct, built once at start-up: defaults < environment < flags.
struct Config
{
    quint16 port = 3001;
    QString host = QStringLiteral("127.0.0.1");
    QString redisUrl;
    QString redisPrefix = QStringLiteral("afw:");
    QString logLevel = QStringLiteral("info");
    QString apiKey;
    QString corsOrigin = QStringLiteral("*");
    qint64 maxBodyBytes = 1024 * 1024;
    int maxEventsPerSession = 10000;
    int sessionTtlSeconds = 24 * 3600; // sessions, events, chains, seq
    int queueTtlSeconds = 5 * 60;      // commands, input
    qint64 wsMaxBacklogBytes = 8 * 1024 * 1024;
    qint64 wsMaxMessageBytes = 1024 * 1024;
    int wsPingIntervalMs = 30000;
    int wsFlushMs = 10; // WebSocket frames leave in flushes at most this far apart (0: every turn)
    int maxConnections = 16384;    // TCP connections, HTTP and WebSocket together
    int requestTimeoutMs = 30000;  // a request must arrive whole within this
    int idleTimeoutMs = 120000;    // an idle keep-alive connection is closed after this

    // nullopt and every problem (one per line) in *errors when a value is bad.
    // With --help or --version, *exitNow is set and the text is in *errors.
    static std::optional<Config> load(const QStringList &args, const QProcessEnvironment &env,
                                      QStringList *errors, bool *exitNow);
};

} // namespace Afw

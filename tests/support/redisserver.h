// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <QByteArray>
#include <QFuture>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

#include "redisreply.h"

namespace Afw::Test {

// A raw Redis reply, waited for on a condition (bounded), for tests that read keys.
inline Redis::Reply awaitReply(const QFuture<Redis::Reply> &f, int timeoutMs = 5000)
{
    if (!QTest::qWaitFor([&f] { return f.isFinished(); }, timeoutMs))
        return Redis::Reply::makeError("TEST: no reply in time");
    return f.result();
}

/**
 * A throw-away redis-server on a free loopback port, in its own temporary directory,
 * without persistence. Killed when the object dies.
 */
class RedisServer
{
public:
    struct Options
    {
        QByteArray password;     // --requirepass
        bool unixSocket = false; // also listen on <tmp>/redis.sock
    };

    RedisServer();
    explicit RedisServer(const Options &options);
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    /** Starts on a free port and waits (≤ 5 s) until it answers PING. */
    bool start();
    /** SIGKILL (default) or SIGTERM, then waits for the process to exit. */
    void stop(bool graceful = false);
    /** Starts again on the same port and socket path. */
    bool restart();
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:N (no password)
    QString unixSocketPath() const;
    /** What went wrong in start()/restart(), with the server's log. */
    QString errorString() const { return m_error; }

    /** redis-server is on PATH. */
    static bool available();
    /** A loopback TCP port that was free a moment ago. */
    static quint16 freePort();

private:
    bool launch();
    bool waitUntilReady();

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace Afw::Test

/** Skips the test when redis-server is missing; fails instead when AFW_REQUIRE_REDIS=1. */
#define AFW_REQUIRE_REDIS_SERVER()                                                              \
    do {                                                                                        \
        if (!Afw::Test::RedisServer::available()) {                                             \
            if (qEnvironmentVariableIntValue("AFW_REQUIRE_REDIS") == 1)                         \
                QFAIL("redis-server not found on PATH and AFW_REQUIRE_REDIS=1");               \
            QSKIP("redis-server not found on PATH");                                            \
        }                                                                                       \
    } while (false)

/** Declares and starts a RedisServer named @p name, or skips/fails like above. */
#define AFW_START_REDIS(name, ...)                                                              \
    AFW_REQUIRE_REDIS_SERVER();                                                                 \
    Afw::Test::RedisServer name{__VA_ARGS__};                                                   \
    QVERIFY2(name.start(), qPrintable(name.errorString()))

// SPDX-License-Identifier: MIT
#pragma once

#include <QFuture>
#include <QTest>
#include <QUrl>

#include <memory>

#include "config.h"
#include "daemon.h"
#include "redisserver.h"

namespace Afw::Test {

/**
 * The one place the suites start in-process daemons (port 0 on loopback). The backend
 * comes from AFW_TEST_BACKEND (memory, the default, or redis): with redis, one
 * redis-server serves the suite and every daemon gets a key prefix of its own, unless it
 * is a twin (a second instance on another's data).
 */
class DaemonFixture
{
public:
    static constexpr int kWaitMs = 10000;

    DaemonFixture();
    ~DaemonFixture();

    bool useRedis() const { return m_useRedis; }
    QString backend() const;
    // Call from initTestCase(): checks AFW_TEST_BACKEND and starts redis-server when
    // needed (skips, or fails with AFW_REQUIRE_REDIS=1, when it is missing).
    void init();
    RedisServer *redis() const { return m_redis.get(); }

    struct Options
    {
        bool redis = false;         // Redis whatever AFW_TEST_BACKEND says (suites about Redis)
        bool waitForStorage = true; // false: a Redis that is down on purpose
    };
    // A started daemon whose storage is available, or nullptr (and a warning). A
    // config.redisUrl of the caller's own is kept (and with it its prefix).
    std::unique_ptr<Daemon> start(Config config, Options options);
    std::unique_ptr<Daemon> start(Config config = {})
    {
        return start(std::move(config), Options());
    }
    // Another daemon on d's data: the same Redis and prefix; nullptr on memory.
    std::unique_ptr<Daemon> twin(const Daemon &d, Config config = {});

    static QUrl url(const Daemon &d, const QString &pathAndQuery);
    static QUrl wsUrl(const Daemon &d, const QString &query = {});

    // A future waited for with the event loop running (Redis replies need it).
    template <typename T> static T await(const QFuture<T> &f)
    {
        if (!QTest::qWaitFor([&f] { return f.isFinished(); }, kWaitMs))
            qWarning() << "future did not finish within" << kWaitMs << "ms";
        return f.result();
    }

private:
    bool ensureRedis();

    const bool m_useRedis;
    std::unique_ptr<RedisServer> m_redis;
    int m_prefixCounter = 0;
};

} // namespace Afw::Test

/** initTestCase() of a suite that runs on both backends. */
#define AFW_DAEMON_FIXTURE_INIT(fixture)                                                           \
    do {                                                                                           \
        const QByteArray backend_ = qgetenv("AFW_TEST_BACKEND");                                   \
        QVERIFY2(backend_.isEmpty() || backend_ == "memory" || backend_ == "redis",                \
                 "AFW_TEST_BACKEND must be memory or redis");                                      \
        if ((fixture).useRedis())                                                                  \
            AFW_REQUIRE_REDIS_SERVER();                                                            \
        (fixture).init();                                                                          \
        QVERIFY2(!(fixture).useRedis() || (fixture).redis(), "redis-server did not start");        \
        qInfo() << "storage backend:" << (fixture).backend();                                      \
    } while (false)

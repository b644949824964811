// SPDX-License-Identifier: MIT
#include "testdaemon.h"

#include "storage/storage.h"

namespace Afw::Test {

DaemonFixture::DaemonFixture() : m_useRedis(qgetenv("AFW_TEST_BACKEND") == "redis")
{
}

DaemonFixture::~DaemonFixture() = default;

QString DaemonFixture::backend() const
{
    return m_useRedis ? QStringLiteral("redis") : QStringLiteral("memory");
}

void DaemonFixture::init()
{
    if (m_useRedis)
        ensureRedis();
}

bool DaemonFixture::ensureRedis()
{
    if (m_redis)
        return true;
    auto redis = std::make_unique<RedisServer>();
    if (!redis->start()) {
        qWarning().noquote() << "redis-server did not start:" << redis->errorString();
        return false;
    }
    m_redis = std::move(redis);
    return true;
}

std::unique_ptr<Daemon> DaemonFixture::start(Config config, Options options)
{
    config.host = QStringLiteral("127.0.0.1");
    config.port = 0;
    if (config.redisUrl.isEmpty() && (m_useRedis || options.redis)) {
        if (!ensureRedis())
            return nullptr;
        config.redisUrl = m_redis->url();
        if (config.redisPrefix == Config{}.redisPrefix)
            config.redisPrefix = QStringLiteral("t%1:").arg(++m_prefixCounter);
    }
    auto d = std::make_unique<Daemon>(config);
    QString error;
    if (!d->start(&error)) {
        qWarning() << "daemon did not start:" << error;
        return nullptr;
    }
    // The Redis backend connects asynchronously.
    if (options.waitForStorage &&
        !QTest::qWaitFor([&d] { return d->storage()->isAvailable(); }, kWaitMs)) {
        qWarning() << "storage not available within" << kWaitMs << "ms";
        return nullptr;
    }
    return d;
}

std::unique_ptr<Daemon> DaemonFixture::twin(const Daemon &d, Config config)
{
    if (d.config().redisUrl.isEmpty())
        return nullptr;
    config.redisUrl = d.config().redisUrl;
    config.redisPrefix = d.config().redisPrefix;
    return start(config);
}

QUrl DaemonFixture::url(const Daemon &d, const QString &pathAndQuery)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(d.port()).arg(pathAndQuery));
}

QUrl DaemonFixture::wsUrl(const Daemon &d, const QString &query)
{
    QUrl u(QStringLiteral("ws://127.0.0.1:%1/ws").arg(d.port()));
    if (!query.isEmpty())
        u.setQuery(query);
    return u;
}

} // namespace Afw::Test

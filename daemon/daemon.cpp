// SPDX-License-Identifier: MIT
#include "daemon.h"

#include <QTimer>

#include "api/httpapi.h"
#include "http/httpserver.h"
#include "logging.h"
#include "storage/memorystorage.h"
#include "storage/redis/redisstorage.h"
#include "ws/wshub.h"

namespace Afw {

namespace {
constexpr int kShutdownGraceMs = 3000;
}

std::unique_ptr<Storage> makeStorage(const Config &config, QString *error)
{
    StorageLimits limits;
    limits.sessionTtlMs = qint64(config.sessionTtlSeconds) * 1000;
    limits.queueTtlMs = qint64(config.queueTtlSeconds) * 1000;
    limits.maxEventsPerSession = config.maxEventsPerSession;
    if (!config.redisUrl.isEmpty()) {
        // A bad URL stops the start-up; an unreachable server does not: the storage
        // answers 503 until it connects, and reconnects by itself.
        QString why;
        const auto url = Redis::RedisUrl::parse(config.redisUrl, &why);
        if (!url) {
            *error = QStringLiteral("invalid REDIS_URL: ") + why;
            return nullptr;
        }
        return std::make_unique<RedisStorage>(*url, config.redisPrefix, limits);
    }
    return std::make_unique<MemoryStorage>(limits);
}

Daemon::Daemon(const Config &config, QObject *parent) : QObject(parent), m_config(config)
{
}

Daemon::~Daemon()
{
    delete m_ws;
    delete m_http;
}

bool Daemon::start(QString *error)
{
    m_storage = makeStorage(m_config, error);
    if (!m_storage)
        return false;
    m_http = new HttpServer(m_config, &m_metrics);
    new HttpApi(m_config, m_storage.get(), &m_metrics, m_http);
    m_ws = new WsHub(m_config, m_http, m_storage.get(), &m_metrics);
    connect(m_http, &QAbstractHttpServer::newWebSocketConnection, m_ws, &WsHub::takeUpgraded);
    m_port = m_http->listen(m_config.host, m_config.port);
    if (m_port == 0) {
        *error = QStringLiteral("cannot listen on %1:%2").arg(m_config.host).arg(m_config.port);
        return false;
    }
    const QString host = m_config.host.contains(u':') ? u'[' + m_config.host + u']' : m_config.host;
    qCInfo(lcDaemon).noquote()
        << QStringLiteral("afwd %1 listening: API http://%2:%3/api  WS ws://%2:%3/ws  storage %4%5")
               .arg(QStringLiteral(AFW_VERSION), host)
               .arg(m_port)
               .arg(m_storage->backendName(),
                    m_config.apiKey.isEmpty() ? QString() : QStringLiteral("  auth on"));
    return true;
}

void Daemon::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcDaemon) << "shutting down";
    if (m_http)
        m_http->stopListening();
    if (!m_ws) {
        QTimer::singleShot(0, this, &Daemon::finished);
        return;
    }
    // Whichever comes first: every client closed, or the grace period.
    auto done = std::make_shared<bool>(false);
    auto finish = [this, done] {
        if (std::exchange(*done, true))
            return;
        Q_EMIT finished();
    };
    connect(m_ws, &WsHub::allClosed, this, finish, Qt::QueuedConnection);
    QTimer::singleShot(kShutdownGraceMs, this, finish);
    m_ws->closeAll();
}

} // namespace Afw

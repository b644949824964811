// SPDX-License-Identifier: MIT
#include "redisconnection.h"

#include <hiredis/async.h>

#include <QSocketNotifier>

#include "redislog.h"

namespace Afw::Redis {

// Lifetime rules this class relies on (hiredis 0.14 async.c):
//  - every queued command callback is called exactly once: with the reply, or with NULL
//    while the context is being freed;
//  - a failed connect calls onConnect(REDIS_ERR), then frees the context (no onDisconnect);
//  - a dropped connection runs the NULL callbacks, then ev.cleanup, then onDisconnect, and
//    frees the context right after: it must not be touched once any of these ran;
//  - redisAsyncFree must not be called from inside a callback, so drops requested while
//    hiredis is dispatching are deferred to the event loop.

Connection::Connection(const RedisUrl &url, const Options &options, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_options(options)
    , m_backoffMs(qMax(1, options.reconnectMinMs))
{
    m_clock.start();
    m_connectTimer.setSingleShot(true);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        const QString message = QStringLiteral("connect to %1 timed out after %2 ms")
                                    .arg(m_url.toDisplayString())
                                    .arg(m_options.connectTimeoutMs);
        Q_EMIT errorOccurred(message);
        dropConnection(Reply::Failure::Timeout, message);
    });
    connect(&m_reconnectTimer, &QTimer::timeout, this, &Connection::openContext);
}

Connection::~Connection()
{
    // Normally derived destructors already called shutdown(); this only guards against leaks.
    m_shuttingDown = true;
    if (redisAsyncContext *ac = m_ac) {
        m_ac = nullptr;
        ac->data = nullptr;
        redisAsyncFree(ac);
    }
}

void Connection::start()
{
    if (m_started || m_shuttingDown)
        return;
    m_started = true;
    openContext();
}

Connection *Connection::owner(const redisAsyncContext *ac)
{
    auto *self = static_cast<Connection *>(ac->data);
    return self && self->m_ac == ac ? self : nullptr;
}

void Connection::openContext()
{
    if (m_ac || m_shuttingDown)
        return;
    ++m_generation;
    redisAsyncContext *ac = nullptr;
    if (m_url.transport == RedisUrl::Transport::Unix)
        ac = redisAsyncConnectUnix(m_url.socketPath.toLocal8Bit().constData());
    else // getaddrinfo() inside hiredis blocks: prefer IP addresses in the URL.
        ac = redisAsyncConnect(m_url.host.toUtf8().constData(), int(m_url.port));
    if (!ac) {
        loseContext(Reply::Failure::Disconnected, QStringLiteral("out of memory"));
        return;
    }
    if (ac->err == 0 && m_url.transport == RedisUrl::Transport::Tcp)
        redisEnableKeepAlive(&ac->c); // detects dead peers on idle (pub/sub) connections
    if (ac->err != 0 || ac->c.err != 0) {
        const QString reason = contextError(ac);
        redisAsyncFree(ac); // nothing is attached yet: no callback can run
        m_state = State::Connecting;
        loseContext(Reply::Failure::Disconnected, reason);
        return;
    }

    m_ac = ac;
    m_state = State::Connecting;
    ac->data = this;
    // Both notifiers are created once per socket and only toggled: hiredis calls the
    // add/del hooks very often, and two enabled notifiers on one fd make Qt complain.
    m_readNotifier = new QSocketNotifier(ac->c.fd, QSocketNotifier::Read, this);
    m_writeNotifier = new QSocketNotifier(ac->c.fd, QSocketNotifier::Write, this);
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    connect(m_readNotifier, &QSocketNotifier::activated, this, [this, ac] {
        ++m_dispatchDepth;
        redisAsyncHandleRead(ac);
        --m_dispatchDepth;
    });
    connect(m_writeNotifier, &QSocketNotifier::activated, this, [this, ac] {
        ++m_dispatchDepth;
        redisAsyncHandleWrite(ac);
        --m_dispatchDepth;
    });
    ac->ev.data = this;
    ac->ev.addRead = &Connection::evAddRead;
    ac->ev.delRead = &Connection::evDelRead;
    ac->ev.addWrite = &Connection::evAddWrite;
    ac->ev.delWrite = &Connection::evDelWrite;
    ac->ev.cleanup = &Connection::evCleanup;
    // Hooks must be in place first: setting the connect callback arms the write notifier.
    redisAsyncSetConnectCallback(ac, &Connection::onConnect);
    redisAsyncSetDisconnectCallback(ac, &Connection::onDisconnect);
    m_connectTimer.start(m_options.connectTimeoutMs);
    qCDebug(lcRedis).noquote() << "connecting to" << m_url.toDisplayString();
    contextCreated(ac);
}

void Connection::handshakeDone()
{
    if (m_state != State::Connecting || !m_ac)
        return;
    m_state = State::Connected;
    m_connectTimer.stop();
    m_backoffMs = qMax(1, m_options.reconnectMinMs);
    m_failedAttempts = 0;
    qCInfo(lcRedis).noquote() << "connected to" << m_url.toDisplayString();
    Q_EMIT connected();
}

void Connection::loseContext(Reply::Failure failure, const QString &reason)
{
    const bool wasConnected = m_state == State::Connected;
    m_ac = nullptr;
    m_state = State::Idle;
    m_connectTimer.stop();
    if (m_shuttingDown) {
        contextLost(failure, reason);
        return;
    }
    if (wasConnected)
        qCInfo(lcRedis).noquote() << "disconnected from"
                                  << m_url.toDisplayString() + QStringLiteral(": ") + reason;
    else if (m_failedAttempts++ == 0)
        qCWarning(lcRedis).noquote()
            << "cannot connect to" << m_url.toDisplayString() + QStringLiteral(": ") + reason
            << "(retrying)";
    else
        qCDebug(lcRedis).noquote()
            << "reconnect attempt" << m_failedAttempts << "failed:" << reason;
    scheduleReconnect();
    contextLost(failure, reason);
    if (wasConnected)
        Q_EMIT disconnected(reason);
}

void Connection::freeContext(Reply::Failure failure, const QString &reason)
{
    redisAsyncContext *ac = m_ac;
    if (!ac)
        return;
    loseContext(failure, reason); // fails pending work with the right Failure first
    ac->data = nullptr;           // onDisconnect and the NULL replies below are then ignored
    redisAsyncFree(ac);
}

void Connection::dropConnection(Reply::Failure failure, const QString &reason)
{
    if (!m_ac)
        return;
    if (m_dispatchDepth > 0) {
        const quint64 generation = m_generation;
        QMetaObject::invokeMethod(
            this,
            [this, generation, failure, reason] {
                if (generation == m_generation)
                    freeContext(failure, reason);
            },
            Qt::QueuedConnection);
        return;
    }
    freeContext(failure, reason);
}

void Connection::contextFreedByHiredis(const redisAsyncContext *ac)
{
    if (m_ac == ac)
        loseContext(Reply::Failure::Disconnected, contextError(ac));
}

void Connection::shutdown()
{
    m_shuttingDown = true;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    if (!m_ac)
        return;
    // Freeing here while hiredis dispatches would be a use-after-free inside hiredis.
    Q_ASSERT_X(m_dispatchDepth == 0, "Afw::Redis::Connection",
               "deleted from inside its own callback; use deleteLater()");
    freeContext(Reply::Failure::Disconnected, QStringLiteral("connection closed by client"));
}

void Connection::scheduleReconnect()
{
    if (m_shuttingDown || !m_started)
        return;
    const int delay = m_backoffMs;
    m_backoffMs = qMin(qMax(1, m_options.reconnectMaxMs), m_backoffMs * 2);
    m_reconnectTimer.start(delay);
}

void Connection::releaseNotifiers()
{
    // Called from hiredis' cleanup hook, often inside one of these notifiers' activation.
    for (QSocketNotifier **n : {&m_readNotifier, &m_writeNotifier}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->deleteLater();
            *n = nullptr;
        }
    }
}

QString Connection::contextError(const redisAsyncContext *ac)
{
    if (ac->c.err != 0)
        return QString::fromLocal8Bit(ac->c.errstr);
    return QStringLiteral("connection closed");
}

void Connection::onConnect(const redisAsyncContext *ac, int status)
{
    Connection *self = owner(ac);
    if (!self)
        return;
    if (status != REDIS_OK) // hiredis frees the context when we return
        self->loseContext(Reply::Failure::Disconnected, contextError(ac));
}

void Connection::onDisconnect(const redisAsyncContext *ac, int status)
{
    Connection *self = owner(ac);
    if (!self)
        return;
    self->loseContext(Reply::Failure::Disconnected, status == REDIS_OK
                                                        ? QStringLiteral("connection closed")
                                                        : contextError(ac));
}

void Connection::evAddRead(void *data)
{
    if (auto *n = static_cast<Connection *>(data)->m_readNotifier)
        n->setEnabled(true);
}

void Connection::evDelRead(void *data)
{
    if (auto *n = static_cast<Connection *>(data)->m_readNotifier)
        n->setEnabled(false);
}

void Connection::evAddWrite(void *data)
{
    if (auto *n = static_cast<Connection *>(data)->m_writeNotifier)
        n->setEnabled(true);
}

void Connection::evDelWrite(void *data)
{
    if (auto *n = static_cast<Connection *>(data)->m_writeNotifier)
        n->setEnabled(false);
}

void Connection::evCleanup(void *data)
{
    static_cast<Connection *>(data)->releaseNotifiers();
}

} // namespace Afw::Redis

// SPDX-License-Identifier: MIT
#include "listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include "guardedsocket.h"
#include "logging.h"
#include "metrics.h"

namespace Afw {

namespace {
constexpr int kSweepMs = 250;
}

HttpListener::HttpListener(const HttpLimits &limits, Metrics *metrics, QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_metrics(metrics)
{
    // Qt's default listen backlog (50) drops the SYNs of a burst of connections (a
    // dashboard fleet reconnecting after a restart), which then wait 1-3 s to retry.
    setListenBacklogSize(4096);
    setMaxPendingConnections(std::max(30, limits.maxConnections));
    m_sweepTimer.setInterval(kSweepMs);
    connect(&m_sweepTimer, &QTimer::timeout, this, &HttpListener::sweep);
    m_sweepTimer.start();
}

qint64 HttpListener::nowMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}

void HttpListener::incomingConnection(qintptr fd)
{
    if (m_open >= m_limits.maxConnections) {
        // Over the cap: say so and close; the kernel's listen queue is no place to wait.
        static const QByteArray busy =
            rawErrorAnswer(errorReply(Problem::TooManyConnections,
                                      {{QStringLiteral("message"),
                                        QStringLiteral("the server is at its connection limit")}}),
                           m_limits.corsOrigin);
        (void)::send(int(fd), busy.constData(), size_t(busy.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(int(fd));
        m_metrics->addHttpClosed("over_capacity");
        qCWarning(lcHttp) << "connection refused: at the limit of" << m_limits.maxConnections
                          << "connections (AFW_MAX_CONNECTIONS)";
        return;
    }
    auto *socket = new GuardedSocket(m_limits, m_metrics, this);
    if (!socket->setSocketDescriptor(fd)) {
        delete socket;
        ::close(int(fd));
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    ++m_open;
    m_sockets.insert(socket);
    m_metrics->setHttpConnections(m_open);
    addPendingConnection(socket);
}

void HttpListener::upgrading(GuardedSocket *socket)
{
    m_upgraded.insert(socket->upgradedPeer(), socket);
}

void HttpListener::unwatch(GuardedSocket *socket)
{
    m_sockets.remove(socket); // a WebSocket now: still counted until it is gone
}

GuardedSocket *HttpListener::upgraded(const QHostAddress &peer, quint16 peerPort) const
{
    return m_upgraded.value({peer, peerPort});
}

void HttpListener::closed(GuardedSocket *socket)
{
    m_sockets.remove(socket);
    if (socket->isUpgraded() && m_upgraded.value(socket->upgradedPeer()) == socket)
        m_upgraded.remove(socket->upgradedPeer());
    --m_open;
    m_metrics->setHttpConnections(m_open);
}

void HttpListener::sweep()
{
    const qint64 now = nowMs();
    const QList<GuardedSocket *> sockets = m_sockets.values();
    for (GuardedSocket *s : sockets) {
        if (m_sockets.contains(s))
            s->check(now);
    }
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QSet>
#include <QTcpServer>
#include <QTimer>

#include "limits.h"

namespace Afw {

class GuardedSocket;
class Metrics;

/**
 * The QTcpServer handed to QAbstractHttpServer::bind(): caps concurrent connections
 * (WebSocket ones included, until they close), gives every connection a GuardedSocket,
 * and sweeps them for time-outs.
 */
class HttpListener final : public QTcpServer
{
    Q_OBJECT
public:
    HttpListener(const HttpLimits &limits, Metrics *metrics, QObject *parent = nullptr);

    int connectionCount() const { return m_open; }
    static qint64 nowMs(); // monotonic

    // Called by the sockets themselves.
    void upgrading(GuardedSocket *socket); // off to the WebSocket server
    void unwatch(GuardedSocket *socket);   // a WebSocket now: no HTTP time-outs
    void closed(GuardedSocket *socket);

    /** The socket under a WebSocket, by the peer's address (QWebSocket does not give it). */
    GuardedSocket *upgraded(const QHostAddress &peer, quint16 peerPort) const;

protected:
    void incomingConnection(qintptr fd) override;

private:
    void sweep();

    HttpLimits m_limits;
    Metrics *m_metrics;
    QSet<GuardedSocket *> m_sockets;
    QHash<std::pair<QHostAddress, quint16>, GuardedSocket *> m_upgraded;
    int m_open = 0;
    QTimer m_sweepTimer;
};

} // namespace Afw

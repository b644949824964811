// SPDX-License-Identifier: MIT
#include "wssocket.h"

namespace Afw::Test {

WsSocket::WsSocket()
{
    m_events.setAutoReconnect(false);
    m_events.setKeepAliveInterval(0);
    connect(&m_events, &EventSocket::rawMessageReceived, this, &WsSocket::textMessageReceived);
    connect(&m_events, &EventSocket::stateChanged, this, &WsSocket::watch);
}

void WsSocket::open(const QUrl &url, const QWebSocketHandshakeOptions &options)
{
    m_events.openRequest(QNetworkRequest(url), options);
    watch();
}

void WsSocket::open(const QNetworkRequest &request)
{
    m_events.openRequest(request);
    watch();
}

void WsSocket::watch()
{
    // Each connection has a socket of its own: its signals are the ones to pass on.
    QWebSocket *s = m_events.webSocket();
    if (!s || s == m_watched)
        return;
    m_watched = s;
    connect(s, &QWebSocket::connected, this, &WsSocket::connected);
    connect(s, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, &WsSocket::error);
    connect(s, &QWebSocket::disconnected, this, [this, s] {
        m_closeCode = s->closeCode();
        Q_EMIT disconnected();
    });
    connect(s, &QObject::destroyed, this, [this, s] {
        if (m_watched == s)
            m_watched = nullptr;
    });
}

QAbstractSocket::SocketState WsSocket::state() const
{
    const QWebSocket *s = m_events.webSocket();
    return s ? s->state() : QAbstractSocket::UnconnectedState;
}

qint64 WsSocket::sendTextMessage(const QString &text)
{
    return m_events.sendRaw(text) ? text.size() : -1;
}

qint64 WsSocket::sendBinaryMessage(const QByteArray &data)
{
    QWebSocket *s = m_events.webSocket();
    return s ? s->sendBinaryMessage(data) : -1;
}

void WsSocket::setOutgoingFrameSize(quint64 size)
{
    if (QWebSocket *s = m_events.webSocket())
        s->setOutgoingFrameSize(size);
}

} // namespace Afw::Test

// SPDX-License-Identifier: MIT
#pragma once

#include <QNetworkRequest>
#include <QObject>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include "eventsocket.h"

namespace Afw::Test {

/**
 * The console's WebSocket client (afw_client's EventSocket) driven by hand, with the
 * few QWebSocket calls and signals the suites use: it opens exactly the request a test
 * makes up (odd URLs, headers, framings), never reconnects or pings by itself, and
 * hands over every frame as it arrived. The suites' clients are built on it, so the
 * client the tests exercise is the one operators run.
 */
class WsSocket : public QObject
{
    Q_OBJECT
public:
    WsSocket();

    void open(const QUrl &url, const QWebSocketHandshakeOptions &options = {});
    void open(const QNetworkRequest &request);
    void close() { m_events.close(); }
    QAbstractSocket::SocketState state() const;
    // The close code of the last connection, as Qt reported it.
    QWebSocketProtocol::CloseCode closeCode() const { return m_closeCode; }
    qint64 sendTextMessage(const QString &text);
    qint64 sendBinaryMessage(const QByteArray &data);
    void setOutgoingFrameSize(quint64 size); // of the open connection
    EventSocket &events() { return m_events; }

Q_SIGNALS:
    void textMessageReceived(const QString &text);
    void connected();
    void disconnected();
    void error(QAbstractSocket::SocketError error);

private:
    void watch();

    EventSocket m_events;
    QWebSocket *m_watched = nullptr;
    QWebSocketProtocol::CloseCode m_closeCode = QWebSocketProtocol::CloseCodeNormal;
};

} // namespace Afw::Test

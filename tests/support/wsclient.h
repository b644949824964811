// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include "wssocket.h"

namespace Afw::Test {

// A client of /ws that keeps every frame, parsed, and waits on conditions (bounded)
// rather than for fixed times. Its socket is the console's client driven by hand
// (WsSocket over afw_client's EventSocket).
class WsClient : public QObject
{
public:
    static constexpr int kWaitMs = 10000;

    // How the client asks for a framing (API.md v1.1, "WebSocket /ws").
    enum class Framing {
        EnvelopeQuery,       // /ws?framing=envelope: hello, {"type":"event","payload":...}
        EnvelopeSubprotocol, // plain /ws, Sec-WebSocket-Protocol: afw.v1: the same
        Events,              // plain /ws: no hello, bare events (the web dashboard's)
    };

    WsClient()
    {
        connect(&socket, &WsSocket::textMessageReceived, this, [this](const QString &text) {
            raw.append(text);
            frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        connect(&socket, &WsSocket::disconnected, this, [this] { ++disconnects; });
    }

    static QUrl url(quint16 port, const QString &query = {})
    {
        QUrl u(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port));
        if (!query.isEmpty())
            u.setQuery(query);
        return u;
    }

    // Connected and, in envelope framing, greeted (the hello frame arrived); in events
    // framing, connected and a ping answered (nothing else is sent on connect).
    bool open(quint16 port, Framing framing = Framing::EnvelopeQuery, const QString &query = {})
    {
        QString q = query;
        if (framing == Framing::EnvelopeQuery)
            q = q.isEmpty() ? QStringLiteral("framing=envelope") : q + QStringLiteral("&framing=envelope");
        QWebSocketHandshakeOptions options;
        if (framing == Framing::EnvelopeSubprotocol)
            options.setSubprotocols({QStringLiteral("afw.v1")});
        socket.open(url(port, q), options);
        if (framing != Framing::Events)
            return QTest::qWaitFor([this] { return count(QStringLiteral("subscription_confirmed")) >= 1; }, kWaitMs);
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs)
               && roundTrip();
    }
    qsizetype count(const QString &type, const QString &sessionId = {}) const
    {
        qsizetype n = 0;
        for (const QJsonObject &o : frames) {
            if (o.value(QLatin1String("type")).toString() == type
                && (sessionId.isEmpty() || o.value(QLatin1String("sessionId")).toString() == sessionId))
                ++n;
        }
        return n;
    }
    bool subscribe(const QString &sessionId)
    {
        const QString confirmed = QStringLiteral("subscription_confirmed");
        const qsizetype before = count(confirmed, sessionId);
        const QJsonObject msg{{QStringLiteral("type"), QStringLiteral("subscribe")},
                              {QStringLiteral("sessionId"), sessionId}};
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(msg).toJson(QJsonDocument::Compact)));
        return QTest::qWaitFor([&] { return count(confirmed, sessionId) > before; }, kWaitMs);
    }
    // ping -> pong: whatever the server sent before the pong has arrived.
    bool roundTrip()
    {
        // The server may count the client before the client has read the 101 answer.
        if (!QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs))
            return false;
        const qsizetype before = count(QStringLiteral("pong"));
        socket.sendTextMessage(QStringLiteral("{\"type\":\"ping\"}"));
        return QTest::qWaitFor([&] { return count(QStringLiteral("pong")) > before; }, kWaitMs);
    }

    WsSocket socket;
    QList<QJsonObject> frames;
    QStringList raw; // the frames as received
    int disconnects = 0;
};

} // namespace Afw::Test

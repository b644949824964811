// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QWebSocket>

namespace Afw::Test {

// A WebSocket client of /ws that keeps every frame, parsed, and waits on conditions
// (bounded) rather than for fixed times.
class WsClient : public QObject
{
public:
    static constexpr int kWaitMs = 10000;

    WsClient()
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        connect(&socket, &QWebSocket::disconnected, this, [this] { ++disconnects; });
    }
    // Connected and greeted (the hello frame arrived).
    bool open(quint16 port)
    {
        socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port)));
        return QTest::qWaitFor([this] { return count(QStringLiteral("subscription_confirmed")) >= 1; }, kWaitMs);
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
        const qsizetype before = count(QStringLiteral("pong"));
        socket.sendTextMessage(QStringLiteral("{\"type\":\"ping\"}"));
        return QTest::qWaitFor([&] { return count(QStringLiteral("pong")) > before; }, kWaitMs);
    }

    QWebSocket socket;
    QList<QJsonObject> frames;
    int disconnects = 0;
};

} // namespace Afw::Test

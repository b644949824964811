// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <memory>
#include <optional>

#include "config.h"

namespace Afw {

class HttpApi;
class Metrics;
class Storage;

// The WebSocket side of /ws: subscriptions (several per client, "*", afterSeq replay
// with no gap and no duplicate), input, ping/pong, error frames; clients with no
// subscription get every event. Two framings (API.md v1.1), chosen per client when it
// connects: envelope (subprotocol afw.v1 or ?framing=envelope: a hello, then
// {"type":"event","sessionId","payload":<event>} etc.) and events (the default: no
// hello, every event frame is the stored event's own bytes, other frames carry
// top-level type, sessionId and timestamp). Each broadcast is serialised once per
// framing. A client whose unsent backlog passes the bound is dropped (close 1013);
// server pings find dead peers.
class WsHub final : public QObject
{
    Q_OBJECT
public:
    WsHub(const Config &config, HttpApi *server, Storage *storage, Metrics *metrics,
          QObject *parent = nullptr);
    ~WsHub() override;

    int clientCount() const { return int(m_clients.size()); }
    // Graceful shutdown: close every client with 1001; allClosed() when none is left.
    void closeAll();

Q_SIGNALS:
    void allClosed();

private:
    struct Subscription
    {
        qint64 lastSeq = 0;
        bool replaying = false;
        QList<std::pair<qint64, QString>> held; // live events that arrived during replay
    };
    enum class Framing { Events, Envelope };
    struct Client
    {
        QWebSocket *socket = nullptr;
        QString id;
        Framing framing = Framing::Events;
        QHash<QString, Subscription> subs;
        bool awaitingPong = false;
        bool subscribed = false; // ever: unsubscribing the last one does not restore the firehose
    };

    static const QString kSubprotocol;
    // nullopt (and *unknown set) for a framing= value that names no framing.
    static std::optional<Framing> framingOf(const QWebSocket *socket, QString *unknown);
    void accept();
    void refuse(QWebSocket *socket, const QString &message);
    void onMessage(Client *c, const QString &text);
    void subscribe(Client *c, const QString &sessionId, std::optional<qint64> afterSeq);
    void finishReplay(QWebSocket *socket, const QString &sessionId, const QList<QByteArray> &events,
                      const QList<qint64> &seqs);
    void broadcastEvent(const QString &sessionId, qint64 seq, const QByteArray &json);
    // A command or ack: the envelope frame and the events-framing frame (null: not sent
    // to events-framing clients, for an ack that names no session).
    void broadcastFrames(const char *type, const QString &sessionId, const QByteArray &payloadJson);
    bool wants(const Client *c, const QString &sessionId) const;
    void send(Client *c, const QString &frame);
    // sessionId: the session the error is about, if any (events framing names it).
    void sendError(Client *c, const QString &message, const QString &sessionId = {});
    void drop(Client *c);
    void pingAll();
    void remove(QWebSocket *socket);

    Config m_config;
    HttpApi *m_server;
    Storage *m_storage;
    Metrics *m_metrics;
    QHash<QWebSocket *, Client *> m_clients;
    QTimer m_pingTimer;
    quint64 m_nextId = 1;
    bool m_closing = false;
};

} // namespace Afw

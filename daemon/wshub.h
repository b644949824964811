// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <memory>

#include "config.h"

namespace Afw {

class HttpApi;
class Metrics;
class Storage;

// The WebSocket side of /ws: hello, subscriptions (several per client, "*",
// afterSeq replay with no gap and no duplicate), input, ping/pong, error frames;
// clients with no subscription get every event. Each broadcast is serialised once.
// A client whose unsent backlog passes the bound is dropped (close 1013); server
// pings find dead peers.
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
    struct Client
    {
        QWebSocket *socket = nullptr;
        QString id;
        QHash<QString, Subscription> subs;
        bool awaitingPong = false;
        bool subscribed = false; // ever: unsubscribing the last one does not restore the firehose
    };

    void accept();
    void onMessage(Client *c, const QString &text);
    void subscribe(Client *c, const QString &sessionId, std::optional<qint64> afterSeq);
    void finishReplay(QWebSocket *socket, const QString &sessionId, const QList<QByteArray> &events,
                      const QList<qint64> &seqs);
    void broadcastEvent(const QString &sessionId, qint64 seq, const QByteArray &json);
    void broadcast(const QString &sessionId, const QString &frame);
    bool wants(const Client *c, const QString &sessionId) const;
    void send(Client *c, const QString &frame);
    void sendError(Client *c, const QString &message);
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

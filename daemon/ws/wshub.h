// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QWebSocket>

#include <memory>
#include <optional>
#include <vector>

#include "config.h"
#include "event.h"
#include "http/upgrades.h"

namespace Afw {

class Metrics;
class Storage;

// The WebSocket side of /ws: subscriptions (several per client, "*", afterSeq replay
// with no gap and no duplicate), input, ping/pong, error frames; clients with no
// subscription get every event. Two framings (API.md v1.1), chosen per client when it
// connects: envelope (subprotocol afw.v1 or ?framing=envelope: a hello, then
// {"type":"event","sessionId","payload":<event>} etc.) and events (the default: no
// hello, every event frame is the stored event's own bytes, other frames carry
// top-level type, sessionId and timestamp). Each broadcast is serialised once per
// framing. Frames are handed to the sockets in flushes at most AFW_WS_FLUSH_MS apart: an
// event after a quiet spell leaves at the end of the turn, a dense stream leaves in one
// write per client per interval instead of one per event (the kernel's per-send cost is
// most of a loopback delivery). Clients are
// indexed by the session they watch, so an event costs nothing for the clients that do
// not want it. A client whose unsent backlog passes the bound is dropped (close 1013);
// server pings find dead peers.
class WsHub final : public QObject
{
    Q_OBJECT
public:
    WsHub(const Config &config, WebSocketUpgrades *upgrades, Storage *storage, Metrics *metrics,
          QObject *parent = nullptr);
    ~WsHub() override;

    int clientCount() const { return int(m_clients.size()); }
    // Graceful shutdown: close every client with 1001; allClosed() when none is left.
    void closeAll();
    // Takes the sockets the HTTP server upgraded since (connected to its
    // newWebSocketConnection signal).
    void takeUpgraded();

Q_SIGNALS:
    void allClosed();

private:
    enum class Framing { Events, Envelope };
    struct Client;
    // One client's subscription to one session, or to "*".
    struct Subscription
    {
        Client *client = nullptr;
        QString sessionId;
        qint64 lastSeq = 0;
        bool replaying = false;
        QList<std::pair<qint64, QString>> held; // live events that arrived during replay
    };
    struct Client
    {
        QWebSocket *socket = nullptr;
        UpgradedWire wire; // under socket: batches a flush into one send()
        QString id;
        Framing framing = Framing::Events;
        std::vector<std::unique_ptr<Subscription>> subs; // a handful: searched linearly
        bool awaitingPong = false;
        bool subscribed = false; // ever: unsubscribing the last one does not restore the firehose
        bool gone = false;       // dropped or disconnected; freed once no loop can hold it
        bool dirty = false;      // has frames waiting for the next flush
        QList<QString> pending;  // frames not handed to the socket yet (shared between clients)
        qint64 pendingBytes = 0;

        Subscription *find(const QString &sessionId) const;
    };

    static const QString kSubprotocol;
    // nullopt (and *unknown set) for a framing= value that names no framing.
    static std::optional<Framing> framingOf(const QWebSocket *socket, QString *unknown);
    void refuse(QWebSocket *socket, const QString &message);
    void onMessage(Client *c, const QString &text);
    void subscribe(Client *c, const QString &sessionId, std::optional<qint64> afterSeq);
    void unsubscribe(Client *c, const QString &sessionId);
    void finishReplay(QWebSocket *socket, const QString &sessionId,
                      const QList<StoredEvent> &events);
    void broadcastEvent(const QString &sessionId, qint64 seq, const QByteArray &json);
    // A command or ack: the envelope frame and the events-framing frame (null: not sent
    // to events-framing clients, for an ack that names no session).
    void broadcastFrames(const char *type, const QString &sessionId, const QByteArray &payloadJson);
    // Calls deliver(client) once for every live client that wants this session's frames:
    // its subscribers, "*" subscribers, and clients that never subscribed.
    template <typename F> void forEachWatcher(const QString &sessionId, F &&deliver);
    void send(Client *c, const QString &frame);
    void flushDirty();
    void flushClient(Client *c);
    // sessionId: the session the error is about, if any (events framing names it).
    void sendError(Client *c, const QString &message, const QString &sessionId = {});
    void drop(Client *c);
    // Takes a client out of every index; the object is freed on the next turn, so a
    // loop that holds it (a broadcast that dropped it) never sees it freed.
    void retire(Client *c);
    void pingAll();
    void remove(QWebSocket *socket);

    Config m_config;
    WebSocketUpgrades *m_upgrades;
    Storage *m_storage;
    Metrics *m_metrics;
    QHash<QWebSocket *, Client *> m_clients;
    QHash<QString, QList<Subscription *>> m_channels; // session id, or "*", -> its subscriptions
    QList<Client *> m_firehose;                       // clients that never subscribed
    QList<Client *> m_dirty;
    std::vector<std::unique_ptr<Client>> m_retired;
    QTimer m_flushTimer;
    QElapsedTimer m_sinceFlush;
    QTimer m_pingTimer;
    quint64 m_nextId = 1;
    bool m_closing = false;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <optional>

#include <QNetworkRequest>
#include <QWebSocketHandshakeOptions>

class QWebSocket;

namespace Afw {

/**
 * The WebSocket half of ../shared/API.md: /ws in the envelope framing (`afw.v1`),
 * reconnecting by itself with a capped back-off.
 *
 * Subscriptions survive reconnects. For a session subscribed with a known seq the
 * socket re-subscribes with `afterSeq` = the last seq it delivered, so across a
 * daemon restart or a network drop every event arrives exactly once and in order:
 * events of that session that arrive before the server confirms the subscription
 * are dropped (the replay brings them), and a seq at or below the last delivered one
 * is a duplicate. Events of sessions without a subscription (the firehose, or "*")
 * pass through untouched.
 *
 * Every frame is also given raw (rawMessageReceived), and sendRaw() writes any text:
 * what a test helper needs to drive the protocol by hand.
 */
class EventSocket : public QObject
{
    Q_OBJECT

public:
    enum class State { Closed, Connecting, Open, WaitingToReconnect };
    Q_ENUM(State)
    enum class Framing { Envelope, Events };

    struct Stats
    {
        quint64 frames = 0;
        quint64 events = 0;     // delivered through eventReceived
        quint64 duplicates = 0; // seq at or below the last delivered: dropped
        quint64 heldBack = 0;   // arrived before the replay that brings them: dropped
        quint64 gaps = 0;       // seq jumped (events trimmed or expired on the server)
        quint64 reconnects = 0;
    };

    explicit EventSocket(QObject *parent = nullptr);
    ~EventSocket() override;

    /** ws(s)://host:port[/prefix]/ws for http(s)://host:port[/prefix]. */
    static QUrl webSocketUrl(const QUrl &baseUrl, Framing framing = Framing::Envelope);

    void setFraming(Framing framing) { m_framing = framing; }
    void setReconnectDelays(int minMs, int maxMs);
    void setAutoReconnect(bool on) { m_autoReconnect = on; }
    /** Client pings; a missing pong one interval later drops and reconnects. 0: off. */
    void setKeepAliveInterval(int ms);

    void open(const QUrl &baseUrl, const QString &apiKey = {});
    /**
     * Opens exactly @p request with @p options, nothing of ours added (no /ws path, no
     * key, no framing), for a caller that drives the protocol by hand: the tests, with
     * odd URLs, headers and framings. The framing is read from the request as the
     * daemon reads it. No reconnect.
     */
    void openRequest(const QNetworkRequest &request, const QWebSocketHandshakeOptions &options = {});
    void close();
    /** The socket of the current connection (nullptr between connections). */
    QWebSocket *webSocket() const;
    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Open; }
    QString clientId() const { return m_clientId; }
    const Stats &stats() const { return m_stats; }

    /** Also subscribe to "*": every session's events next to the tracked ones. */
    void setReceiveAll(bool on);
    /**
     * Events of @p sessionId after @p afterSeq (replayed, then live). afterSeq < 0:
     * live only, until the first event gives a seq to resume from.
     */
    void subscribe(const QString &sessionId, qint64 afterSeq = -1);
    void unsubscribe(const QString &sessionId);
    bool isSubscribed(const QString &sessionId) const { return m_subs.contains(sessionId); }
    /** Last seq delivered for a subscribed session, -1 if none. */
    qint64 lastSeq(const QString &sessionId) const;

    bool sendInput(const QString &sessionId, const QString &input, const QString &prompt = {});
    bool sendPing();
    /** Any text frame, as is. False when not connected. */
    bool sendRaw(const QString &text);

Q_SIGNALS:
    void stateChanged(Afw::EventSocket::State state);
    void opened(const QString &clientId);
    void closed(int closeCode, const QString &reason);
    void reconnectScheduled(int delayMs, int attempt);
    void rawMessageReceived(const QString &text);
    void subscriptionConfirmed(const QString &sessionId);
    void eventReceived(const QString &sessionId, qint64 seq, const QJsonObject &event);
    void commandReceived(const QString &sessionId, const QJsonObject &command);
    void commandAcked(const QString &sessionId, const QJsonObject &ack);
    void pongReceived();
    void serverError(const QString &message);

private:
    struct Subscription
    {
        qint64 lastSeq = -1;
        bool replay = false;    // the subscribe in flight asked for afterSeq
        bool confirmed = false; // this connection confirmed it
    };

    void connectNow();
    void setState(State s);
    void onConnected();
    void lost(QWebSocket *socket);
    void onMessage(const QString &text);
    void onEvent(const QString &sessionId, const QJsonObject &event);
    void sendSubscribe(const QString &sessionId, Subscription &sub);
    void resubscribeAll();
    void scheduleReconnect();
    void keepAlive();
    bool sendJson(const QJsonObject &o);

    Framing m_framing = Framing::Envelope;
    QUrl m_baseUrl;
    std::optional<std::pair<QNetworkRequest, QWebSocketHandshakeOptions>> m_exact; // openRequest()
    QString m_apiKey;
    QPointer<QWebSocket> m_socket;
    State m_state = State::Closed;
    bool m_wanted = false;
    bool m_autoReconnect = true;
    bool m_receiveAll = false;
    bool m_awaitingPong = false;
    QString m_clientId;
    QHash<QString, Subscription> m_subs;
    int m_minDelayMs = 250;
    int m_maxDelayMs = 10000;
    int m_nextDelayMs = 250;
    int m_attempt = 0;
    QTimer m_reconnectTimer;
    QTimer m_connectTimeout;
    QTimer m_keepAlive;
    Stats m_stats;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <map>

namespace Afw {

class HttpListener;
class Metrics;

struct HttpLimits
{
    qint64 maxBodyBytes = 1024 * 1024;
    // What one connection may buffer beyond the body: the request line and header
    // fields. A request larger than both together cannot be read whole and is refused.
    qint64 maxHeadBytes = 64 * 1024;
    // Responses a client has not read yet; a client that pipelines past this is dropped.
    qint64 maxUnsentBytes = 32 * 1024 * 1024;
    // Requests of one connection waiting for their answer (pipelining); past this the
    // next one is answered 503 and the connection closes.
    int maxUnanswered = 1024;
    // A WebSocket connection's read buffer must hold its largest message.
    qint64 maxWsMessageBytes = 1024 * 1024;
    int maxConnections = 16384;
    int requestTimeoutMs = 30000; // from a request's first byte to its last
    int idleTimeoutMs = 120000;   // a keep-alive connection with nothing to do
    QByteArray corsOrigin = "*";

    qint64 readBufferBytes() const { return maxBodyBytes + maxHeadBytes; }
};

/**
 * The QTcpSocket that Qt's HTTP server reads from, with the limits Qt 6.4's server does
 * not have. Qt's parser buffers a whole request inside a socket transaction; the read
 * buffer is capped, so a request that does not fit stalls instead of growing memory, and
 * is refused (413) as soon as the buffer is full. It also keeps time: a request must
 * arrive whole within requestTimeoutMs, an idle keep-alive connection is closed after
 * idleTimeoutMs. No byte of the request is parsed here: the bookkeeping uses only what
 * QIODevice tells (bytesAvailable, transactions) around Qt's own readyRead handler.
 *
 * Responses leave in request order: every complete request takes a slot
 * (requestCompleted) and its answer is written when every earlier slot was (respond),
 * whichever order storage answered in.
 */
class GuardedSocket final : public QTcpSocket
{
    Q_OBJECT
    friend class HttpListener;

public:
    GuardedSocket(const HttpLimits &limits, Metrics *metrics, HttpListener *listener);
    ~GuardedSocket() override;

    /** Qt handed a complete request to the application; returns its response slot. */
    quint64 requestCompleted();
    /** Requests taken whose answers have not been written yet. */
    int unanswered() const { return int(m_nextSlot - m_nextToWrite); }
    /** Runs @p write when every earlier slot has been written (at once if they were). */
    void respond(quint64 slot, std::function<void()> write);
    /** Closes once every response taken so far is written; later requests are ignored. */
    void closeAfterResponses();
    bool isClosing() const { return m_closing; }
    /**
     * The socket goes to the WebSocket server. Its handshake must still finish within the
     * request time-out (Qt's server starts no handshake timer on this path); after that
     * the WebSocket hub's pings watch it.
     */
    void upgrading();

    /** Called by the listener's sweep: time-outs, and stalls the read path did not see. */
    void check(qint64 nowMs);

    /** Qt gives up on a request it cannot parse by calling this; we answer 400 first. */
    void disconnectFromHost() override;

    /**
     * Between beginBatch() and endBatch() every write is collected and leaves in one
     * send() (HTTP answers of a turn, a WebSocket client's frames of a flush). Outside a
     * batch a write goes to the kernel at once when nothing is queued before it. Only
     * what the kernel does not take goes to QTcpSocket's buffer, so a connection that
     * keeps up never holds Qt's 32 KiB write buffer (10,000 idle WebSockets would hold
     * 320 MB of it), and a batch costs one system call instead of a write notification.
     */
    void beginBatch() { m_batching = true; }
    void endBatch();

protected:
    qint64 writeData(const char *data, qint64 size) override;

private:
    void beforeQtReads();
    void afterQtRead();
    // Answers with a JSON error, stops Qt from reading on, and closes gracefully.
    void refuse(int status, const QByteArray &error, const QByteArray &message);
    void closeNow(const char *reason);
    qint64 writeOut(const char *data, qint64 size); // to the kernel, the rest to Qt's buffer
    void stopReading();
    void lingeringClose();
    bool requestInFlight() const { return m_requestStartMs >= 0; }

    HttpLimits m_limits;
    Metrics *m_metrics;
    QPointer<HttpListener> m_listener;
    // Bytes of the current, incomplete request in the read buffer, and how many of them
    // Qt's parser already consumed inside its transaction (the buffer keeps them).
    qint64 m_buffered = 0;
    qint64 m_consumed = 0;
    qint64 m_requestStartMs = -1; // -1: no request in flight
    qint64 m_lastActivityMs = 0;
    quint64 m_reads = 0;
    quint64 m_readsAtLastCheck = 0;
    int m_stalledChecks = 0;
    quint64 m_nextSlot = 0;
    quint64 m_nextToWrite = 0;
    std::map<quint64, std::function<void()>> m_waiting; // answered out of order
    qint64 m_lingerUntilMs = -1; // closing: our side is shut, input is drained until then
    qint64 m_drained = 0;
    bool m_upgrading = false;
    bool m_batching = false;
    QByteArray m_batch;
    std::pair<QHostAddress, quint16> m_peer; // kept: Qt forgets the peer on disconnect
    bool m_closing = false; // no further request is read or answered
};

/**
 * The QTcpServer handed to QAbstractHttpServer::bind(): caps concurrent connections
 * (WebSocket ones included, until they close), gives every connection a GuardedSocket,
 * and sweeps them for time-outs.
 */
class HttpListener final : public QTcpServer
{
    Q_OBJECT
    friend class GuardedSocket;

public:
    HttpListener(const HttpLimits &limits, Metrics *metrics, QObject *parent = nullptr);

    int connectionCount() const { return m_open; }
    static qint64 nowMs(); // monotonic
    void unwatch(GuardedSocket *socket); // a WebSocket now: no HTTP time-outs
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

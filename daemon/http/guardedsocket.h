// SPDX-License-Identifier: MIT
#pragma once

#include <QHostAddress>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <map>

#include "errors.h"
#include "limits.h"
#include "upgrades.h"

namespace Afw {

class HttpListener;
class Metrics;

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
class GuardedSocket final : public QTcpSocket, public BatchWriter
{
    Q_OBJECT
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
    bool isUpgraded() const { return m_upgrading; }
    /** The peer as it was when the upgrade began (Qt forgets it on disconnect). */
    const std::pair<QHostAddress, quint16> &upgradedPeer() const { return m_peer; }

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
    void beginBatch() override { m_batching = true; }
    void endBatch() override;

protected:
    qint64 writeData(const char *data, qint64 size) override;

private:
    void beforeQtReads();
    void afterQtRead();
    // Answers with a JSON error, stops Qt from reading on, and closes gracefully.
    void refuse(Problem problem, const QString &message);
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
    bool m_closing = false;                  // no further request is read or answered
};

} // namespace Afw

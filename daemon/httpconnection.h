// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>

#include <deque>
#include <functional>

#include "httprequest.h"

namespace Afw {

struct HttpLimits
{
    qint64 maxBodyBytes = 1024 * 1024;
    qint64 maxHeaderBytes = 64 * 1024;
    qint64 maxPendingResponseBytes = 8 * 1024 * 1024; // stop reading while more is unsent
    QByteArray corsOrigin = "*";
};

// A QTcpServer that hands out accepted descriptors rather than QTcpSockets.
class HttpListener final : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;
Q_SIGNALS:
    void accepted(qintptr fd);

protected:
    void incomingConnection(qintptr fd) override { Q_EMIT accepted(fd); }
};

// One keep-alive HTTP/1.1 connection on a raw non-blocking socket (read(), send() and
// two QSocketNotifiers: QTcpSocket's buffering and its ioctl per read cost a fifth
// of the time of a small POST): incremental request parsing (Content-Length and
// chunked bodies, pipelining), limits enforced as bytes arrive (a body over the limit
// is refused from its Content-Length, or as soon as a chunked body passes it, never
// buffered whole), responses written in request order even when storage answers out
// of order, and "100 Continue" for clients that wait for it.
class HttpConnection final : public QObject
{
    Q_OBJECT
public:
    // handler: called for every complete request with a response slot to fill.
    // upgrade: called for a WebSocket upgrade request, with the socket's bytes still
    // unread; return true if the socket was taken (this connection then goes away).
    using Handler = std::function<void(HttpRequest &&, HttpConnection *, quint64 slot)>;
    using UpgradeHandler = std::function<bool(const HttpRequest &, HttpConnection *, quint64 slot)>;

    // Takes ownership of the connected, non-blocking socket descriptor.
    HttpConnection(qintptr fd, const HttpLimits &limits, Handler handler, UpgradeHandler upgrade,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    // Fills a response slot; written when every earlier slot has been.
    void respond(quint64 slot, QByteArray head, QByteArray body, bool close);
    // Gives the connection away as a QTcpSocket, its unread bytes intact (WebSocket
    // upgrade). This object is finished afterwards.
    QTcpSocket *releaseSocket();
    static qint64 nowMs(); // monotonic
    qint64 idleMs(qint64 now) const { return now - m_lastActivityMs; }
    bool isIdle() const { return m_buffer.isEmpty() && m_out.empty(); }
    void close() { abortWith(0, {}); }

Q_SIGNALS:
    void finished(); // the socket is gone or was released

private:
    enum class State { Headers, Body, ChunkSize, ChunkData, ChunkTrailer, Closing };
    struct Slot
    {
        quint64 id;
        QByteArray bytes;
        QByteArray body; // written after bytes, when large enough not to be copied into it
        bool done = false;
        bool close = false;
    };

    void onReadable();
    void onWritable();
    void sendPending();
    void process();
    void write(const QByteArray &head, const QByteArray &body);
    void halfClose();
    void finish();
    bool parseHeaders();
    bool parseBody();
    void complete();
    void flush();
    void abortWith(int status, const QByteArray &error);
    bool peekUpgrade();

    qintptr m_fd;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QByteArray m_pending;       // response bytes the kernel did not take yet
    qsizetype m_pendingPos = 0;
    bool m_halfClosed = false;
    bool m_batching = false; // inside process(): answers are collected, sent once
    bool m_finished = false;
    HttpLimits m_limits;
    Handler m_handler;
    UpgradeHandler m_upgrade;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    State m_state = State::Headers;
    HttpRequest m_request;
    qint64 m_remaining = 0;
    std::deque<Slot> m_out;
    quint64 m_nextSlot = 1;
    qint64 m_lastActivityMs = 0;
};

} // namespace Afw

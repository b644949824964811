// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
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

// One keep-alive HTTP/1.1 connection: incremental request parsing (Content-Length and
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

    HttpConnection(QTcpSocket *socket, const HttpLimits &limits, Handler handler,
                   UpgradeHandler upgrade, QObject *parent = nullptr);
    ~HttpConnection() override;

    // Fills a response slot; written when every earlier slot has been.
    void respond(quint64 slot, QByteArray head, QByteArray body, bool close);
    // Gives the socket away (WebSocket upgrade). The connection deletes itself later.
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

    void onReadyRead();
    bool parseHeaders();
    bool parseBody();
    void complete();
    void flush();
    void abortWith(int status, const QByteArray &error);
    bool peekUpgrade();

    QTcpSocket *m_socket;
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
    bool m_inReadyRead = false; // responses written during parsing are flushed once, at the end
};

} // namespace Afw

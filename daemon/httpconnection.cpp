// SPDX-License-Identifier: MIT
#include "httpconnection.h"

#include <QElapsedTimer>
#include <QTimer>

#include <cstring>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace Afw {

namespace {
constexpr int kCloseGraceMs = 2000;

qint64 monotonicMs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}

Method methodOf(const QByteArray &m)
{
    if (m == "GET")
        return Method::Get;
    if (m == "POST")
        return Method::Post;
    if (m == "PUT")
        return Method::Put;
    if (m == "DELETE")
        return Method::Delete;
    if (m == "OPTIONS")
        return Method::Options;
    return Method::Other;
}

// Request line and header fields of [begin, end) (without the blank line).
// Returns an error text, empty when the head is well-formed.
QByteArray parseHead(const char *begin, const char *end, HttpRequest &req)
{
    const char *lineEnd = static_cast<const char *>(memchr(begin, '\n', size_t(end - begin)));
    if (!lineEnd)
        lineEnd = end;
    const QByteArray line = QByteArray(begin, lineEnd - begin).trimmed();
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = line.lastIndexOf(' ');
    if (sp1 <= 0 || sp2 <= sp1)
        return "malformed request line";
    const QByteArray version = line.mid(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return "unsupported HTTP version";
    req.method = methodOf(line.left(sp1));
    req.target = line.mid(sp1 + 1, sp2 - sp1 - 1);
    if (!req.target.startsWith('/'))
        return "request target must be a path";
    const qsizetype q = req.target.indexOf('?');
    req.rawPath = q < 0 ? req.target : req.target.left(q);
    req.rawQuery = q < 0 ? QByteArray() : req.target.mid(q + 1);
    const bool http10 = version == "HTTP/1.0";
    req.keepAlive = !http10;

    const char *p = lineEnd < end ? lineEnd + 1 : end;
    while (p < end) {
        const char *nl = static_cast<const char *>(memchr(p, '\n', size_t(end - p)));
        const char *e = nl ? nl : end;
        const char *colon = static_cast<const char *>(memchr(p, ':', size_t(e - p)));
        if (!colon || colon == p)
            return "malformed header field";
        QByteArray name(p, colon - p);
        for (char &ch : name) {
            if (ch == ' ' || ch == '\t')
                return "malformed header field";
            if (ch >= 'A' && ch <= 'Z')
                ch = char(ch + 32);
        }
        const char *v = colon + 1;
        const char *ve = e;
        while (v < ve && (*v == ' ' || *v == '\t'))
            ++v;
        while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
            --ve;
        req.headers.append({std::move(name), QByteArray(v, ve - v)});
        p = nl ? nl + 1 : end;
    }
    const QByteArray connection = req.value("connection").toLower();
    if (connection.contains("close"))
        req.keepAlive = false;
    else if (http10 && connection.contains("keep-alive"))
        req.keepAlive = true;
    return {};
}

QByteArray errorResponse(int status, const QByteArray &error, const QByteArray &cors)
{
    const char *reason = status == 400   ? "Bad Request"
                         : status == 413 ? "Payload Too Large"
                         : status == 431 ? "Request Header Fields Too Large"
                                         : "Error";
    const QByteArray body = R"({"error":")" + error + "\"}";
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
           + "\r\nContent-Type: application/json\r\nConnection: close\r\nAccess-Control-Allow-Origin: "
           + cors + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}
} // namespace

HttpConnection::HttpConnection(qintptr fd, const HttpLimits &limits, Handler handler,
                               UpgradeHandler upgrade, QObject *parent)
    : QObject(parent), m_fd(fd), m_limits(limits), m_handler(std::move(handler)),
      m_upgrade(std::move(upgrade)), m_lastActivityMs(monotonicMs())
{
    ::fcntl(int(fd), F_SETFL, ::fcntl(int(fd), F_GETFL) | O_NONBLOCK);
    // Responses are written whole; Nagle would only hold back a head and a large body
    // written apart until the client's delayed ACK (40 ms).
    const int one = 1;
    ::setsockopt(int(fd), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &HttpConnection::onReadable);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &HttpConnection::onWritable);
}

HttpConnection::~HttpConnection()
{
    delete m_readNotifier;
    delete m_writeNotifier;
    if (m_fd >= 0)
        ::close(int(m_fd));
}

qint64 HttpConnection::nowMs()
{
    return monotonicMs();
}

void HttpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_state = State::Closing;
    // Notifiers go before the descriptor is closed (or handed on).
    delete m_readNotifier;
    delete m_writeNotifier;
    m_readNotifier = m_writeNotifier = nullptr;
    if (m_fd >= 0)
        ::close(int(m_fd));
    m_fd = -1;
    Q_EMIT finished();
}

QTcpSocket *HttpConnection::releaseSocket()
{
    delete m_readNotifier;
    delete m_writeNotifier;
    m_readNotifier = m_writeNotifier = nullptr;
    auto *socket = new QTcpSocket;
    socket->setSocketDescriptor(m_fd);
    m_fd = -1;
    finish();
    return socket;
}

bool HttpConnection::peekUpgrade()
{
    // Only a GET can be an upgrade; look at its head without consuming it, so that a
    // WebSocket handshake reaches QWebSocketServer intact.
    char probe[4];
    if (::recv(int(m_fd), probe, 4, MSG_PEEK) != 4 || std::memcmp(probe, "GET ", 4) != 0)
        return false;
    QByteArray head(qsizetype(m_limits.maxHeaderBytes), Qt::Uninitialized);
    const ssize_t n = ::recv(int(m_fd), head.data(), size_t(head.size()), MSG_PEEK);
    if (n <= 0)
        return false;
    head.truncate(n);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0)
        return head.size() < m_limits.maxHeaderBytes; // wait for the rest of the head
    HttpRequest req;
    if (!parseHead(head.constData(), head.constData() + end, req).isEmpty())
        return false; // the normal path answers 400
    if (req.value("upgrade").compare("websocket", Qt::CaseInsensitive) != 0)
        return false;
    const quint64 slot = m_nextSlot++;
    m_out.push_back({slot, {}, {}, false, false});
    if (m_upgrade(req, this, slot))
        return true; // the socket is gone
    // Refused (answered in `slot`): drop the handshake bytes, close after the answer.
    QByteArray sink(end + 4, Qt::Uninitialized);
    [[maybe_unused]] const ssize_t skipped = ::recv(int(m_fd), sink.data(), size_t(sink.size()), 0);
    m_state = State::Closing;
    return true;
}

void HttpConnection::onReadable()
{
    m_lastActivityMs = monotonicMs();
    if (m_state == State::Headers && m_pos == m_buffer.size() && m_out.empty() && peekUpgrade())
        return;
    // Read what is there (bounded per turn, so one client cannot starve the others).
    // One scratch buffer for every connection: growing each connection's buffer by a
    // large chunk per read made glibc consolidate its heap on every request once
    // many events were stored (a fifth of the CPU).
    constexpr qsizetype kChunk = 64 * 1024;
    static char scratch[kChunk];
    qint64 total = 0;
    for (;;) {
        const ssize_t n = ::read(int(m_fd), scratch, size_t(kChunk));
        if (n > 0)
            m_buffer.append(scratch, n);
        if (n > 0) {
            total += n;
            if (n < kChunk || total >= 4 * kChunk)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        finish(); // 0: the peer closed; < 0: the connection broke
        return;
    }
    if (m_state == State::Closing) {
        m_buffer.clear(); // discarding what a refused client still sends
        m_pos = 0;
        return;
    }
    process();
}

void HttpConnection::process()
{
    m_batching = true;
    while (!m_finished && m_state != State::Closing && m_pos < m_buffer.size()) {
        if (m_pending.size() - m_pendingPos > m_limits.maxPendingResponseBytes) {
            m_readNotifier->setEnabled(false); // the client does not read its answers
            break;
        }
        if (m_state == State::Headers) {
            if (!parseHeaders())
                break;
            continue;
        }
        if (!parseBody())
            break;
    }
    m_batching = false;
    if (!m_finished && m_pendingPos < m_pending.size())
        sendPending();
    if (m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
    } else if (m_pos > 64 * 1024) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
}

void HttpConnection::write(const QByteArray &head, const QByteArray &body)
{
    if (m_finished)
        return;
    if (m_batching) {
        // Answers to pipelined requests read in one go leave in one send, at the end.
        m_pending += head;
        m_pending += body;
        return;
    }
    if (m_pendingPos == m_pending.size()) {
        // Nothing queued: straight to the kernel, head and body in one call.
        iovec iov[2] = {{const_cast<char *>(head.constData()), size_t(head.size())},
                        {const_cast<char *>(body.constData()), size_t(body.size())}};
        msghdr msg = {};
        msg.msg_iov = iov;
        msg.msg_iovlen = body.isEmpty() ? 1 : 2;
        ssize_t n;
        do {
            n = ::sendmsg(int(m_fd), &msg, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            finish();
            return;
        }
        const qsizetype sent = std::max<ssize_t>(n, 0);
        m_pending.clear();
        m_pendingPos = 0;
        if (sent < head.size())
            m_pending = head.mid(sent) + body;
        else if (sent < head.size() + body.size())
            m_pending = body.mid(sent - head.size());
    } else {
        m_pending += head;
        m_pending += body;
    }
    if (m_pendingPos < m_pending.size())
        m_writeNotifier->setEnabled(true);
}

void HttpConnection::onWritable()
{
    sendPending();
}

void HttpConnection::sendPending()
{
    while (m_pendingPos < m_pending.size()) {
        const ssize_t n = ::send(int(m_fd), m_pending.constData() + m_pendingPos,
                                 size_t(m_pending.size() - m_pendingPos), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            m_writeNotifier->setEnabled(true);
            return;
        }
        if (n < 0) {
            finish();
            return;
        }
        m_pendingPos += n;
    }
    m_pending.clear();
    m_pendingPos = 0;
    m_writeNotifier->setEnabled(false);
    if (m_state == State::Closing && m_out.empty())
        halfClose();
    else if (m_readNotifier && !m_readNotifier->isEnabled()) {
        m_readNotifier->setEnabled(true); // backpressure over
        process();
    }
}

void HttpConnection::halfClose()
{
    // Half-close once the answer is out, so a client still sending reads it rather
    // than a reset; drop the connection if it lingers.
    if (m_halfClosed || m_finished)
        return;
    m_halfClosed = true;
    ::shutdown(int(m_fd), SHUT_WR);
    QTimer::singleShot(kCloseGraceMs, this, &HttpConnection::finish);
}

bool HttpConnection::parseHeaders()
{
    const qsizetype end = m_buffer.indexOf("\r\n\r\n", m_pos);
    if (end < 0 || end - m_pos > m_limits.maxHeaderBytes) {
        if (end >= 0 || m_buffer.size() - m_pos > m_limits.maxHeaderBytes)
            abortWith(431, "Request header fields too large");
        return false;
    }
    m_request = HttpRequest{};
    const QByteArray error = parseHead(m_buffer.constData() + m_pos, m_buffer.constData() + end, m_request);
    if (!error.isEmpty()) {
        abortWith(400, "Bad request: " + error);
        return false;
    }
    m_pos = end + 4;
    const QByteArray te = m_request.value("transfer-encoding").toLower();
    const QByteArray cl = m_request.value("content-length");
    if (te.contains("chunked")) {
        m_state = State::ChunkSize;
    } else if (!cl.isEmpty()) {
        bool ok = false;
        const qint64 n = cl.toLongLong(&ok);
        if (!ok || n < 0) {
            abortWith(400, "Bad request: invalid Content-Length");
            return false;
        }
        if (n > m_limits.maxBodyBytes) {
            abortWith(413, "Payload too large");
            return false;
        }
        m_remaining = n;
        m_state = n > 0 ? State::Body : State::Headers;
    } else {
        m_state = State::Headers;
    }
    if (m_state == State::Headers) {
        complete();
        return true;
    }
    // A client that waits for permission before sending its body (curl does, for
    // large bodies) gets it at once instead of stalling for a second.
    if (m_pos == m_buffer.size() && m_request.value("expect").compare("100-continue", Qt::CaseInsensitive) == 0)
        write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"), {});
    return true;
}

bool HttpConnection::parseBody()
{
    const qsizetype avail = m_buffer.size() - m_pos;
    switch (m_state) {
    case State::Body: {
        const qsizetype take = qsizetype(std::min<qint64>(avail, m_remaining));
        if (m_request.bodyBytes.isEmpty() && take == m_remaining)
            m_request.bodyBytes = m_buffer.mid(m_pos, take); // the usual case: one copy
        else
            m_request.bodyBytes.append(m_buffer.constData() + m_pos, take);
        m_pos += take;
        m_remaining -= take;
        if (m_remaining > 0)
            return false;
        complete();
        return true;
    }
    case State::ChunkSize: {
        const qsizetype nl = m_buffer.indexOf("\r\n", m_pos);
        if (nl < 0) {
            if (avail > 1024)
                abortWith(400, "Bad request: malformed chunk size");
            return false;
        }
        QByteArray sizeText = m_buffer.mid(m_pos, nl - m_pos);
        if (const qsizetype semi = sizeText.indexOf(';'); semi >= 0)
            sizeText.truncate(semi);
        bool ok = false;
        const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0) {
            abortWith(400, "Bad request: malformed chunk size");
            return false;
        }
        m_pos = nl + 2;
        if (size == 0) {
            m_state = State::ChunkTrailer;
            return true;
        }
        if (m_request.bodyBytes.size() + size > m_limits.maxBodyBytes) {
            abortWith(413, "Payload too large");
            return false;
        }
        m_remaining = size;
        m_state = State::ChunkData;
        return true;
    }
    case State::ChunkData: {
        if (avail < m_remaining + 2)
            return false;
        m_request.bodyBytes.append(m_buffer.constData() + m_pos, m_remaining);
        if (m_buffer.mid(m_pos + m_remaining, 2) != "\r\n") {
            abortWith(400, "Bad request: malformed chunk");
            return false;
        }
        m_pos += m_remaining + 2;
        m_state = State::ChunkSize;
        return true;
    }
    case State::ChunkTrailer: {
        const qsizetype nl = m_buffer.indexOf("\r\n", m_pos);
        if (nl < 0)
            return false;
        const bool last = nl == m_pos;
        m_pos = nl + 2;
        if (last)
            complete();
        return true;
    }
    case State::Headers:
    case State::Closing:
        break;
    }
    return false;
}

void HttpConnection::complete()
{
    m_state = m_request.keepAlive ? State::Headers : State::Closing;
    const quint64 slot = m_nextSlot++;
    m_out.push_back({slot, {}, {}, false, !m_request.keepAlive});
    m_handler(std::exchange(m_request, HttpRequest{}), this, slot);
}

void HttpConnection::respond(quint64 slot, QByteArray head, QByteArray body, bool close)
{
    for (Slot &s : m_out) {
        if (s.id == slot) {
            s.bytes = std::move(head);
            s.body = std::move(body);
            s.done = true;
            s.close = s.close || close;
            break;
        }
    }
    flush();
}

void HttpConnection::flush()
{
    while (!m_finished && !m_out.empty() && m_out.front().done) {
        Slot s = std::move(m_out.front());
        m_out.pop_front();
        write(s.bytes, s.body);
        if (s.close) {
            m_state = State::Closing;
            m_out.clear();
            if (!m_finished && m_pendingPos == m_pending.size())
                halfClose();
            return;
        }
    }
}

void HttpConnection::abortWith(int status, const QByteArray &error)
{
    if (m_finished || m_state == State::Closing)
        return;
    m_state = State::Closing;
    if (status == 0) {
        finish();
        return;
    }
    m_out.push_back({m_nextSlot++, errorResponse(status, error, m_limits.corsOrigin), {}, true, true});
    flush();
}

} // namespace Afw

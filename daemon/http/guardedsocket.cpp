// SPDX-License-Identifier: MIT
#include "guardedsocket.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"
#include "logging.h"
#include "metrics.h"

namespace Afw {

namespace {
constexpr int kLingerMs = 2000;                     // a closing client gets this long to read
constexpr qint64 kMaxDrainBytes = 64 * 1024 * 1024; // ... and may send this much meanwhile

// Bytes the kernel holds for this socket that nobody has read yet.
qint64 kernelUnread(qintptr fd)
{
    int n = 0;
    return fd >= 0 && ::ioctl(int(fd), FIONREAD, &n) == 0 ? n : 0;
}
} // namespace

GuardedSocket::GuardedSocket(const HttpLimits &limits, Metrics *metrics, HttpListener *listener)
    : QTcpSocket(listener), m_limits(limits), m_metrics(metrics), m_listener(listener),
      m_lastActivityMs(HttpListener::nowMs())
{
    setReadBufferSize(m_limits.readBufferBytes());
    // Connected before Qt's HTTP server connects its parser, so these run first and
    // last around it on every read.
    connect(this, &QIODevice::readyRead, this, &GuardedSocket::beforeQtReads);
    connect(this, &QIODevice::channelReadyRead, this, &GuardedSocket::afterQtRead);
}

GuardedSocket::~GuardedSocket()
{
    if (m_listener)
        m_listener->closed(this);
}

void GuardedSocket::beforeQtReads()
{
    const qint64 now = HttpListener::nowMs();
    m_lastActivityMs = now;
    ++m_reads;
    if (m_closing) {
        // Nothing more is answered: Qt's parser finds nothing left to read. (The
        // transaction it keeps opening would hold on to what we read.)
        if (isTransactionStarted())
            commitTransaction();
        m_drained += readAll().size();
        return;
    }
    if (!requestInFlight() && bytesAvailable() > 0)
        m_requestStartMs = now;
    // The transaction keeps what Qt's parser consumed in the buffer: the request's bytes
    // so far are those plus what just arrived.
    m_buffered = (isTransactionStarted() ? m_consumed : 0) + bytesAvailable();
}

void GuardedSocket::afterQtRead()
{
    if (m_closing || m_upgrading || !isTransactionStarted())
        return; // no request in the middle of being read (or requestCompleted() saw to it)
    m_consumed = m_buffered - bytesAvailable();
    // A full buffer reads no more: this request can never arrive whole.
    if (m_buffered >= readBufferSize())
        refuse(Problem::PayloadTooLarge,
               QStringLiteral("request larger than %1 bytes (body limit %2 plus headers)")
                   .arg(m_limits.readBufferBytes())
                   .arg(m_limits.maxBodyBytes));
}

quint64 GuardedSocket::requestCompleted()
{
    const qint64 now = HttpListener::nowMs();
    m_lastActivityMs = now;
    // Qt committed the request; what is left in the buffer is the next request, which
    // Qt's parser takes on in a fresh transaction.
    m_buffered = m_consumed = bytesAvailable();
    m_requestStartMs = m_buffered > 0 ? now : -1;
    m_stalledChecks = 0;
    if (bytesToWrite() > m_limits.maxUnsentBytes) {
        qCInfo(lcHttp) << "dropping a client that does not read its responses:" << bytesToWrite()
                       << "bytes unsent";
        closeNow("unread_responses");
    }
    return m_nextSlot++;
}

void GuardedSocket::respond(quint64 slot, std::function<void()> write)
{
    if (slot != m_nextToWrite) {
        m_waiting.emplace(slot, std::move(write));
        return;
    }
    // Every answer that is due now leaves in one send().
    beginBatch();
    if (state() == ConnectedState)
        write();
    ++m_nextToWrite;
    while (!m_waiting.empty() && m_waiting.begin()->first == m_nextToWrite) {
        auto next = std::move(m_waiting.begin()->second);
        m_waiting.erase(m_waiting.begin());
        if (state() == ConnectedState)
            next();
        ++m_nextToWrite;
    }
    endBatch();
    m_lastActivityMs = HttpListener::nowMs();
    if (state() != ConnectedState)
        return;
    if (bytesToWrite() > m_limits.maxUnsentBytes) {
        qCInfo(lcHttp) << "dropping a client that does not read its responses:" << bytesToWrite()
                       << "bytes unsent";
        closeNow("unread_responses");
        return;
    }
    if (m_closing && m_nextToWrite == m_nextSlot)
        lingeringClose();
}

void GuardedSocket::closeAfterResponses()
{
    stopReading();
    if (m_nextToWrite == m_nextSlot && state() == ConnectedState)
        lingeringClose();
}

void GuardedSocket::stopReading()
{
    m_closing = true;
    m_requestStartMs = -1;
    // Qt's parser must not see another byte of this connection; ours drains them.
    if (isTransactionStarted())
        commitTransaction();
    m_drained += readAll().size();
    setReadBufferSize(64 * 1024);
}

void GuardedSocket::lingeringClose()
{
    // End our side (FIN) once everything is written, but keep reading: closing outright
    // with the client's upload unread would reset the connection, and a reset can
    // destroy the answer before the client reads it. The client closes when it has
    // read it, or the linger time ends it.
    if (m_lingerUntilMs >= 0)
        return;
    if (bytesAvailable() == 0 && kernelUnread(socketDescriptor()) == 0) {
        QTcpSocket::disconnectFromHost(); // the client sent nothing more: a plain close
        return;
    }
    m_lingerUntilMs = HttpListener::nowMs() + kLingerMs;
    auto finSent = [this] {
        if (bytesToWrite() > 0)
            return false;
        ::shutdown(int(socketDescriptor()), SHUT_WR);
        return true;
    };
    if (!finSent())
        connect(this, &QIODevice::bytesWritten, this, finSent);
}

void GuardedSocket::upgrading()
{
    m_upgrading = true;
    m_peer = {peerAddress(), peerPort()};
    if (m_listener)
        m_listener->upgrading(this);
    m_requestStartMs = HttpListener::nowMs();
    setReadBufferSize(
        std::max(m_limits.readBufferBytes(), m_limits.maxWsMessageBytes + m_limits.maxHeadBytes));
}

qint64 GuardedSocket::writeData(const char *data, qint64 size)
{
    // The WebSocket server writes its handshake answer: from now on it is a WebSocket.
    if (m_upgrading && m_requestStartMs >= 0) {
        m_requestStartMs = -1;
        if (m_listener)
            m_listener->unwatch(this);
    }
    if (m_batching) {
        m_batch.append(data, size);
        return size;
    }
    return writeOut(data, size);
}

void GuardedSocket::endBatch()
{
    m_batching = false;
    if (!m_batch.isEmpty())
        writeOut(m_batch.constData(), m_batch.size());
    m_batch.clear(); // released: an idle connection holds no buffer
}

qint64 GuardedSocket::writeOut(const char *data, qint64 size)
{
    // Behind data Qt already holds, or on a socket that is not connected, Qt's own path
    // keeps the order and reports the errors.
    if (bytesToWrite() > 0 || state() != ConnectedState)
        return QTcpSocket::writeData(data, size);
    const ssize_t sent =
        ::send(int(socketDescriptor()), data, size_t(size), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == size)
        return size;
    const qint64 taken = sent > 0 ? sent : 0; // EAGAIN, or an error Qt's write will meet too
    const qint64 rest = QTcpSocket::writeData(data + taken, size - taken);
    return rest < 0 ? rest : taken + rest;
}

void GuardedSocket::disconnectFromHost()
{
    // Qt's server calls this when its parser gives up (a malformed request line or
    // head, an HTTP/0.9 line): the request was never handed over, so nobody answered.
    if (!m_closing && !m_upgrading && requestInFlight() && state() == ConnectedState &&
        error() != RemoteHostClosedError) {
        refuse(Problem::BadRequest, QStringLiteral("malformed HTTP request"));
        return;
    }
    QTcpSocket::disconnectFromHost();
}

void GuardedSocket::refuse(Problem problem, const QString &message)
{
    if (m_closing)
        return;
    const ErrorReply reply = errorReply(problem, {{QStringLiteral("message"), message}});
    m_metrics->addHttpClosed(reply.status == 413   ? "too_large"
                             : reply.status == 408 ? "timeout"
                                                   : "malformed");
    qCInfo(lcHttp).noquote() << "refused a request:" << reply.status << message;
    stopReading();
    // Earlier requests may still be waiting for storage: the refusal goes after them,
    // then the connection closes.
    const QByteArray answer = rawErrorAnswer(reply, m_limits.corsOrigin);
    respond(m_nextSlot++, [this, answer] { write(answer); });
}

void GuardedSocket::closeNow(const char *reason)
{
    m_metrics->addHttpClosed(reason);
    m_closing = true;
    m_requestStartMs = -1;
    abort();
}

void GuardedSocket::check(qint64 now)
{
    if (state() != ConnectedState)
        return;
    if (m_lingerUntilMs >= 0) {
        if (now > m_lingerUntilMs || m_drained > kMaxDrainBytes)
            abort();
        return;
    }
    if (m_closing)
        return; // answers still being written (storage is slow): they end in lingeringClose()
    if (m_upgrading) {
        if (now - m_requestStartMs > m_limits.requestTimeoutMs)
            closeNow("timeout"); // the WebSocket handshake never completed
        return;
    }
    if (requestInFlight()) {
        if (now - m_requestStartMs > m_limits.requestTimeoutMs) {
            refuse(
                Problem::RequestTimeout,
                QStringLiteral("request not complete within %1 ms").arg(m_limits.requestTimeoutMs));
            return;
        }
        // The read path refuses a request as soon as the buffer fills; this catches a
        // buffer that filled where it could not look (data the kernel holds while Qt
        // reads nothing, twice in a row).
        const bool stalled = m_reads == m_readsAtLastCheck && kernelUnread(socketDescriptor()) > 0;
        m_stalledChecks = stalled ? m_stalledChecks + 1 : 0;
        if (m_stalledChecks >= 2)
            refuse(Problem::PayloadTooLarge, QStringLiteral("request larger than the read buffer"));
    } else if (m_nextToWrite == m_nextSlot && bytesToWrite() == 0 &&
               now - m_lastActivityMs > m_limits.idleTimeoutMs) {
        m_metrics->addHttpClosed("idle");
        m_closing = true;
        QTcpSocket::disconnectFromHost();
    }
    m_readsAtLastCheck = m_reads;
}

} // namespace Afw

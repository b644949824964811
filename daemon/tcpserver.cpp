// SPDX-License-Identifier: MIT
#include "tcpserver.h"

#include <QTcpSocket>
#include <QTimer>

namespace Afw {

namespace {
constexpr char kBudgetProperty[] = "afwBytesSinceRequest";
constexpr qint64 kHeaderAllowance = 64 * 1024;
constexpr int kDrainGraceMs = 2000;
} // namespace

TcpServer::TcpServer(qint64 maxRequestBytes, QByteArray corsOrigin, QObject *parent)
    : QTcpServer(parent), m_maxRequestBytes(maxRequestBytes + kHeaderAllowance),
      m_corsOrigin(std::move(corsOrigin))
{
}

void TcpServer::requestHandled(QTcpSocket *socket)
{
    socket->setProperty(kBudgetProperty, qint64(0));
}

void TcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // Connected before the HTTP server connects its own readyRead handler, so this
    // runs first and sees only the bytes that arrived since the server last read.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { checkBudget(socket); });
    addPendingConnection(socket);
}

void TcpServer::checkBudget(QTcpSocket *socket)
{
    const qint64 before = socket->property(kBudgetProperty).toLongLong();
    const qint64 seen = before + socket->bytesAvailable();
    socket->setProperty(kBudgetProperty, seen);
    if (seen > m_maxRequestBytes) {
        reject(socket);
        return;
    }
    if (before == 0)
        checkHeaders(socket);
}

// At the start of a request, look at its headers without consuming them: a declared
// body over the limit is refused before it is sent, and a client waiting for
// "100 Continue" (curl does, for large bodies) gets it instead of a 1 s stall.
void TcpServer::checkHeaders(QTcpSocket *socket)
{
    const QByteArray head = socket->peek(8192);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    qint64 contentLength = -1;
    bool expectContinue = false;
    for (const QByteArray &line : head.left(end).split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length")
            contentLength = value.toLongLong();
        else if (name == "expect")
            expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
    }
    if (contentLength > m_maxRequestBytes - kHeaderAllowance)
        reject(socket);
    else if (expectContinue && head.size() == end + 4)
        socket->write("HTTP/1.1 100 Continue\r\n\r\n");
}

void TcpServer::reject(QTcpSocket *socket)
{
    // Take the socket away from the HTTP server's parser, answer, then discard what
    // the client still sends until it closes (or the grace period ends), so that it
    // reads our 413 instead of a connection reset.
    disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
    const QByteArray body = R"({"error":"Payload too large","message":"Request body exceeds )"
                            + QByteArray::number(m_maxRequestBytes - kHeaderAllowance)
                            + R"( bytes"})";
    socket->write("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                  "Connection: close\r\nAccess-Control-Allow-Origin: " + m_corsOrigin
                  + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    socket->flush();
    if (socket->isTransactionStarted())
        socket->commitTransaction(); // the parser's transaction would keep every byte
    socket->skip(socket->bytesAvailable());
    connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->skip(socket->bytesAvailable()); });
    QTimer::singleShot(kDrainGraceMs, socket, [socket] { socket->abort(); });
    Q_EMIT requestRejected();
}

} // namespace Afw

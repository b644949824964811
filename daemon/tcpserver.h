// SPDX-License-Identifier: MIT
#pragma once

#include <QTcpServer>

namespace Afw {

// The listening socket handed to QAbstractHttpServer::bind(). Qt 6.4's HTTP server
// buffers a whole request before our handler sees it, so this counts the bytes each
// connection sends between two handled requests and answers 413 (then drops the
// connection) as soon as that exceeds the body limit, instead of buffering a
// client's unbounded upload.
class TcpServer final : public QTcpServer
{
    Q_OBJECT
public:
    TcpServer(qint64 maxRequestBytes, QByteArray corsOrigin, QObject *parent = nullptr);

    // Called by the HTTP handler for every complete request: the budget starts over.
    static void requestHandled(QTcpSocket *socket);

Q_SIGNALS:
    void requestRejected(); // for /metrics

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void checkBudget(QTcpSocket *socket);
    void checkHeaders(QTcpSocket *socket);
    void reject(QTcpSocket *socket);

    qint64 m_maxRequestBytes;
    QByteArray m_corsOrigin;
};

} // namespace Afw

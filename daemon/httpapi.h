// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>

#include <memory>

#include "config.h"
#include "storage/storage.h"

namespace Afw {

class Metrics;
class TcpServer;

// One HTTP response in the making; shared by the continuations of a request so
// that a deferred answer still reaches the socket (if it is still there). It writes
// the response in one piece straight to the socket rather than through
// QHttpServerResponder, whose 6.4 version keeps a reference to the connection's
// request object, which the next pipelined request reuses.
class Reply
{
public:
    Reply(QTcpSocket *socket, QByteArray corsOrigin, Metrics *metrics, bool closeAfter);

    void send(int status, const QByteArray &body,
              const QByteArray &contentType = QByteArrayLiteral("application/json"),
              const QList<std::pair<QByteArray, QByteArray>> &extraHeaders = {});
    void json(int status, const QJsonObject &body);
    void error(int status, const QString &error, QJsonObject extra = {});
    void storageError(const StorageError &e);

    QString route;

private:
    QPointer<QTcpSocket> m_socket;
    QByteArray m_corsOrigin;
    Metrics *m_metrics;
    QElapsedTimer m_timer;
    bool m_closeAfter;
    bool m_sent = false;
};
using ReplyPtr = std::shared_ptr<Reply>;

struct Call
{
    const QHttpServerRequest &request;
    QStringList params;
    QUrlQuery query;
    ReplyPtr reply;
};

// Every REST route of API.md, thin: parse and validate with shared/ codecs, call
// Storage, map the result or error to a response. WebSocket upgrades on /ws are
// accepted here (auth included) and taken by WsHub through newWebSocketConnection().
class HttpApi final : public QAbstractHttpServer
{
    Q_OBJECT
public:
    HttpApi(const Config &config, Storage *storage, Metrics *metrics, QObject *parent = nullptr);
    ~HttpApi() override;

    // 0 on failure, like QAbstractHttpServer::listen().
    quint16 listen(const QString &host, quint16 port);
    void stopListening();
    bool isAuthorized(const QHttpServerRequest &request, bool allowQueryKey) const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    using Handler = void (HttpApi::*)(Call &);
    struct Route
    {
        QHttpServerRequest::Method method;
        QStringList segments; // ":x" is a parameter
        Handler handler;
        QString name;
    };
    void addRoute(QHttpServerRequest::Method m, const QString &pattern, Handler h);
    bool handleUpgrade(const QHttpServerRequest &request, QTcpSocket *socket);

    template <typename T, typename F>
    void whenReady(QFuture<Result<T>> future, const char *op, const ReplyPtr &reply, F &&onResult);
    std::optional<QJsonObject> bodyObject(Call &c);

    void health(Call &c);
    void metrics(Call &c);
    void wsWithoutUpgrade(Call &c);
    void createSession(Call &c);
    void listSessions(Call &c);
    void getSession(Call &c);
    void updateSession(Call &c);
    void deleteSession(Call &c);
    void sessionChains(Call &c);
    void sessionTtl(Call &c);
    void postEvent(Call &c);
    void postEventBatch(Call &c);
    void getEvents(Call &c);
    void recentEvents(Call &c);
    void queueCommand(Call &c);
    void takeCommands(Call &c);
    void ackCommand(Call &c);
    void queueInput(Call &c);
    void takeInput(Call &c);
    void listUsers(Call &c);
    void userSessions(Call &c);

    Config m_config;
    Storage *m_storage;
    Metrics *m_metrics;
    QByteArray m_corsOrigin;
    QList<Route> m_routes;
    QPointer<TcpServer> m_tcp;
    QElapsedTimer m_uptime;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonObject>
#include <QPointer>
#include <QUrlQuery>

#include <memory>

#include "config.h"
#include "httpguard.h"
#include "storage/storage.h"

namespace Afw {

class Metrics;

// One HTTP response in the making; shared by the continuations of a request so
// that a deferred answer still reaches its connection (if it is still there), in
// request order.
class Reply : public std::enable_shared_from_this<Reply>
{
public:
    Reply(GuardedSocket *socket, quint64 slot, QHttpServerResponder &&responder, QByteArray corsOrigin,
          Metrics *metrics, bool close);

    void send(int status, const QByteArray &body,
              const QByteArray &contentType = QByteArrayLiteral("application/json"),
              const QList<std::pair<QByteArray, QByteArray>> &extraHeaders = {});
    void json(int status, const QJsonObject &body);
    void error(int status, const QString &error, QJsonObject extra = {});
    void storageError(const StorageError &e);

    QString route;

private:
    void write(int status, const QByteArray &body, const QByteArray &contentType,
               const QList<std::pair<QByteArray, QByteArray>> &extraHeaders);

    QPointer<GuardedSocket> m_socket;
    quint64 m_slot;
    QHttpServerResponder m_responder;
    QByteArray m_corsOrigin;
    Metrics *m_metrics;
    QElapsedTimer m_timer;
    bool m_close;
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

enum class Method { Get, Post, Put, Delete, Options, Other };

// Every REST route of API.md on Qt's HTTP server, thin: parse and validate with shared/
// codecs, call Storage, map the result or error to a response. HTTP is Qt's; routing
// is ours (a table matched segment by segment). Connections come from an HttpListener
// (limits, time-outs); WebSocket upgrades on /ws are checked here (auth included) and
// come out of newWebSocketConnection(), which WsHub takes.
class HttpApi final : public QAbstractHttpServer
{
    Q_OBJECT
public:
    HttpApi(const Config &config, Storage *storage, Metrics *metrics, QObject *parent = nullptr);
    ~HttpApi() override;

    // The port listened on; 0 on failure.
    quint16 listen(const QString &host, quint16 port);
    void stopListening();
    bool isAuthorized(const QHttpServerRequest &request, bool allowQueryKey) const;
    /** The TCP socket under a WebSocket this server upgraded (nullptr if unknown). */
    GuardedSocket *socketOf(const QWebSocket *webSocket) const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    using Handler = void (HttpApi::*)(Call &);
    struct Route
    {
        Method method;
        QStringList segments; // ":x" is a parameter
        Handler handler;
        QString name;
    };
    void addRoute(Method m, const QString &pattern, Handler h);
    void dispatch(Call &call);

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
    HttpLimits m_limits;
    QList<Route> m_routes;
    HttpListener *m_listener = nullptr;
    QElapsedTimer m_uptime;
};

} // namespace Afw

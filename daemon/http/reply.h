// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonObject>
#include <QPointer>
#include <QUrlQuery>

#include <memory>
#include <optional>

#include "errors.h"

namespace Afw {

class GuardedSocket;
class Metrics;

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

// One HTTP response in the making; shared by the continuations of a request so that a
// deferred answer still reaches its connection (if it is still there), in request order.
class Reply : public std::enable_shared_from_this<Reply>
{
public:
    Reply(GuardedSocket *socket, quint64 slot, QHttpServerResponder &&responder,
          QByteArray corsOrigin, Metrics *metrics, bool close);

    void send(int status, const QByteArray &body,
              const QByteArray &contentType = QByteArrayLiteral("application/json"),
              const HeaderList &extraHeaders = {});
    void json(int status, const QJsonObject &body);
    void fail(const ErrorReply &error, const HeaderList &extraHeaders = {});
    void fail(Problem problem, QJsonObject extra = {})
    {
        fail(errorReply(problem, std::move(extra)));
    }

    QString route; // the route's pattern, for /metrics

private:
    void write(int status, const QByteArray &body, const QByteArray &contentType,
               const HeaderList &extraHeaders);

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

// A request on its way through a route: its path parameters (valid ids), query and reply.
struct Call
{
    const QHttpServerRequest &request;
    QStringList params;
    QUrlQuery query;
    ReplyPtr reply;

    // The body as a JSON object; nullopt when it is not one (and the 400 is answered).
    std::optional<QJsonObject> bodyObject();
    // An integer query parameter in [min, max], def when absent; nullopt (400 answered)
    // when it is out of range or no integer.
    std::optional<int> intParam(const char *name, int def, int min, int max);
    bool flag(const char *name) const; // ?name=true
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "reply.h"

#include <QJsonDocument>

#include "guardedsocket.h"
#include "jsonscan.h"
#include "metrics.h"

namespace Afw {

Reply::Reply(GuardedSocket *socket, quint64 slot, QHttpServerResponder &&responder,
             QByteArray corsOrigin, Metrics *metrics, bool close)
    : m_socket(socket), m_slot(slot), m_responder(std::move(responder)),
      m_corsOrigin(std::move(corsOrigin)), m_metrics(metrics), m_close(close)
{
    m_timer.start();
}

void Reply::send(int status, const QByteArray &body, const QByteArray &contentType,
                 const HeaderList &extraHeaders)
{
    if (std::exchange(m_sent, true))
        return;
    m_metrics->observeHttp(route, status, double(m_timer.nsecsElapsed()) / 1e9);
    if (!m_socket)
        return; // the client left while storage answered
    m_socket->respond(m_slot, [self = shared_from_this(), status, body, contentType, extraHeaders] {
        self->write(status, body, contentType, extraHeaders);
    });
}

void Reply::write(int status, const QByteArray &body, const QByteArray &contentType,
                  const HeaderList &extraHeaders)
{
    QHttpServerResponder &r = m_responder;
    r.writeStatusLine(QHttpServerResponder::StatusCode(status));
    if (status != 204)
        r.writeHeader(QByteArrayLiteral("Content-Type"), contentType);
    r.writeHeader(QByteArrayLiteral("Access-Control-Allow-Origin"), m_corsOrigin);
    for (const auto &[k, v] : extraHeaders)
        r.writeHeader(k, v);
    if (m_close)
        r.writeHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
    if (status != 204)
        r.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(body.size()));
    r.writeBody(body);
}

void Reply::json(int status, const QJsonObject &body)
{
    send(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void Reply::fail(const ErrorReply &error, const HeaderList &extraHeaders)
{
    send(error.status, error.json(), QByteArrayLiteral("application/json"), extraHeaders);
}

std::optional<QJsonObject> Call::bodyObject()
{
    QString error;
    const auto doc = parseJson(request.body(), &error);
    if (!doc) {
        reply->fail(Problem::InvalidJson, {{QStringLiteral("message"), error}});
        return std::nullopt;
    }
    if (!doc->isObject()) {
        reply->fail(Problem::InvalidBody,
                    {{QStringLiteral("message"), QStringLiteral("expected a JSON object")}});
        return std::nullopt;
    }
    return doc->object();
}

std::optional<int> Call::intParam(const char *name, int def, int min, int max)
{
    const QString key = QLatin1String(name);
    if (!query.hasQueryItem(key))
        return def;
    bool ok = false;
    const int v = query.queryItemValue(key).toInt(&ok);
    if (!ok || v < min || v > max) {
        reply->fail(Problem::InvalidQuery,
                    {{QStringLiteral("parameter"), key},
                     {QStringLiteral("message"),
                      QStringLiteral("expected an integer in [%1, %2]").arg(min).arg(max)}});
        return std::nullopt;
    }
    return v;
}

bool Call::flag(const char *name) const
{
    return query.queryItemValue(QLatin1String(name)) == QLatin1String("true");
}

} // namespace Afw

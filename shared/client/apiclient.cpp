// SPDX-License-Identifier: MIT
#include "apiclient.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

#include "clientlog.h"
#include "timeutil.h"

namespace Afw {

struct ApiClient::Answer
{
    int status = 0; // 0: no HTTP answer
    QByteArray body;
    QByteArray contentType;
    QNetworkReply::NetworkError netError = QNetworkReply::NoError;
    QString netErrorText;
    QUrl url;
};

namespace {
QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// The list under `key` of an object answer, each element parsed by T::fromJson-like `one`.
template <typename T, typename F>
std::optional<QList<T>> listOf(const QJsonDocument &doc, QLatin1String key, F &&one)
{
    const QJsonValue arr = doc.object().value(key);
    if (!arr.isArray())
        return std::nullopt;
    QList<T> out;
    const QJsonArray a = arr.toArray();
    out.reserve(a.size());
    for (const auto &v : a) {
        auto item = one(v.toObject());
        if (!item)
            return std::nullopt;
        out.append(std::move(*item));
    }
    return out;
}
} // namespace

QString apiPath(QStringView prefix, const QString &id, QStringView suffix)
{
    return prefix.toString() + QString::fromLatin1(QUrl::toPercentEncoding(id)) + suffix.toString();
}

ApiClient::ApiClient(QObject *parent) : QObject(parent), m_nam(new QNetworkAccessManager(this))
{
}

ApiClient::~ApiClient() = default;

void ApiClient::setBaseUrl(const QUrl &url)
{
    m_base = url.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment);
}

void ApiClient::setApiKey(const QString &key)
{
    m_apiKey = key;
}

QUrl ApiClient::urlFor(const QString &path, const QUrlQuery &query) const
{
    QUrl url = m_base;
    // Tolerant: the path arrives percent-encoded (ids), and must stay so.
    url.setPath(m_base.path(QUrl::FullyEncoded) + path, QUrl::TolerantMode);
    if (!query.isEmpty())
        url.setQuery(query);
    return url;
}

void ApiClient::send(const QByteArray &verb, const QString &path, const QUrlQuery &query,
                     const QByteArray &body, QObject *context,
                     std::function<void(const Answer &)> done)
{
    QNetworkRequest req(urlFor(path, query));
    req.setTransferTimeout(m_timeoutMs);
    req.setRawHeader("Accept", "application/json");
    if (!body.isNull())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!m_apiKey.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
    QNetworkReply *reply = m_nam->sendCustomRequest(req, verb, body);
    ++m_inFlight;
    QPointer<QObject> guard = context ? context : this;
    // A context that dies takes its request with it: nobody wants the answer.
    if (context && context != this)
        connect(context, &QObject::destroyed, reply, &QNetworkReply::abort);
    connect(reply, &QNetworkReply::finished, this, [this, reply, guard, done = std::move(done)] {
        --m_inFlight;
        reply->deleteLater();
        if (!guard)
            return;
        Answer a;
        a.url = reply->request().url();
        a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        a.body = reply->isOpen() ? reply->readAll() : QByteArray(); // closed after a time-out
        a.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        a.netError = reply->error();
        a.netErrorText = reply->errorString();
        done(a);
    });
}

ApiError ApiClient::judge(const Answer &a, bool emptyOk, const Parser &parse) const
{
    ApiError e;
    e.url = a.url;
    if (a.status == 0) {
        const bool timedOut = a.netError == QNetworkReply::OperationCanceledError ||
                              a.netError == QNetworkReply::TimeoutError;
        e.kind = timedOut ? ApiError::Timeout : ApiError::Unreachable;
        e.error = a.netErrorText;
        return e;
    }
    e.httpStatus = a.status;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(a.body, &pe);
    const bool isJson = pe.error == QJsonParseError::NoError;
    const QString type = a.contentType.isEmpty() ? QStringLiteral("no content type")
                                                 : QString::fromLatin1(a.contentType);
    // Any 2xx is done, whichever the route usually gives: re-posting a session id answers
    // 200 where a new one gets 201.
    if (a.status / 100 == 2) {
        if (emptyOk && a.body.isEmpty())
            return {};
        if (!isJson) {
            e.kind = ApiError::WrongServer;
            e.error = QStringLiteral("HTTP %1 with %2, not JSON").arg(a.status).arg(type);
            return e;
        }
        if (!parse(doc, &e) && e.kind == ApiError::None) {
            e.kind = ApiError::BadResponse;
            e.error = QStringLiteral("HTTP %1 without the fields API.md promises").arg(a.status);
        }
        return e;
    }
    if (!isJson || !doc.isObject() || !doc.object().value(QLatin1String("error")).isString()) {
        // afwd answers every error with {"error":...}; anything else is someone else.
        e.kind = ApiError::WrongServer;
        e.error = QStringLiteral("HTTP %1 with %2").arg(a.status).arg(type);
        return e;
    }
    e.body = doc.object();
    e.error = e.body.value(QLatin1String("error")).toString();
    e.message = e.body.value(QLatin1String("message")).toString();
    if (a.status == 401)
        e.kind = ApiError::Unauthorized;
    else if (a.status == 404)
        e.kind = ApiError::NotFound;
    else if (a.status == 503)
        e.kind = ApiError::Unavailable;
    else if (a.status / 100 == 4)
        e.kind = ApiError::BadRequest;
    else
        e.kind = ApiError::ServerError;
    return e;
}

template <typename T, typename F>
void ApiClient::call(const QByteArray &verb, const QString &path, const QUrlQuery &query,
                     const QByteArray &body, QObject *context, Callback<T> done, F &&parse)
{
    send(verb, path, query, body, context,
         [this, done = std::move(done), parse = std::forward<F>(parse)](const Answer &a) {
             ApiResult<T> r;
             r.error = judge(a, false, [&](const QJsonDocument &doc, ApiError *) {
                 std::optional<T> v = parse(doc);
                 if (v)
                     r.value = std::move(*v);
                 return v.has_value();
             });
             if (r.error.isError()) {
                 qCDebug(lcClient).noquote() << "request failed:" << r.error.describe();
                 Q_EMIT requestFailed(r.error);
             } else {
                 Q_EMIT requestSucceeded();
             }
             done(r);
         });
}

// ------------------------------------------------------------------ server

void ApiClient::health(QObject *context, Callback<ServerInfo> done)
{
    call<ServerInfo>("GET", QStringLiteral("/health"), {}, {}, context, std::move(done),
                     [](const QJsonDocument &d) { return ServerInfo::fromJson(d.object()); });
}

void ApiClient::checkServer(QObject *context, Callback<ServerInfo> done)
{
    QPointer<QObject> guard = context ? context : this;
    health(context, [this, guard, done](ApiResult<ServerInfo> h) {
        if (h.error.kind == ApiError::BadResponse) {
            // JSON, but not afwd's /health: some other service on that port.
            h.error.kind = ApiError::WrongServer;
            h.error.error = QStringLiteral("/health answered JSON without status and storage");
        }
        if (!h.ok() && h.error.kind != ApiError::Unavailable) {
            done(h);
            return;
        }
        // /health is open even with a key configured: one authorised call tells
        // whether our key (or none) is accepted.
        SessionQuery q;
        q.limit = 1;
        listSessions(q, guard, [h, done](const ApiResult<QList<SessionSummary>> &s) {
            ApiResult<ServerInfo> r = h;
            if (!s.ok() && s.error.kind != ApiError::Unavailable)
                r.error = s.error;
            done(r);
        });
    });
}

void ApiClient::metrics(QObject *context, Callback<QByteArray> done)
{
    send("GET", QStringLiteral("/metrics"), {}, {}, context, [this, done](const Answer &a) {
        ApiResult<QByteArray> r;
        if (a.status == 200) {
            r.value = a.body;
        } else {
            r.error = judge(a, false, [](const QJsonDocument &, ApiError *) { return false; });
            Q_EMIT requestFailed(r.error);
        }
        done(r);
    });
}

// ---------------------------------------------------------------- sessions

void ApiClient::listSessions(const SessionQuery &query, QObject *context,
                             Callback<QList<SessionSummary>> done)
{
    QUrlQuery q;
    if (!query.status.isEmpty())
        q.addQueryItem(QStringLiteral("status"), query.status);
    if (!query.user.isEmpty())
        q.addQueryItem(QStringLiteral("user"), query.user);
    if (query.limit > 0)
        q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    if (query.offset > 0)
        q.addQueryItem(QStringLiteral("offset"), QString::number(query.offset));
    call<QList<SessionSummary>>("GET", QStringLiteral("/api/sessions"), q, {}, context,
                                std::move(done), [](const QJsonDocument &d) {
                                    return listOf<SessionSummary>(d, QLatin1String("sessions"),
                                                                  &SessionSummary::fromJson);
                                });
}

void ApiClient::getSession(const QString &id, QObject *context, Callback<SessionDetail> done)
{
    call<SessionDetail>("GET", apiPath(u"/api/sessions/", id), {}, {}, context, std::move(done),
                        [](const QJsonDocument &d) { return SessionDetail::fromJson(d.object()); });
}

void ApiClient::createSession(const NewSession &s, QObject *context, Callback<Session> done)
{
    QJsonObject o{{QStringLiteral("cwd"), s.cwd}};
    auto put = [&o](const char *key, const QString &v) {
        if (!v.isEmpty())
            o.insert(QLatin1String(key), v);
    };
    put("hostname", s.hostname);
    put("platform", s.platform);
    put("userId", s.userId);
    put("id", s.id);
    call<Session>("POST", QStringLiteral("/api/sessions"), {}, compact(o), context, std::move(done),
                  [](const QJsonDocument &d) { return Session::fromJson(d.object()); });
}

void ApiClient::updateSession(const QString &id, const SessionPatch &patch, QObject *context,
                              Callback<Session> done)
{
    QJsonObject o;
    if (patch.status)
        o.insert(QStringLiteral("status"), statusToString(*patch.status));
    if (patch.summary)
        o.insert(QStringLiteral("summary"), *patch.summary);
    if (patch.endReason)
        o.insert(QStringLiteral("endReason"), *patch.endReason);
    call<Session>("PUT", apiPath(u"/api/sessions/", id), {}, compact(o), context, std::move(done),
                  [](const QJsonDocument &d) { return Session::fromJson(d.object()); });
}

void ApiClient::deleteSession(const QString &id, QObject *context, Callback<bool> done)
{
    // 204 has no body: judged with emptyOk instead of a parser.
    send("DELETE", apiPath(u"/api/sessions/", id), {}, {}, context, [this, done](const Answer &a) {
        ApiResult<bool> r;
        r.error = judge(a, true, [](const QJsonDocument &, ApiError *) { return true; });
        r.value = r.ok();
        if (r.ok())
            Q_EMIT requestSucceeded();
        else
            Q_EMIT requestFailed(r.error);
        done(r);
    });
}

void ApiClient::sessionChains(const QString &id, QObject *context, Callback<QList<Chain>> done)
{
    call<QList<Chain>>("GET", apiPath(u"/api/sessions/", id, u"/chains"), {}, {}, context,
                       std::move(done), [](const QJsonDocument &d) {
                           return listOf<Chain>(d, QLatin1String("chains"), &Chain::fromJson);
                       });
}

void ApiClient::sessionTtl(const QString &id, QObject *context, Callback<TtlReport> done)
{
    call<TtlReport>("GET", apiPath(u"/api/sessions/", id, u"/ttl"), {}, {}, context,
                    std::move(done),
                    [](const QJsonDocument &d) { return TtlReport::fromJson(d.object()); });
}

// ------------------------------------------------------------------ events

void ApiClient::postEvent(const QJsonObject &event, QObject *context, Callback<PostedEvent> done)
{
    call<PostedEvent>("POST", QStringLiteral("/api/events"), {}, compact(event), context,
                      std::move(done), [](const QJsonDocument &d) -> std::optional<PostedEvent> {
                          const QJsonObject o = d.object();
                          if (!o.value(QLatin1String("seq")).isDouble())
                              return std::nullopt;
                          return PostedEvent{o.value(QLatin1String("eventId")).toString(),
                                             o.value(QLatin1String("sessionId")).toString(),
                                             o.value(QLatin1String("seq")).toInteger()};
                      });
}

void ApiClient::postEvents(const QJsonArray &events, QObject *context, Callback<int> done)
{
    call<int>("POST", QStringLiteral("/api/events/batch"), {},
              QJsonDocument(events).toJson(QJsonDocument::Compact), context, std::move(done),
              [](const QJsonDocument &d) -> std::optional<int> {
                  const QJsonValue n = d.object().value(QLatin1String("count"));
                  return n.isDouble() ? std::optional<int>(n.toInt()) : std::nullopt;
              });
}

void ApiClient::events(const QString &sessionId, const EventsRequest &query, QObject *context,
                       Callback<QList<EventRecord>> done)
{
    QUrlQuery q;
    if (query.afterSeq)
        q.addQueryItem(QStringLiteral("after"), QString::number(*query.afterSeq));
    if (query.sinceMs)
        q.addQueryItem(QStringLiteral("since"),
                       QString::fromLatin1(QUrl::toPercentEncoding(isoFromMs(*query.sinceMs))));
    if (query.limit >= 0)
        q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    call<QList<EventRecord>>("GET", apiPath(u"/api/events/", sessionId), q, {}, context,
                             std::move(done), [](const QJsonDocument &d) {
                                 return listOf<EventRecord>(d, QLatin1String("events"),
                                                            &EventRecord::fromJson);
                             });
}

void ApiClient::recentEvents(const QString &sessionId, int limit, int seconds, QObject *context,
                             Callback<QList<EventRecord>> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    q.addQueryItem(QStringLiteral("seconds"), QString::number(seconds));
    call<QList<EventRecord>>("GET", apiPath(u"/api/events/", sessionId, u"/recent"), q, {}, context,
                             std::move(done), [](const QJsonDocument &d) {
                                 return listOf<EventRecord>(d, QLatin1String("events"),
                                                            &EventRecord::fromJson);
                             });
}

// ----------------------------------------------------------- commands, input

void ApiClient::queueCommand(const QString &sessionId, CommandType type, const QJsonValue &payload,
                             QObject *context, Callback<Command> done)
{
    QJsonObject o{{QStringLiteral("type"), commandTypeToString(type)}};
    if (!payload.isUndefined() && !payload.isNull())
        o.insert(QStringLiteral("payload"), payload);
    call<Command>("POST", apiPath(u"/api/sessions/", sessionId, u"/commands"), {}, compact(o),
                  context, std::move(done), [](const QJsonDocument &d) {
                      return commandFromJson(d.object().value(QLatin1String("command")).toObject());
                  });
}

template <typename T>
void ApiClient::takeQueue(const QString &sessionId, QStringView queue, QLatin1String key,
                          std::optional<T> (*one)(const QJsonObject &), bool peek, QObject *context,
                          Callback<QList<T>> done)
{
    QUrlQuery q;
    if (peek)
        q.addQueryItem(QStringLiteral("peek"), QStringLiteral("true"));
    call<QList<T>>("GET", apiPath(u"/api/sessions/", sessionId, queue), q, {}, context,
                   std::move(done),
                   [key, one](const QJsonDocument &d) { return listOf<T>(d, key, one); });
}

void ApiClient::takeCommands(const QString &sessionId, bool peek, QObject *context,
                             Callback<QList<Command>> done)
{
    takeQueue<Command>(sessionId, u"/commands", QLatin1String("commands"), &commandFromJson, peek,
                       context, std::move(done));
}

void ApiClient::ackCommand(const QString &commandId, const QJsonValue &result,
                           const QJsonValue &error, QObject *context, Callback<bool> done)
{
    QJsonObject o;
    if (!result.isUndefined())
        o.insert(QStringLiteral("result"), result);
    if (!error.isUndefined())
        o.insert(QStringLiteral("error"), error);
    call<bool>("POST", apiPath(u"/api/commands/", commandId, u"/ack"), {}, compact(o), context,
               std::move(done), [](const QJsonDocument &d) -> std::optional<bool> {
                   return d.object().value(QLatin1String("acknowledged")).toBool();
               });
}

void ApiClient::queueInput(const QString &sessionId, const QString &input, const QString &prompt,
                           QObject *context, Callback<Input> done)
{
    QJsonObject o{{QStringLiteral("input"), input}};
    if (!prompt.isEmpty())
        o.insert(QStringLiteral("prompt"), prompt);
    call<Input>("POST", apiPath(u"/api/sessions/", sessionId, u"/input"), {}, compact(o), context,
                std::move(done), [](const QJsonDocument &d) {
                    return inputFromJson(d.object().value(QLatin1String("inputQueued")).toObject());
                });
}

void ApiClient::takeInput(const QString &sessionId, bool peek, QObject *context,
                          Callback<QList<Input>> done)
{
    takeQueue<Input>(sessionId, u"/input", QLatin1String("inputs"), &inputFromJson, peek, context,
                     std::move(done));
}

// ------------------------------------------------------------------- users

void ApiClient::users(QObject *context, Callback<QList<UserInfo>> done)
{
    call<QList<UserInfo>>("GET", QStringLiteral("/api/users"), {}, {}, context, std::move(done),
                          [](const QJsonDocument &d) {
                              return listOf<UserInfo>(d, QLatin1String("users"),
                                                      &UserInfo::fromJson);
                          });
}

void ApiClient::userSessions(const QString &user, QObject *context, Callback<QList<Session>> done)
{
    call<QList<Session>>("GET", apiPath(u"/api/users/", user, u"/sessions"), {}, {}, context,
                         std::move(done), [](const QJsonDocument &d) {
                             return listOf<Session>(d, QLatin1String("sessions"),
                                                    &Session::fromJson);
                         });
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "httpapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>

#include <algorithm>

#include "fold.h"
#include "ids.h"
#include "jsonscan.h"
#include "logging.h"
#include "metrics.h"
#include "timeutil.h"

namespace Afw {

namespace {
QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray joinRaw(const QList<QByteArray> &items)
{
    QByteArray out("[");
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (i)
            out += ',';
        out += items.at(i);
    }
    return out + ']';
}

Method methodOf(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get: return Method::Get;
    case QHttpServerRequest::Method::Post: return Method::Post;
    case QHttpServerRequest::Method::Put: return Method::Put;
    case QHttpServerRequest::Method::Delete: return Method::Delete;
    case QHttpServerRequest::Method::Options: return Method::Options;
    default: return Method::Other;
    }
}

// The request target's path as sent (percent-encoded): routing splits it first.
QByteArray pathOf(const QHttpServerRequest &request)
{
    return request.url().path(QUrl::FullyEncoded).toUtf8();
}

// What the routing needs of a request's header fields, in one pass over them
// (QHttpServerRequest::value() scans them all for every name asked).
struct Head
{
    bool upgrade = false; // the same test Qt's server makes before it offers an upgrade
    bool close = false;   // Connection: close
    bool chunked = false; // any Transfer-Encoding
    QByteArray framingProblem; // empty when fine
};

Head readHead(const QHttpServerRequest &request)
{
    Head h;
    bool host = false, upgradeToken = false, websocket = false;
    int lengths = 0, codings = 0;
    const auto is = [](const QByteArray &name, const char *lower) { return name.compare(lower, Qt::CaseInsensitive) == 0; };
    for (const auto &[name, value] : request.headers()) {
        if (is(name, "host")) {
            host = !value.trimmed().isEmpty();
        } else if (is(name, "connection")) {
            const QByteArray v = value.toLower();
            upgradeToken = upgradeToken || v.contains("upgrade");
            h.close = h.close || v.contains("close");
        } else if (is(name, "upgrade")) {
            websocket = value.trimmed().compare("websocket", Qt::CaseInsensitive) == 0;
        } else if (is(name, "content-length")) {
            ++lengths;
            const QByteArray v = value.trimmed();
            if (v.isEmpty() || v.size() > 18 || !std::all_of(v.cbegin(), v.cend(), [](char c) { return c >= '0' && c <= '9'; }))
                h.framingProblem = "Content-Length must be a decimal number";
        } else if (is(name, "transfer-encoding")) {
            ++codings;
            h.chunked = true;
            if (value.trimmed().compare("chunked", Qt::CaseInsensitive) != 0)
                h.framingProblem = "Transfer-Encoding other than chunked is not supported";
        }
    }
    h.upgrade = upgradeToken && websocket;
    // Framing that Qt's parser accepts but a proxy in front could read differently
    // (request smuggling) is refused, and the connection closed. And Qt 6.4 drops every
    // header field of a head it will not read (more than 100 fields, a field over
    // 100 kB, a malformed line) and carries on: Content-Length and the rest are gone, so
    // the body would be read as the next request. Host is required of every HTTP/1.1
    // request, so its absence gives that away.
    if (!host)
        h.framingProblem = "missing Host header, or a head Qt does not read (over 100 fields, a field over "
                           "100 kB, a malformed line)";
    else if (lengths > 1)
        h.framingProblem = "more than one Content-Length";
    else if (codings > 1)
        h.framingProblem = "more than one Transfer-Encoding";
    else if (lengths && codings)
        h.framingProblem = "both Content-Length and Transfer-Encoding";
    return h;
}

QString methodName(Method m)
{
    switch (m) {
    case Method::Get: return QStringLiteral("GET");
    case Method::Post: return QStringLiteral("POST");
    case Method::Put: return QStringLiteral("PUT");
    case Method::Delete: return QStringLiteral("DELETE");
    default: return QStringLiteral("OTHER");
    }
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Every byte of the longer input is looked at whatever the mismatch.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned diff = unsigned(a.size() ^ b.size());
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? uchar(a[i]) : 0;
        const unsigned char y = i < b.size() ? uchar(b[i]) : 0;
        diff |= unsigned(x ^ y);
    }
    return diff == 0;
}

// limit=... parsing shared by the list routes: nullopt + error reply when bad.
std::optional<int> intParam(Call &c, const char *name, int def, int min, int max)
{
    const QString key = QLatin1String(name);
    if (!c.query.hasQueryItem(key))
        return def;
    bool ok = false;
    const int v = c.query.queryItemValue(key).toInt(&ok);
    if (!ok || v < min || v > max) {
        c.reply->error(400, QStringLiteral("Invalid query parameter"),
                       {{QStringLiteral("parameter"), key},
                        {QStringLiteral("message"),
                         QStringLiteral("expected an integer in [%1, %2]").arg(min).arg(max)}});
        return std::nullopt;
    }
    return v;
}

// A session object as GET /api/sessions/:id answers it: the record, its chains,
// currentChain and the derived counters.
QJsonObject sessionObject(const Session &session, const ChainFold &chains)
{
    QJsonObject o = session.toJson();
    chains.decorateSession(o);
    return o;
}

QJsonObject eventFormatError(const QString &why)
{
    return {{QStringLiteral("required"), QJsonArray{QStringLiteral("sessionId"), QStringLiteral("type"),
                                                    QStringLiteral("timestamp")}},
            {QStringLiteral("message"), why}};
}
} // namespace

// ---------------------------------------------------------------- Reply

Reply::Reply(GuardedSocket *socket, quint64 slot, QHttpServerResponder &&responder, QByteArray corsOrigin,
             Metrics *metrics, bool close)
    : m_socket(socket), m_slot(slot), m_responder(std::move(responder)), m_corsOrigin(std::move(corsOrigin)),
      m_metrics(metrics), m_close(close)
{
    m_timer.start();
}

void Reply::send(int status, const QByteArray &body, const QByteArray &contentType,
                 const QList<std::pair<QByteArray, QByteArray>> &extraHeaders)
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
                  const QList<std::pair<QByteArray, QByteArray>> &extraHeaders)
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
    send(status, toJson(body));
}

void Reply::error(int status, const QString &error, QJsonObject extra)
{
    extra.insert(QStringLiteral("error"), error);
    json(status, extra);
}

// The one place where storage errors become HTTP statuses.
void Reply::storageError(const StorageError &e)
{
    switch (e.code) {
    case StorageError::None:
        return;
    case StorageError::NotFound:
        error(404, QStringLiteral("Not found"));
        return;
    case StorageError::Unavailable:
    case StorageError::Timeout:
        error(503, QStringLiteral("Storage unavailable"), {{QStringLiteral("message"), e.message}});
        return;
    case StorageError::BadData:
    case StorageError::RedisError:
        error(500, QStringLiteral("Storage error"), {{QStringLiteral("message"), e.message}});
        return;
    }
}

// ---------------------------------------------------------------- HttpApi

HttpApi::HttpApi(const Config &config, Storage *storage, Metrics *metrics, QObject *parent)
    : QAbstractHttpServer(parent), m_config(config), m_storage(storage), m_metrics(metrics),
      m_corsOrigin(config.corsOrigin.toUtf8())
{
    m_uptime.start();
    m_limits.maxBodyBytes = config.maxBodyBytes;
    m_limits.maxConnections = config.maxConnections;
    m_limits.requestTimeoutMs = config.requestTimeoutMs;
    m_limits.idleTimeoutMs = config.idleTimeoutMs;
    m_limits.maxWsMessageBytes = config.wsMaxMessageBytes;
    m_limits.corsOrigin = m_corsOrigin;
    // Literal routes before parameter routes on the same path shape.
    addRoute(Method::Get, QStringLiteral("/health"), &HttpApi::health);
    addRoute(Method::Get, QStringLiteral("/metrics"), &HttpApi::metrics);
    addRoute(Method::Get, QStringLiteral("/ws"), &HttpApi::wsWithoutUpgrade);
    addRoute(Method::Post, QStringLiteral("/api/sessions"), &HttpApi::createSession);
    addRoute(Method::Get, QStringLiteral("/api/sessions"), &HttpApi::listSessions);
    addRoute(Method::Get, QStringLiteral("/api/sessions/:id"), &HttpApi::getSession);
    addRoute(Method::Put, QStringLiteral("/api/sessions/:id"), &HttpApi::updateSession);
    addRoute(Method::Delete, QStringLiteral("/api/sessions/:id"), &HttpApi::deleteSession);
    addRoute(Method::Get, QStringLiteral("/api/sessions/:id/chains"), &HttpApi::sessionChains);
    addRoute(Method::Get, QStringLiteral("/api/sessions/:id/ttl"), &HttpApi::sessionTtl);
    addRoute(Method::Post, QStringLiteral("/api/sessions/:id/commands"), &HttpApi::queueCommand);
    addRoute(Method::Get, QStringLiteral("/api/sessions/:id/commands"), &HttpApi::takeCommands);
    addRoute(Method::Post, QStringLiteral("/api/sessions/:id/input"), &HttpApi::queueInput);
    addRoute(Method::Get, QStringLiteral("/api/sessions/:id/input"), &HttpApi::takeInput);
    addRoute(Method::Post, QStringLiteral("/api/events"), &HttpApi::postEvent);
    addRoute(Method::Post, QStringLiteral("/api/events/batch"), &HttpApi::postEventBatch);
    addRoute(Method::Get, QStringLiteral("/api/events/:sessionId"), &HttpApi::getEvents);
    addRoute(Method::Get, QStringLiteral("/api/events/:sessionId/recent"), &HttpApi::recentEvents);
    addRoute(Method::Post, QStringLiteral("/api/commands/:sessionId/commands"), &HttpApi::queueCommand);
    addRoute(Method::Get, QStringLiteral("/api/commands/:sessionId/commands"), &HttpApi::takeCommands);
    addRoute(Method::Post, QStringLiteral("/api/commands/:commandId/ack"), &HttpApi::ackCommand);
    addRoute(Method::Get, QStringLiteral("/api/users"), &HttpApi::listUsers);
    addRoute(Method::Get, QStringLiteral("/api/users/:userId/sessions"), &HttpApi::userSessions);
}

HttpApi::~HttpApi() = default;

void HttpApi::addRoute(Method m, const QString &pattern, Handler h)
{
    m_routes.append({m, pattern.split(u'/', Qt::SkipEmptyParts), h, pattern});
}

quint16 HttpApi::listen(const QString &host, quint16 port)
{
    auto *listener = new HttpListener(m_limits, m_metrics, this);
    const QHostAddress address = host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                     : QHostAddress(host);
    if (!listener->listen(address, port)) {
        qCCritical(lcHttp) << "cannot listen on" << host << port << ":" << listener->errorString();
        delete listener;
        return 0;
    }
    m_listener = listener;
    bind(listener);
    return listener->serverPort();
}

GuardedSocket *HttpApi::socketOf(const QWebSocket *webSocket) const
{
    return m_listener ? m_listener->upgraded(webSocket->peerAddress(), webSocket->peerPort()) : nullptr;
}

void HttpApi::stopListening()
{
    if (m_listener)
        m_listener->close();
}

bool HttpApi::isAuthorized(const QHttpServerRequest &request, bool allowQueryKey) const
{
    if (m_config.apiKey.isEmpty())
        return true;
    const QByteArray key = m_config.apiKey.toUtf8();
    const QByteArray auth = request.value(QByteArrayLiteral("authorization"));
    if (auth.size() > 7 && qstrnicmp(auth.constData(), "bearer ", 7) == 0
        && constantTimeEquals(auth.mid(7).trimmed(), key))
        return true;
    const QByteArray header = request.value(QByteArrayLiteral("x-api-key"));
    if (!header.isEmpty() && constantTimeEquals(header, key))
        return true;
    if (allowQueryKey) {
        const QString q = request.query().queryItemValue(QStringLiteral("apiKey"), QUrl::FullyDecoded);
        if (!q.isEmpty() && constantTimeEquals(q.toUtf8(), key))
            return true;
    }
    return false;
}

bool HttpApi::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto *guarded = qobject_cast<GuardedSocket *>(socket);
    if (!guarded || guarded->isClosing())
        return true; // pipelined after a request that closes the connection: not answered
    const Head head = readHead(request);
    if (head.upgrade) {
        // true (and nothing written): Qt's server hands the socket to its WebSocket
        // server, whose connections WsHub takes. false: missingHandler() refuses it.
        if (pathOf(request) != "/ws" || !isAuthorized(request, true))
            return false;
        m_metrics->observeHttp(QStringLiteral("/ws"), 101, 0);
        guarded->upgrading();
        return true;
    }
    const quint64 slot = guarded->requestCompleted();
    const QByteArray &framing = head.framingProblem;
    // Qt 6.4's chunked parser reads a malformed chunk size as the last chunk, so what
    // follows a chunked body on the connection cannot be trusted to be a request: the
    // connection closes after the answer (hooks send Content-Length; nothing is lost).
    const bool tooDeep = guarded->unanswered() > m_limits.maxUnanswered;
    const bool close = tooDeep || !framing.isEmpty() || head.chunked || head.close;
    Call call{request, {}, {},
              std::make_shared<Reply>(guarded, slot, makeResponder(request, socket), m_corsOrigin, m_metrics, close)};
    if (close)
        guarded->closeAfterResponses(); // now: what follows in the buffer is not a request to run
    if (tooDeep) {
        // A client pipelining faster than storage answers: answered in turn, then closed.
        call.reply->route = QStringLiteral("unmatched");
        call.reply->error(503, QStringLiteral("Too many pipelined requests"),
                          {{QStringLiteral("message"),
                            QStringLiteral("more than %1 requests waiting for their answers").arg(m_limits.maxUnanswered)}});
        m_metrics->addHttpClosed("pipelined_too_deep");
        return true;
    }
    if (!framing.isEmpty()) {
        // Qt framed this request one way; a proxy in front may have framed it another.
        call.reply->route = QStringLiteral("unmatched");
        call.reply->error(400, QStringLiteral("Bad request"), {{QStringLiteral("message"), QString::fromLatin1(framing)}});
        return true;
    }
    if (request.body().size() > m_limits.maxBodyBytes) {
        call.reply->route = QStringLiteral("unmatched");
        call.reply->error(413, QStringLiteral("Payload too large"),
                          {{QStringLiteral("message"), QStringLiteral("body larger than %1 bytes").arg(m_limits.maxBodyBytes)}});
        return true;
    }
    dispatch(call);
    return true;
}

void HttpApi::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Reached only for a WebSocket upgrade that handleRequest() refused; Qt closes the
    // connection after this answer.
    auto *guarded = qobject_cast<GuardedSocket *>(socket);
    if (!guarded || guarded->isClosing())
        return;
    auto r = std::make_shared<Reply>(guarded, guarded->requestCompleted(), makeResponder(request, socket),
                                     m_corsOrigin, m_metrics, true);
    guarded->closeAfterResponses();
    r->route = QStringLiteral("/ws");
    if (pathOf(request) != "/ws")
        r->error(404, QStringLiteral("Not found"), {{QStringLiteral("path"), QString::fromUtf8(pathOf(request))}});
    else
        r->error(401, QStringLiteral("Unauthorized"));
}

void HttpApi::dispatch(Call &call)
{
    const QHttpServerRequest &request = call.request;
    const Method method = methodOf(request.method());
    if (method == Method::Options) {
        call.reply->route = QStringLiteral("OPTIONS");
        call.reply->send(204, {}, {},
                         {{"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
                          {"Access-Control-Allow-Headers", "Content-Type, Authorization, X-API-Key"},
                          {"Access-Control-Max-Age", "86400"}});
        return;
    }
    // Segments are split before percent-decoding, so an encoded '/' stays inside its
    // segment (and then fails id validation) instead of changing the route.
    // One trailing slash is forgiven; an empty segment inside the path is kept, so that
    // "/api/sessions//chains" is an empty (invalid) id, not session "chains".
    const QByteArray rawPath = pathOf(request);
    QList<QByteArray> rawSegs = rawPath.split('/');
    rawSegs.removeFirst();
    if (rawSegs.size() > 1 && rawSegs.last().isEmpty())
        rawSegs.removeLast();
    QStringList segs;
    for (const QByteArray &s : std::as_const(rawSegs))
        segs << QString::fromUtf8(QByteArray::fromPercentEncoding(s));
    const Route *match = nullptr;
    QStringList allowed;
    for (const Route &r : std::as_const(m_routes)) {
        if (r.segments.size() != segs.size())
            continue;
        bool ok = true;
        for (qsizetype i = 0; ok && i < segs.size(); ++i)
            ok = r.segments[i].startsWith(u':') || r.segments[i] == segs[i];
        if (!ok)
            continue;
        if (r.method != method) {
            allowed << methodName(r.method);
            continue;
        }
        match = &r;
        break;
    }
    const QString path = QString::fromUtf8(QByteArray::fromPercentEncoding(rawPath));
    if (!match) {
        call.reply->route = QStringLiteral("unmatched");
        if (!allowed.isEmpty()) {
            call.reply->send(405, toJson({{QStringLiteral("error"), QStringLiteral("Method not allowed")},
                                          {QStringLiteral("allowed"), QJsonArray::fromStringList(allowed)}}),
                             "application/json", {{"Allow", allowed.join(QStringLiteral(", ")).toLatin1()}});
            return;
        }
        call.reply->error(404, QStringLiteral("Not found"), {{QStringLiteral("path"), path}});
        return;
    }
    call.reply->route = match->name;
    if (match->handler != &HttpApi::health && !isAuthorized(request, false)) {
        call.reply->error(401, QStringLiteral("Unauthorized"));
        return;
    }
    for (qsizetype i = 0; i < segs.size(); ++i) {
        if (!match->segments[i].startsWith(u':'))
            continue;
        if (!isValidId(segs[i])) {
            call.reply->error(400, QStringLiteral("Invalid id"),
                              {{QStringLiteral("parameter"), match->segments[i].mid(1)}});
            return;
        }
        call.params << segs[i];
    }
    if (request.url().hasQuery())
        call.query = request.query();
    (this->*(match->handler))(call);
}

template <typename T, typename F>
void HttpApi::whenReady(QFuture<Result<T>> future, const char *op, const ReplyPtr &reply, F &&onResult)
{
    QElapsedTimer timer;
    timer.start();
    auto done = [this, op, timer, reply, fn = std::forward<F>(onResult)](const Result<T> &r) mutable {
        const bool failed = !r.ok() && r.error.code != StorageError::NotFound;
        m_metrics->observeStorage(op, double(timer.nsecsElapsed()) / 1e9, failed);
        if (failed) {
            qCWarning(lcStorage) << op << "failed:" << r.error.message;
            reply->storageError(r.error);
            return;
        }
        fn(r);
    };
    // The memory backend answers at once: no trip through the event loop.
    if (future.isFinished() && future.resultCount() > 0) {
        done(future.result());
        return;
    }
    future.then(this, [done](QFuture<Result<T>> f) mutable {
        done(f.resultCount() > 0 ? f.result()
                                 : Result<T>::fail(StorageError::Unavailable,
                                                   QStringLiteral("operation abandoned")));
    }).onCanceled(this, [reply] {
        reply->storageError({StorageError::Unavailable, QStringLiteral("operation cancelled")});
    });
}

std::optional<QJsonObject> HttpApi::bodyObject(Call &c)
{
    QString error;
    const auto doc = parseJson(c.request.body(), &error);
    if (!doc) {
        c.reply->error(400, QStringLiteral("Invalid JSON"), {{QStringLiteral("message"), error}});
        return std::nullopt;
    }
    if (!doc->isObject()) {
        c.reply->error(400, QStringLiteral("Invalid body"),
                       {{QStringLiteral("message"), QStringLiteral("expected a JSON object")}});
        return std::nullopt;
    }
    return doc->object();
}

// ---------------------------------------------------------------- routes

void HttpApi::health(Call &c)
{
    const bool up = m_storage->isAvailable();
    QJsonObject o{{QStringLiteral("status"), up ? QStringLiteral("ok") : QStringLiteral("degraded")},
                  {QStringLiteral("timestamp"), nowIso()},
                  {QStringLiteral("uptime"), double(m_uptime.elapsed()) / 1000.0},
                  {QStringLiteral("storage"), m_storage->backendName()},
                  {QStringLiteral("version"), QStringLiteral(AFW_VERSION)}};
    if (!up)
        o.insert(QStringLiteral("reason"), m_storage->unavailableReason());
    c.reply->json(up ? 200 : 503, o);
}

void HttpApi::metrics(Call &c)
{
    m_metrics->setStorage(m_storage->backendName(), m_storage->isAvailable());
    c.reply->send(200, m_metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
}

void HttpApi::wsWithoutUpgrade(Call &c)
{
    c.reply->error(400, QStringLiteral("WebSocket upgrade expected"),
                   {{QStringLiteral("message"), QStringLiteral("connect with a WebSocket client")}});
}

void HttpApi::createSession(Call &c)
{
    const auto body = bodyObject(c);
    if (!body)
        return;
    const QJsonValue cwd = body->value(QStringLiteral("cwd"));
    if (!cwd.isString() || cwd.toString().isEmpty()) {
        c.reply->error(400, QStringLiteral("Missing required field"),
                       {{QStringLiteral("field"), QStringLiteral("cwd")},
                        {QStringLiteral("message"), QStringLiteral("cwd must be a non-empty string")}});
        return;
    }
    Session s;
    s.cwd = cwd.toString();
    for (const char *field : {"hostname", "platform", "userId", "id"}) {
        const QJsonValue v = body->value(QLatin1String(field));
        if (v.isUndefined() || v.isNull())
            continue;
        const bool isId = qstrcmp(field, "userId") == 0 || qstrcmp(field, "id") == 0;
        if (!v.isString() || (isId && !isValidId(v.toString()))) {
            c.reply->error(400, isId ? QStringLiteral("Invalid id") : QStringLiteral("Invalid field"),
                           {{QStringLiteral("field"), QLatin1String(field)}});
            return;
        }
    }
    s.hostname = body->value(QStringLiteral("hostname")).toString();
    s.platform = body->value(QStringLiteral("platform")).toString();
    s.user = body->value(QStringLiteral("userId")).toString();
    s.startedAtMs = nowMs();
    s.id = body->value(QStringLiteral("id")).toString();
    if (s.id.isEmpty())
        s.id = makeSessionId(s.startedAtMs);
    whenReady(m_storage->createSession(s), "createSession", c.reply,
              [this, reply = c.reply](const Result<CreatedSession> &r) {
                  // The whole session object, as GET /api/sessions/:id gives it (v1.1).
                  const Session session = r.value.session;
                  const int status = r.value.created ? 201 : 200;
                  whenReady(m_storage->chains(session.id), "chains", reply,
                            [reply, session, status](const Result<ChainFold> &ch) {
                                reply->json(status, sessionObject(session, ch.value));
                            });
              });
}

void HttpApi::listSessions(Call &c)
{
    SessionFilter f;
    f.status = c.query.queryItemValue(QStringLiteral("status"));
    f.user = c.query.queryItemValue(QStringLiteral("user"));
    if (!f.status.isEmpty() && !statusFromString(f.status)) {
        c.reply->error(400, QStringLiteral("Invalid status"), {{QStringLiteral("received"), f.status}});
        return;
    }
    if (!f.user.isEmpty() && !isValidId(f.user)) {
        c.reply->error(400, QStringLiteral("Invalid id"), {{QStringLiteral("parameter"), QStringLiteral("user")}});
        return;
    }
    const auto limit = intParam(c, "limit", 100, 1, 1000);
    if (!limit)
        return;
    f.limit = *limit;
    const auto offset = intParam(c, "offset", 0, 0, std::numeric_limits<int>::max());
    if (!offset)
        return;
    f.offset = *offset;
    whenReady(m_storage->listSessions(f), "listSessions", c.reply,
              [reply = c.reply](const Result<QList<SessionRow>> &r) {
                  QJsonArray arr;
                  for (const auto &row : r.value) {
                      QJsonObject o = row.session.toSummaryJson(row.chainsCount);
                      if (row.currentChain) // v1.1: the dashboard reads currentChain.steps
                          o.insert(QStringLiteral("currentChain"), row.currentChain->toJson());
                      arr.append(o);
                  }
                  reply->json(200, {{QStringLiteral("count"), arr.size()},
                                    {QStringLiteral("sessions"), arr}});
              });
}

void HttpApi::getSession(Call &c)
{
    const QString id = c.params.at(0);
    whenReady(m_storage->getSession(id), "getSession", c.reply, [this, id, reply = c.reply](const Result<Session> &s) {
        if (!s.ok()) {
            reply->error(404, QStringLiteral("Session not found"), {{QStringLiteral("sessionId"), id}});
            return;
        }
        whenReady(m_storage->chains(id), "chains", reply,
                  [reply, session = s.value](const Result<ChainFold> &ch) {
                      reply->json(200, sessionObject(session, ch.value));
                  });
    });
}

void HttpApi::updateSession(Call &c)
{
    const auto body = bodyObject(c);
    if (!body)
        return;
    SessionUpdate u;
    const QJsonValue status = body->value(QStringLiteral("status"));
    if (!status.isUndefined()) {
        u.status = statusFromString(status.toString());
        if (!status.isString() || !u.status) {
            c.reply->error(400, QStringLiteral("Invalid status"),
                           {{QStringLiteral("validStatuses"),
                             QJsonArray{QStringLiteral("pending"), QStringLiteral("in_progress"),
                                        QStringLiteral("completed"), QStringLiteral("failed"),
                                        QStringLiteral("skipped")}},
                            {QStringLiteral("received"), status}});
            return;
        }
    }
    for (const char *field : {"summary", "endReason"}) {
        const QJsonValue v = body->value(QLatin1String(field));
        if (v.isUndefined())
            continue;
        if (!v.isString()) {
            c.reply->error(400, QStringLiteral("Invalid field"), {{QStringLiteral("field"), QLatin1String(field)}});
            return;
        }
        (qstrcmp(field, "summary") == 0 ? u.summary : u.endReason) = v.toString();
    }
    const QString id = c.params.at(0);
    whenReady(m_storage->updateSession(id, u), "updateSession", c.reply,
              [id, reply = c.reply](const Result<Session> &r) {
                  if (!r.ok())
                      reply->error(404, QStringLiteral("Session not found"), {{QStringLiteral("sessionId"), id}});
                  else
                      reply->json(200, r.value.toJson());
              });
}

void HttpApi::deleteSession(Call &c)
{
    const QString id = c.params.at(0);
    whenReady(m_storage->deleteSession(id), "deleteSession", c.reply,
              [id, reply = c.reply](const Result<bool> &r) {
                  if (!r.ok())
                      reply->error(404, QStringLiteral("Session not found"), {{QStringLiteral("sessionId"), id}});
                  else
                      reply->send(204, {});
              });
}

void HttpApi::sessionChains(Call &c)
{
    const QString id = c.params.at(0);
    whenReady(m_storage->getSession(id), "getSession", c.reply, [this, id, reply = c.reply](const Result<Session> &s) {
        if (!s.ok()) {
            reply->error(404, QStringLiteral("Session not found"), {{QStringLiteral("sessionId"), id}});
            return;
        }
        whenReady(m_storage->chains(id), "chains", reply, [id, reply](const Result<ChainFold> &ch) {
            QJsonArray arr;
            for (const auto &chain : ch.value.chains())
                arr.append(chain.toJson());
            reply->json(200, {{QStringLiteral("sessionId"), id},
                              {QStringLiteral("count"), arr.size()},
                              {QStringLiteral("chains"), arr}});
        });
    });
}

void HttpApi::sessionTtl(Call &c)
{
    const QString id = c.params.at(0);
    whenReady(m_storage->ttl(id), "ttl", c.reply, [this, id, reply = c.reply](const Result<TtlInfo> &r) {
        const TtlInfo &t = r.value;
        reply->json(200, {{QStringLiteral("sessionId"), id},
                          {QStringLiteral("storage"), m_storage->backendName()},
                          {QStringLiteral("ttl"), QJsonObject{{QStringLiteral("session"), t.session},
                                                              {QStringLiteral("events"), t.events},
                                                              {QStringLiteral("chains"), t.chains},
                                                              {QStringLiteral("commands"), t.commands},
                                                              {QStringLiteral("input"), t.input}}}});
    });
}

void HttpApi::postEvent(Call &c)
{
    QString jsonError;
    QString why;
    const auto event = parseEvent(c.request.body(), &jsonError, &why);
    if (!jsonError.isEmpty()) {
        c.reply->error(400, QStringLiteral("Invalid JSON"), {{QStringLiteral("message"), jsonError}});
        return;
    }
    if (!event) {
        c.reply->error(400, QStringLiteral("Invalid event format"), eventFormatError(why));
        return;
    }
    whenReady(m_storage->addEvent(*event), "addEvent", c.reply,
              [this, sid = event->sessionId, reply = c.reply](const Result<AddedEvent> &r) {
                  m_metrics->addEventsIngested(1);
                  QByteArray eventId;
                  appendJsonString(eventId, r.value.eventId);
                  reply->send(201, R"({"success":true,"eventId":)" + eventId
                                       + R"(,"sessionId":")" + sid.toUtf8() + R"(","seq":)"
                                       + QByteArray::number(r.value.seq) + '}');
              });
}

void HttpApi::postEventBatch(Call &c)
{
    QString error;
    const auto parsed = parseJson(c.request.body(), &error);
    if (!parsed) {
        c.reply->error(400, QStringLiteral("Invalid JSON"), {{QStringLiteral("message"), error}});
        return;
    }
    const QJsonDocument &doc = *parsed;
    if (!doc.isArray() || doc.array().isEmpty() || doc.array().size() > 1000) {
        c.reply->error(400, QStringLiteral("Invalid batch"),
                       {{QStringLiteral("message"), QStringLiteral("expected an array of 1 to 1000 events")}});
        return;
    }
    const QJsonArray arr = doc.array();
    QList<IncomingEvent> events;
    events.reserve(arr.size());
    for (qsizetype i = 0; i < arr.size(); ++i) {
        QString why = QStringLiteral("expected a JSON object");
        auto e = arr.at(i).isObject() ? validateEvent(arr.at(i).toObject(), {}, &why) : std::nullopt;
        if (!e) {
            QJsonObject extra = eventFormatError(why);
            extra.insert(QStringLiteral("index"), i);
            c.reply->error(400, QStringLiteral("Invalid event format"), extra);
            return;
        }
        events.append(std::move(*e));
    }
    whenReady(m_storage->addEvents(events), "addEvents", c.reply,
              [this, reply = c.reply](const Result<int> &r) {
                  m_metrics->addEventsIngested(r.value);
                  reply->json(201, {{QStringLiteral("success"), true}, {QStringLiteral("count"), r.value}});
              });
}

void HttpApi::getEvents(Call &c)
{
    EventQuery q;
    if (c.query.hasQueryItem(QStringLiteral("since"))) {
        q.sinceMs = parseIsoTimestamp(c.query.queryItemValue(QStringLiteral("since"), QUrl::FullyDecoded));
        if (!q.sinceMs) {
            c.reply->error(400, QStringLiteral("Invalid query parameter"),
                           {{QStringLiteral("parameter"), QStringLiteral("since")},
                            {QStringLiteral("message"), QStringLiteral("expected an ISO-8601 date-time with a zone")}});
            return;
        }
    }
    if (c.query.hasQueryItem(QStringLiteral("after"))) {
        const auto after = intParam(c, "after", 0, 0, std::numeric_limits<int>::max());
        if (!after)
            return;
        q.afterSeq = *after;
    }
    const auto limit = intParam(c, "limit", -1, 0, 100000);
    if (!limit)
        return;
    q.limit = *limit;
    const QString id = c.params.at(0);
    whenReady(m_storage->events(id, q), "events", c.reply,
              [id, reply = c.reply](const Result<QList<StoredEvent>> &r) {
                  const QByteArray head = R"({"sessionId":")" + id.toUtf8() + R"(","count":)"
                                          + QByteArray::number(r.value.size()) + R"(,"events":)";
                  reply->send(200, joinEventsArray(r.value, head, "}"));
              });
}

void HttpApi::recentEvents(Call &c)
{
    const auto limit = intParam(c, "limit", 50, 1, 1000);
    if (!limit)
        return;
    const auto seconds = intParam(c, "seconds", 60, 1, 30 * 24 * 3600);
    if (!seconds)
        return;
    EventQuery q;
    q.limit = *limit;
    q.lastN = true;
    q.sinceMs = nowMs() - qint64(*seconds) * 1000;
    const QString id = c.params.at(0);
    const QString cutoff = isoFromMs(*q.sinceMs);
    whenReady(m_storage->events(id, q), "events", c.reply,
              [id, cutoff, reply = c.reply](const Result<QList<StoredEvent>> &r) {
                  const QByteArray head = R"({"sessionId":")" + id.toUtf8() + R"(","count":)"
                                          + QByteArray::number(r.value.size()) + R"(,"cutoffTime":")"
                                          + cutoff.toUtf8() + R"(","events":)";
                  reply->send(200, joinEventsArray(r.value, head, "}"));
              });
}

void HttpApi::queueCommand(Call &c)
{
    const auto body = bodyObject(c);
    if (!body)
        return;
    const QJsonValue type = body->value(QStringLiteral("type"));
    const auto parsed = commandTypeFromString(type.toString());
    if (!type.isString() || !parsed) {
        c.reply->error(400, QStringLiteral("Invalid command type"),
                       {{QStringLiteral("validTypes"), QJsonArray::fromStringList(commandTypeNames())},
                        {QStringLiteral("received"), type.isUndefined() ? QJsonValue() : type}});
        return;
    }
    Command cmd;
    cmd.id = makeRandomId(u"cmd");
    cmd.type = *parsed;
    cmd.payload = body->value(QStringLiteral("payload"));
    if (cmd.payload.isUndefined())
        cmd.payload = QJsonValue::Null;
    cmd.timestamp = nowIso();
    const QString id = c.params.at(0);
    whenReady(m_storage->queueCommand(id, cmd), "queueCommand", c.reply,
              [id, cmd, reply = c.reply](const Result<bool> &r) {
                  if (!r.ok()) {
                      reply->error(404, QStringLiteral("Session not found"), {{QStringLiteral("sessionId"), id}});
                      return;
                  }
                  reply->json(201, {{QStringLiteral("success"), true},
                                    {QStringLiteral("sessionId"), id},
                                    {QStringLiteral("commandId"), cmd.id},
                                    {QStringLiteral("command"), cmd.toJson()}});
              });
}

void HttpApi::takeCommands(Call &c)
{
    const QString id = c.params.at(0);
    const bool peek = c.query.queryItemValue(QStringLiteral("peek")) == QLatin1String("true");
    whenReady(m_storage->takeCommands(id, peek), "takeCommands", c.reply,
              [id, reply = c.reply](const Result<QList<QByteArray>> &r) {
                  reply->send(200, R"({"sessionId":")" + id.toUtf8() + R"(","count":)"
                                       + QByteArray::number(r.value.size()) + R"(,"commands":)"
                                       + joinRaw(r.value) + '}');
              });
}

void HttpApi::ackCommand(Call &c)
{
    QJsonObject body;
    if (!c.request.body().trimmed().isEmpty()) {
        const auto parsed = bodyObject(c);
        if (!parsed)
            return;
        body = *parsed;
    }
    const QString id = c.params.at(0);
    QJsonObject ack{{QStringLiteral("commandId"), id}, {QStringLiteral("timestamp"), nowIso()}};
    for (const char *field : {"result", "error"}) {
        const QJsonValue v = body.value(QLatin1String(field));
        if (!v.isUndefined())
            ack.insert(QLatin1String(field), v);
    }
    whenReady(m_storage->ackCommand(id, ack), "ackCommand", c.reply,
              [id, reply = c.reply](const Result<bool> &) {
                  reply->json(200, {{QStringLiteral("success"), true},
                                    {QStringLiteral("commandId"), id},
                                    {QStringLiteral("acknowledged"), true}});
              });
}

void HttpApi::queueInput(Call &c)
{
    const auto body = bodyObject(c);
    if (!body)
        return;
    Input in;
    in.input = body->value(QStringLiteral("input"));
    in.prompt = body->value(QStringLiteral("prompt"));
    if (!in.input.isString() || !(in.prompt.isUndefined() || in.prompt.isNull() || in.prompt.isString())) {
        c.reply->error(400, QStringLiteral("Invalid input"),
                       {{QStringLiteral("message"),
                         QStringLiteral("input must be a string, prompt an optional string")}});
        return;
    }
    in.timestamp = nowIso();
    const QString id = c.params.at(0);
    whenReady(m_storage->queueInput(id, in), "queueInput", c.reply,
              [id, in, reply = c.reply](const Result<bool> &r) {
                  if (!r.ok()) {
                      reply->error(404, QStringLiteral("Session not found"), {{QStringLiteral("sessionId"), id}});
                      return;
                  }
                  reply->json(201, {{QStringLiteral("success"), true},
                                    {QStringLiteral("sessionId"), id},
                                    {QStringLiteral("inputQueued"), in.toJson()}});
              });
}

void HttpApi::takeInput(Call &c)
{
    const QString id = c.params.at(0);
    const bool peek = c.query.queryItemValue(QStringLiteral("peek")) == QLatin1String("true");
    whenReady(m_storage->takeInput(id, peek), "takeInput", c.reply,
              [id, reply = c.reply](const Result<QList<QByteArray>> &r) {
                  reply->send(200, R"({"sessionId":")" + id.toUtf8() + R"(","count":)"
                                       + QByteArray::number(r.value.size()) + R"(,"inputs":)"
                                       + joinRaw(r.value) + '}');
              });
}

void HttpApi::listUsers(Call &c)
{
    SessionFilter f;
    f.limit = -1;
    f.withChains = false;
    whenReady(m_storage->listSessions(f), "listSessions", c.reply,
              [reply = c.reply](const Result<QList<SessionRow>> &r) {
                  struct User
                  {
                      QJsonArray sessions;
                      bool online = false;
                  };
                  QMap<QString, User> byUser;
                  for (const auto &row : r.value) {
                      if (row.session.user.isEmpty())
                          continue;
                      QJsonObject s = row.session.toSummaryJson(row.chainsCount);
                      for (const char *k : {"cwd", "user", "hostname", "platform", "chainsCount"})
                          s.remove(QLatin1String(k));
                      User &u = byUser[row.session.user];
                      u.sessions.append(s);
                      u.online = u.online || row.session.status == Status::Pending
                                 || row.session.status == Status::InProgress;
                  }
                  QJsonArray users;
                  for (auto it = byUser.cbegin(); it != byUser.cend(); ++it) {
                      // v1.1: `id` (= user) is what the dashboard keys its user list on.
                      users.append(QJsonObject{{QStringLiteral("id"), it.key()},
                                               {QStringLiteral("user"), it.key()},
                                               {QStringLiteral("sessionCount"), it->sessions.size()},
                                               {QStringLiteral("isOnline"), it->online},
                                               {QStringLiteral("sessions"), it->sessions}});
                  }
                  reply->json(200, {{QStringLiteral("count"), users.size()}, {QStringLiteral("users"), users}});
              });
}

void HttpApi::userSessions(Call &c)
{
    SessionFilter f;
    f.user = c.params.at(0);
    f.limit = -1;
    f.withChains = false;
    whenReady(m_storage->listSessions(f), "listSessions", c.reply,
              [user = f.user, reply = c.reply](const Result<QList<SessionRow>> &r) {
                  QJsonArray arr;
                  for (const auto &row : r.value)
                      arr.append(row.session.toJson());
                  reply->json(200, {{QStringLiteral("user"), user},
                                    {QStringLiteral("sessionCount"), arr.size()},
                                    {QStringLiteral("sessions"), arr}});
              });
}

} // namespace Afw

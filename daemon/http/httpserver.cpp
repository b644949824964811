// SPDX-License-Identifier: MIT
#include "httpserver.h"

#include <QJsonArray>

#include "guardedsocket.h"
#include "headcheck.h"
#include "ids.h"
#include "listener.h"
#include "logging.h"
#include "metrics.h"

namespace Afw {

namespace {
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
} // namespace

HttpServer::HttpServer(const Config &config, Metrics *metrics, QObject *parent)
    : QAbstractHttpServer(parent), m_limits(config), m_apiKey(config.apiKey.toUtf8()),
      m_metrics(metrics)
{
}

HttpServer::~HttpServer() = default;

quint16 HttpServer::listen(const QString &host, quint16 port)
{
    auto *listener = new HttpListener(m_limits, m_metrics, this);
    const QHostAddress address = host == QLatin1String("localhost")
                                     ? QHostAddress(QHostAddress::LocalHost)
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

void HttpServer::stopListening()
{
    if (m_listener)
        m_listener->close();
}

std::unique_ptr<QWebSocket> HttpServer::nextUpgraded()
{
    if (!hasPendingWebSocketConnections())
        return nullptr;
    return nextPendingWebSocketConnection();
}

UpgradedWire HttpServer::wireOf(const QWebSocket *webSocket) const
{
    GuardedSocket *s = m_listener
                           ? m_listener->upgraded(webSocket->peerAddress(), webSocket->peerPort())
                           : nullptr;
    return {s, s};
}

bool HttpServer::isAuthorized(const QHttpServerRequest &request, bool allowQueryKey) const
{
    if (m_apiKey.isEmpty())
        return true;
    const QByteArray auth = request.value(QByteArrayLiteral("authorization"));
    if (auth.size() > 7 && qstrnicmp(auth.constData(), "bearer ", 7) == 0 &&
        constantTimeEquals(auth.mid(7).trimmed(), m_apiKey))
        return true;
    const QByteArray header = request.value(QByteArrayLiteral("x-api-key"));
    if (!header.isEmpty() && constantTimeEquals(header, m_apiKey))
        return true;
    if (allowQueryKey) {
        const QString q =
            request.query().queryItemValue(QStringLiteral("apiKey"), QUrl::FullyDecoded);
        if (!q.isEmpty() && constantTimeEquals(q.toUtf8(), m_apiKey))
            return true;
    }
    return false;
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto *guarded = qobject_cast<GuardedSocket *>(socket);
    if (!guarded || guarded->isClosing())
        return true; // pipelined after a request that closes the connection: not answered
    const HeadCheck head = checkHead(request);
    if (head.upgrade) {
        // true (and nothing written): Qt's server hands the socket to its WebSocket
        // server, whose connections the hub takes. false: missingHandler() refuses it.
        if (rawPathOf(request) != "/ws" || !isAuthorized(request, true))
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
    const bool tooDeep = guarded->unanswered() > HttpLimits::maxUnanswered;
    const bool close = tooDeep || !framing.isEmpty() || head.chunked || head.close;
    Call call{request,
              {},
              {},
              std::make_shared<Reply>(guarded, slot, makeResponder(request, socket),
                                      m_limits.corsOrigin, m_metrics, close)};
    if (close)
        guarded->closeAfterResponses(); // now: what follows in the buffer is not a request to run
    if (tooDeep) {
        // A client pipelining faster than storage answers: answered in turn, then closed.
        call.reply->route = QStringLiteral("unmatched");
        call.reply->fail(Problem::TooManyPipelined,
                         {{QStringLiteral("message"),
                           QStringLiteral("more than %1 requests waiting for their answers")
                               .arg(HttpLimits::maxUnanswered)}});
        m_metrics->addHttpClosed("pipelined_too_deep");
        return true;
    }
    if (!framing.isEmpty()) {
        // Qt framed this request one way; a proxy in front may have framed it another.
        call.reply->route = QStringLiteral("unmatched");
        call.reply->fail(Problem::BadRequest,
                         {{QStringLiteral("message"), QString::fromLatin1(framing)}});
        return true;
    }
    if (request.body().size() > m_limits.maxBodyBytes) {
        call.reply->route = QStringLiteral("unmatched");
        call.reply->fail(
            Problem::PayloadTooLarge,
            {{QStringLiteral("message"),
              QStringLiteral("body larger than %1 bytes").arg(m_limits.maxBodyBytes)}});
        return true;
    }
    dispatch(call);
    return true;
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Reached only for a WebSocket upgrade that handleRequest() refused; Qt closes the
    // connection after this answer.
    auto *guarded = qobject_cast<GuardedSocket *>(socket);
    if (!guarded || guarded->isClosing())
        return;
    auto r = std::make_shared<Reply>(guarded, guarded->requestCompleted(),
                                     makeResponder(request, socket), m_limits.corsOrigin, m_metrics,
                                     true);
    guarded->closeAfterResponses();
    r->route = QStringLiteral("/ws");
    const QByteArray path = rawPathOf(request);
    if (path != "/ws")
        r->fail(Problem::NotFound, {{QStringLiteral("path"), QString::fromUtf8(path)}});
    else
        r->fail(Problem::Unauthorized);
}

void HttpServer::dispatch(Call &call)
{
    const QHttpServerRequest &request = call.request;
    const Method method = methodOf(request.method());
    if (method == Method::Options) {
        call.reply->route = QStringLiteral("OPTIONS");
        call.reply->send(
            204, {}, {},
            {{"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
             {"Access-Control-Allow-Headers", "Content-Type, Authorization, X-API-Key"},
             {"Access-Control-Max-Age", "86400"}});
        return;
    }
    const QByteArray rawPath = rawPathOf(request);
    const Router::Match m = m_router.match(method, rawPath);
    if (!m.route) {
        call.reply->route = QStringLiteral("unmatched");
        if (!m.allowed.isEmpty()) {
            call.reply->fail(
                errorReply(Problem::MethodNotAllowed,
                           {{QStringLiteral("allowed"), QJsonArray::fromStringList(m.allowed)}}),
                {{"Allow", m.allowed.join(QStringLiteral(", ")).toLatin1()}});
            return;
        }
        call.reply->fail(Problem::NotFound,
                         {{QStringLiteral("path"),
                           QString::fromUtf8(QByteArray::fromPercentEncoding(rawPath))}});
        return;
    }
    const Route &route = *m.route;
    call.reply->route = route.name;
    if (route.access != Access::Open && !isAuthorized(request, false)) {
        call.reply->fail(Problem::Unauthorized);
        return;
    }
    for (qsizetype i = 0; i < m.segments.size(); ++i) {
        if (!route.segments[i].startsWith(u':'))
            continue;
        if (!isValidId(m.segments[i])) {
            call.reply->fail(Problem::InvalidId,
                             {{QStringLiteral("parameter"), route.segments[i].mid(1)}});
            return;
        }
        call.params << m.segments[i];
    }
    if (request.url().hasQuery())
        call.query = request.query();
    route.handler(call);
}

} // namespace Afw

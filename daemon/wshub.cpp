// SPDX-License-Identifier: MIT
#include "wshub.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QWebSocketHandshakeOptions>

#include "httpapi.h"
#include "ids.h"
#include "jsonscan.h"
#include "logging.h"
#include "metrics.h"
#include "storage/storage.h"
#include "timeutil.h"

namespace Afw {

namespace {
const QString kAll = QStringLiteral("*");
constexpr int kAbortGraceMs = 1000;

QString frame(const char *type, const QString &sessionId, const QByteArray &payloadJson)
{
    QByteArray out;
    out.reserve(payloadJson.size() + sessionId.size() + 48);
    out += R"({"type":")";
    out += type;
    out += '"';
    if (!sessionId.isNull()) {
        out += R"(,"sessionId":")";
        out += sessionId.toUtf8();
        out += '"';
    }
    out += R"(,"payload":)";
    out += payloadJson;
    out += '}';
    return QString::fromUtf8(out);
}

// Events framing: type, sessionId and timestamp at the top, as the dashboard checks.
QString eventsFrame(const char *type, const QString &sessionId, const QString &timestamp,
                    const QByteArray &payloadJson)
{
    QByteArray out;
    out.reserve(payloadJson.size() + sessionId.size() + 80);
    out += R"({"type":")";
    out += type;
    out += R"(","sessionId":")";
    out += sessionId.toUtf8();
    out += R"(","timestamp":")";
    out += timestamp.toUtf8();
    out += R"(","payload":)";
    out += payloadJson;
    out += '}';
    return QString::fromUtf8(out);
}

// The timestamp a command or ack carries (when it was made), else now.
QString timestampOf(const QByteArray &json)
{
    JsonScan scan({"timestamp"});
    if (scan.scan(json) && scan.member(0).isString && !scan.member(0).value.isEmpty())
        return scan.member(0).value;
    return nowIso();
}

QString objectFrame(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
} // namespace

const QString WsHub::kSubprotocol = QStringLiteral("afw.v1");

std::optional<WsHub::Framing> WsHub::framingOf(const QWebSocket *socket, QString *unknown)
{
    // Read from the socket, not the HTTP layer: whichever server did the upgrade, the
    // server-side QWebSocket carries the requested subprotocols and the request URL.
    if (socket->handshakeOptions().subprotocols().contains(kSubprotocol))
        return Framing::Envelope;
    const QUrlQuery query(socket->requestUrl());
    if (!query.hasQueryItem(QStringLiteral("framing")))
        return Framing::Events;
    const QString value = query.queryItemValue(QStringLiteral("framing"), QUrl::FullyDecoded);
    if (value == QLatin1String("envelope"))
        return Framing::Envelope;
    if (value == QLatin1String("events"))
        return Framing::Events;
    *unknown = value;
    return std::nullopt;
}

WsHub::WsHub(const Config &config, HttpApi *server, Storage *storage, Metrics *metrics, QObject *parent)
    : QObject(parent), m_config(config), m_server(server), m_storage(storage), m_metrics(metrics)
{
    // The framing is read from each socket's request. Qt 6.4's QAbstractHttpServer keeps
    // its QWebSocketServer private, so "afw.v1" cannot be echoed in the 101 answer:
    // Qt clients accept that, browsers do not (they use ?framing=envelope).
    connect(server, &QAbstractHttpServer::newWebSocketConnection, this, &WsHub::accept);
    connect(storage, &Storage::eventAdded, this, &WsHub::broadcastEvent);
    connect(storage, &Storage::commandQueued, this, [this](const QString &sid, const QByteArray &json) {
        broadcastFrames("command", sid, json);
    });
    connect(storage, &Storage::commandAcked, this, [this](const QString &sid, const QByteArray &json) {
        broadcastFrames("command_ack", sid, json);
    });
    m_pingTimer.setInterval(config.wsPingIntervalMs);
    connect(&m_pingTimer, &QTimer::timeout, this, &WsHub::pingAll);
    m_pingTimer.start();
}

WsHub::~WsHub()
{
    for (Client *c : std::as_const(m_clients)) {
        c->socket->disconnect(this);
        delete c;
    }
}

void WsHub::accept()
{
    while (m_server->hasPendingWebSocketConnections()) {
        QWebSocket *socket = m_server->nextPendingWebSocketConnection().release();
        socket->setParent(this);
        if (m_closing) {
            socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
            continue;
        }
        QString unknown;
        const auto framing = framingOf(socket, &unknown);
        if (!framing) {
            refuse(socket, QStringLiteral("unknown framing \"") + unknown.left(64)
                               + QStringLiteral("\": use framing=envelope or framing=events"));
            continue;
        }
        socket->setMaxAllowedIncomingFrameSize(quint64(m_config.wsMaxMessageBytes));
        socket->setMaxAllowedIncomingMessageSize(quint64(m_config.wsMaxMessageBytes));
        auto *c = new Client;
        c->socket = socket;
        c->id = QStringLiteral("client-") + QString::number(m_nextId++);
        c->framing = *framing;
        m_clients.insert(socket, c);
        connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
            if (Client *cl = m_clients.value(socket))
                onMessage(cl, text);
        });
        connect(socket, &QWebSocket::binaryMessageReceived, this, [this, socket](const QByteArray &) {
            if (Client *cl = m_clients.value(socket))
                sendError(cl, QStringLiteral("binary frames are not supported; send JSON text"));
        });
        connect(socket, &QWebSocket::pong, this, [this, socket] {
            if (Client *cl = m_clients.value(socket))
                cl->awaitingPong = false;
        });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] { remove(socket); });
        m_metrics->setWsClients(m_clients.size());
        const bool envelope = c->framing == Framing::Envelope;
        qCDebug(lcWs) << c->id << "connected" << (envelope ? "(envelope)" : "(events)");
        if (envelope) { // events framing: nothing until there is something to say
            const QJsonObject hello{{QStringLiteral("clientId"), c->id},
                                    {QStringLiteral("message"), QStringLiteral("Connected to afwd")}};
            send(c, objectFrame({{QStringLiteral("type"), QStringLiteral("subscription_confirmed")},
                                 {QStringLiteral("payload"), hello}}));
        }
    }
}

void WsHub::refuse(QWebSocket *socket, const QString &message)
{
    // A clear error frame, then a policy close; the socket is never a client.
    qCInfo(lcWs) << "refused a connection:" << message;
    socket->sendTextMessage(objectFrame({{QStringLiteral("type"), QStringLiteral("error")},
                                         {QStringLiteral("timestamp"), nowIso()},
                                         {QStringLiteral("payload"), message}}));
    socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unknown framing"));
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(kAbortGraceMs, socket, [socket] { socket->abort(); });
}

void WsHub::remove(QWebSocket *socket)
{
    if (Client *c = m_clients.take(socket)) {
        qCDebug(lcWs) << c->id << "disconnected";
        delete c;
    }
    socket->deleteLater();
    m_metrics->setWsClients(m_clients.size());
    if (m_closing && m_clients.isEmpty())
        Q_EMIT allClosed();
}

void WsHub::onMessage(Client *c, const QString &text)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        sendError(c, QStringLiteral("expected a JSON object"));
        return;
    }
    const QJsonObject msg = doc.object();
    const QString type = msg.value(QStringLiteral("type")).toString();
    const QJsonValue sidValue = msg.value(QStringLiteral("sessionId"));
    const QString sid = sidValue.toString();
    if (type == QLatin1String("ping")) {
        send(c, objectFrame({{QStringLiteral("type"), QStringLiteral("pong")},
                             {QStringLiteral("clientId"), c->id},
                             {QStringLiteral("timestamp"), nowIso()}}));
        return;
    }
    if (type != QLatin1String("subscribe") && type != QLatin1String("unsubscribe")
        && type != QLatin1String("input")) {
        sendError(c, QStringLiteral("unknown message type: ") + type.left(64));
        return;
    }
    const bool wildcardOk = type != QLatin1String("input");
    if (!sidValue.isString() || (!isValidId(sid) && !(wildcardOk && sid == kAll))) {
        sendError(c, QStringLiteral("invalid sessionId"));
        return;
    }
    if (type == QLatin1String("subscribe")) {
        const QJsonValue after = msg.value(QStringLiteral("afterSeq"));
        // toInteger(-1): fractions, strings and null are not a seq either.
        if (!after.isUndefined() && after.toInteger(-1) < 0) {
            sendError(c, QStringLiteral("afterSeq must be a non-negative integer"), sid);
            return;
        }
        subscribe(c, sid, after.isUndefined() ? std::nullopt : std::optional<qint64>(after.toInteger()));
        return;
    }
    if (type == QLatin1String("unsubscribe")) {
        c->subs.remove(sid);
        return;
    }
    // input: queued exactly like POST /api/sessions/:id/input
    const QJsonValue payload = msg.value(QStringLiteral("payload"));
    Input in;
    in.input = payload.isObject() ? payload.toObject().value(QStringLiteral("input")) : payload;
    in.prompt = payload.isObject() ? payload.toObject().value(QStringLiteral("prompt")) : QJsonValue();
    if (!in.input.isString()) {
        sendError(c, QStringLiteral("input payload must be a string or {\"input\":string}"), sid);
        return;
    }
    in.timestamp = nowIso();
    QPointer<QWebSocket> socket = c->socket;
    m_storage->queueInput(sid, in).then(this, [this, socket, sid](const Result<bool> &r) {
        Client *cl = socket ? m_clients.value(socket) : nullptr;
        if (cl && !r.ok())
            sendError(cl,
                      r.error.code == StorageError::NotFound
                          ? QStringLiteral("session not found: ") + sid
                          : QStringLiteral("storage unavailable"),
                      sid);
    });
}

void WsHub::subscribe(Client *c, const QString &sessionId, std::optional<qint64> afterSeq)
{
    c->subscribed = true;
    Subscription &sub = c->subs[sessionId];
    sub = Subscription{};
    if (c->framing == Framing::Envelope) {
        const QJsonObject payload{
            {QStringLiteral("clientId"), c->id},
            {QStringLiteral("message"), QString(QStringLiteral("Subscribed to ") + sessionId)}};
        send(c, objectFrame({{QStringLiteral("type"), QStringLiteral("subscription_confirmed")},
                             {QStringLiteral("sessionId"), sessionId},
                             {QStringLiteral("payload"), payload}}));
    } else {
        send(c, objectFrame({{QStringLiteral("type"), QStringLiteral("subscription_confirmed")},
                             {QStringLiteral("sessionId"), sessionId},
                             {QStringLiteral("timestamp"), nowIso()}}));
    }
    if (!afterSeq || sessionId == kAll)
        return;
    // Live events that arrive while stored ones are read are held, then sent after
    // the replay, skipping what the replay already covered.
    sub.replaying = true;
    sub.lastSeq = *afterSeq;
    EventQuery q;
    q.afterSeq = *afterSeq;
    QPointer<QWebSocket> socket = c->socket;
    auto future = m_storage->events(sessionId, q);
    auto finish = [this, socket, sessionId](const Result<QList<StoredEvent>> &r) {
        QList<QByteArray> events;
        QList<qint64> seqs;
        for (const auto &e : r.value) {
            events.append(e.json);
            seqs.append(e.seq);
        }
        if (!r.ok())
            qCWarning(lcWs) << "replay of" << sessionId << "failed:" << r.error.message;
        finishReplay(socket, sessionId, events, seqs);
    };
    if (future.isFinished() && future.resultCount() > 0)
        finish(future.result());
    else
        future.then(this, finish);
}

void WsHub::finishReplay(QWebSocket *socket, const QString &sessionId, const QList<QByteArray> &events,
                         const QList<qint64> &seqs)
{
    Client *c = socket ? m_clients.value(socket) : nullptr;
    if (!c || !c->subs.contains(sessionId))
        return;
    for (qsizetype i = 0; i < events.size(); ++i) {
        Subscription &sub = c->subs[sessionId];
        if (seqs[i] <= sub.lastSeq)
            continue;
        sub.lastSeq = seqs[i];
        send(c, c->framing == Framing::Envelope ? frame("event", sessionId, events[i])
                                                : QString::fromUtf8(events[i]));
        if (!m_clients.contains(socket))
            return; // dropped for its backlog
    }
    Subscription &sub = c->subs[sessionId];
    sub.replaying = false;
    const auto held = std::exchange(sub.held, {});
    for (const auto &[seq, f] : held) {
        if (!m_clients.contains(socket))
            return;
        Subscription &s = c->subs[sessionId];
        if (seq <= s.lastSeq)
            continue;
        s.lastSeq = seq;
        send(c, f);
    }
}

bool WsHub::wants(const Client *c, const QString &sessionId) const
{
    return !c->subscribed || c->subs.contains(sessionId) || c->subs.contains(kAll);
}

void WsHub::broadcastEvent(const QString &sessionId, qint64 seq, const QByteArray &json)
{
    if (m_clients.isEmpty())
        return;
    // Serialised once per broadcast and framing, on first use; in events framing the
    // frame is the stored event's bytes themselves.
    QString envelope, bare;
    const auto frameFor = [&](const Client *c) -> const QString & {
        if (c->framing == Framing::Envelope) {
            if (envelope.isNull())
                envelope = frame("event", sessionId, json);
            return envelope;
        }
        if (bare.isNull())
            bare = QString::fromUtf8(json);
        return bare;
    };
    const QList<Client *> clients = m_clients.values();
    for (Client *c : clients) {
        if (!m_clients.contains(c->socket) || !wants(c, sessionId))
            continue;
        auto it = c->subs.find(sessionId);
        if (it != c->subs.end()) {
            if (it->replaying) {
                it->held.append({seq, frameFor(c)});
                continue;
            }
            if (seq <= it->lastSeq)
                continue;
            it->lastSeq = seq;
        }
        send(c, frameFor(c));
    }
}

void WsHub::broadcastFrames(const char *type, const QString &sessionId, const QByteArray &payloadJson)
{
    // An ack whose command's session is unknown names no session: envelope clients get
    // it without one (as before); events-framing clients, whose every frame names a
    // session, do not get it.
    const QString envelope = frame(type, sessionId.isEmpty() ? QString() : sessionId, payloadJson);
    QString bare;
    const QList<Client *> clients = m_clients.values();
    for (Client *c : clients) {
        if (!m_clients.contains(c->socket) || !wants(c, sessionId))
            continue;
        if (c->framing == Framing::Envelope) {
            send(c, envelope);
            continue;
        }
        if (sessionId.isEmpty())
            continue;
        if (bare.isNull())
            bare = eventsFrame(type, sessionId, timestampOf(payloadJson), payloadJson);
        send(c, bare);
    }
}

void WsHub::send(Client *c, const QString &f)
{
    // What this event-loop turn wrote is still in Qt's buffer, not yet offered to the
    // kernel: a burst (a batch POST) must not count against a client that keeps up.
    if (c->socket->bytesToWrite() > m_config.wsMaxBacklogBytes)
        c->socket->flush();
    if (c->socket->bytesToWrite() > m_config.wsMaxBacklogBytes) {
        m_metrics->addWsDropped(1);
        m_metrics->addWsDisconnectedSlow();
        qCInfo(lcWs) << c->id << "dropped: unsent backlog over" << m_config.wsMaxBacklogBytes << "bytes";
        drop(c);
        return;
    }
    c->socket->sendTextMessage(f);
    m_metrics->addWsSent(1);
}

void WsHub::sendError(Client *c, const QString &message, const QString &sessionId)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("error")},
                  {QStringLiteral("payload"), message}};
    if (c->framing == Framing::Events) {
        o.insert(QStringLiteral("timestamp"), nowIso());
        if (!sessionId.isEmpty())
            o.insert(QStringLiteral("sessionId"), sessionId);
    }
    send(c, objectFrame(o));
}

void WsHub::drop(Client *c)
{
    QWebSocket *socket = c->socket;
    m_clients.remove(socket);
    delete c;
    m_metrics->setWsClients(m_clients.size());
    // 1013 "try again later": the close frame queues behind the backlog, so the
    // socket is aborted if the peer does not finish the close in time.
    socket->close(QWebSocketProtocol::CloseCode(1013), QStringLiteral("send backlog exceeded"));
    QTimer::singleShot(kAbortGraceMs, socket, [socket] { socket->abort(); });
    if (m_closing && m_clients.isEmpty())
        Q_EMIT allClosed();
}

void WsHub::pingAll()
{
    const QList<Client *> clients = m_clients.values();
    for (Client *c : clients) {
        if (c->awaitingPong) {
            qCInfo(lcWs) << c->id << "no pong within" << m_config.wsPingIntervalMs << "ms; closing";
            QWebSocket *socket = c->socket;
            m_clients.remove(socket);
            delete c;
            socket->abort();
            continue;
        }
        c->awaitingPong = true;
        c->socket->ping();
    }
    m_metrics->setWsClients(m_clients.size());
}

void WsHub::closeAll()
{
    m_closing = true;
    m_pingTimer.stop();
    if (m_clients.isEmpty()) {
        Q_EMIT allClosed();
        return;
    }
    const QList<Client *> clients = m_clients.values();
    for (Client *c : clients)
        c->socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "wshub.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QWebSocketHandshakeOptions>

#include "frames.h"
#include "http/errors.h"
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

WsHub::WsHub(const Config &config, WebSocketUpgrades *upgrades, Storage *storage, Metrics *metrics,
             QObject *parent)
    : QObject(parent), m_config(config), m_upgrades(upgrades), m_storage(storage),
      m_metrics(metrics)
{
    // The framing is read from each socket's request. Qt 6.4's QAbstractHttpServer keeps
    // its QWebSocketServer private, so "afw.v1" cannot be echoed in the 101 answer:
    // Qt clients accept that, browsers do not (they use ?framing=envelope).
    connect(storage, &Storage::eventAdded, this, &WsHub::broadcastEvent);
    connect(storage, &Storage::commandQueued, this,
            [this](const QString &sid, const QByteArray &json) {
                broadcastFrames("command", sid, json);
            });
    connect(storage, &Storage::commandAcked, this,
            [this](const QString &sid, const QByteArray &json) {
                broadcastFrames("command_ack", sid, json);
            });
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_flushTimer, &QTimer::timeout, this, &WsHub::flushDirty);
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

WsHub::Subscription *WsHub::Client::find(const QString &sessionId) const
{
    for (const auto &s : subs) {
        if (s->sessionId == sessionId)
            return s.get();
    }
    return nullptr;
}

void WsHub::takeUpgraded()
{
    while (auto upgraded = m_upgrades->nextUpgraded()) {
        QWebSocket *socket = upgraded.release();
        socket->setParent(this);
        if (m_closing) {
            socket->close(QWebSocketProtocol::CloseCodeGoingAway,
                          QStringLiteral("server shutting down"));
            continue;
        }
        QString unknown;
        const auto framing = framingOf(socket, &unknown);
        if (!framing) {
            refuse(socket, QStringLiteral("unknown framing \"") + unknown.left(64) +
                               QStringLiteral("\": use framing=envelope or framing=events"));
            continue;
        }
        socket->setMaxAllowedIncomingFrameSize(quint64(m_config.wsMaxMessageBytes));
        socket->setMaxAllowedIncomingMessageSize(quint64(m_config.wsMaxMessageBytes));
        auto *c = new Client;
        c->socket = socket;
        c->id = QStringLiteral("client-") + QString::number(m_nextId++);
        c->framing = *framing;
        c->wire = m_upgrades->wireOf(socket);
        m_clients.insert(socket, c);
        m_firehose.append(c);
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, socket](const QString &text) {
                    if (Client *cl = m_clients.value(socket))
                        onMessage(cl, text);
                });
        connect(socket, &QWebSocket::binaryMessageReceived, this,
                [this, socket](const QByteArray &) {
                    if (Client *cl = m_clients.value(socket))
                        sendError(
                            cl, QStringLiteral("binary frames are not supported; send JSON text"));
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
            const QJsonObject hello{
                {QStringLiteral("clientId"), c->id},
                {QStringLiteral("message"), QStringLiteral("Connected to afwd")}};
            send(c, WsFrames::object(
                        {{QStringLiteral("type"), QStringLiteral("subscription_confirmed")},
                         {QStringLiteral("payload"), hello}}));
        }
    }
}

void WsHub::refuse(QWebSocket *socket, const QString &message)
{
    // A clear error frame, then a policy close; the socket is never a client.
    qCInfo(lcWs) << "refused a connection:" << message;
    socket->sendTextMessage(WsFrames::object({{QStringLiteral("type"), QStringLiteral("error")},
                                              {QStringLiteral("timestamp"), nowIso()},
                                              {QStringLiteral("payload"), message}}));
    socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unknown framing"));
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(kAbortGraceMs, socket, [socket] { socket->abort(); });
}

void WsHub::remove(QWebSocket *socket)
{
    if (Client *c = m_clients.value(socket)) {
        qCDebug(lcWs) << c->id << "disconnected";
        retire(c);
    }
    socket->deleteLater();
    if (m_closing && m_clients.isEmpty())
        Q_EMIT allClosed();
}

void WsHub::retire(Client *c)
{
    if (c->gone)
        return;
    c->gone = true;
    m_clients.remove(c->socket);
    m_firehose.removeOne(c);
    if (c->dirty)
        m_dirty.removeOne(c); // its frames die with it; a later flush must not reach it
    c->pending.clear();
    for (const auto &sub : c->subs) {
        auto it = m_channels.find(sub->sessionId);
        if (it != m_channels.end() && (it->removeOne(sub.get()), it->isEmpty()))
            m_channels.erase(it);
    }
    m_metrics->setWsClients(m_clients.size());
    // Freed on the next turn: the broadcast (or replay) that dropped it still holds it.
    if (m_retired.empty())
        QTimer::singleShot(0, this, [this] { m_retired.clear(); });
    m_retired.emplace_back(c);
}

void WsHub::onMessage(Client *c, const QString &text)
{
    QString why;
    const auto doc = parseJson(text.toUtf8(), &why); // strict, as every REST body
    if (!doc || !doc->isObject()) {
        sendError(c, doc ? QStringLiteral("expected a JSON object")
                         : QStringLiteral("invalid JSON: ") + why);
        return;
    }
    const QJsonObject msg = doc->object();
    const QString type = msg.value(QStringLiteral("type")).toString();
    const QJsonValue sidValue = msg.value(QStringLiteral("sessionId"));
    const QString sid = sidValue.toString();
    if (type == QLatin1String("ping")) {
        send(c, WsFrames::object({{QStringLiteral("type"), QStringLiteral("pong")},
                                  {QStringLiteral("clientId"), c->id},
                                  {QStringLiteral("timestamp"), nowIso()}}));
        return;
    }
    if (type != QLatin1String("subscribe") && type != QLatin1String("unsubscribe") &&
        type != QLatin1String("input")) {
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
        subscribe(c, sid,
                  after.isUndefined() ? std::nullopt : std::optional<qint64>(after.toInteger()));
        return;
    }
    if (type == QLatin1String("unsubscribe")) {
        unsubscribe(c, sid);
        return;
    }
    // input: queued exactly like POST /api/sessions/:id/input
    const QJsonValue payload = msg.value(QStringLiteral("payload"));
    Input in;
    in.input = payload.isObject() ? payload.toObject().value(QStringLiteral("input")) : payload;
    in.prompt =
        payload.isObject() ? payload.toObject().value(QStringLiteral("prompt")) : QJsonValue();
    if (!in.input.isString()) {
        sendError(c, QStringLiteral("input payload must be a string or {\"input\":string}"), sid);
        return;
    }
    in.timestamp = nowIso();
    QPointer<QWebSocket> socket = c->socket;
    m_storage->queueInput(sid, in).then(this, [this, socket, sid](const Result<bool> &r) {
        Client *cl = socket ? m_clients.value(socket) : nullptr;
        if (cl && !r.ok()) // the REST answer's error text, e.g. "Session not found: <id>"
            sendError(cl, errorReply(r.error, sid).body.value(QStringLiteral("error")).toString() + u": " + sid, sid);
    });
}

void WsHub::subscribe(Client *c, const QString &sessionId, std::optional<qint64> afterSeq)
{
    if (!c->subscribed) {
        c->subscribed = true;
        m_firehose.removeOne(c);
    }
    Subscription *sub = c->find(sessionId);
    if (!sub) {
        c->subs.push_back(std::make_unique<Subscription>());
        sub = c->subs.back().get();
        sub->client = c;
        sub->sessionId = sessionId;
        m_channels[sessionId].append(sub);
    } else {
        sub->lastSeq = 0;
        sub->replaying = false;
        sub->held.clear();
    }
    if (c->framing == Framing::Envelope) {
        const QJsonObject payload{
            {QStringLiteral("clientId"), c->id},
            {QStringLiteral("message"), QString(QStringLiteral("Subscribed to ") + sessionId)}};
        send(c,
             WsFrames::object({{QStringLiteral("type"), QStringLiteral("subscription_confirmed")},
                               {QStringLiteral("sessionId"), sessionId},
                               {QStringLiteral("payload"), payload}}));
    } else {
        send(c,
             WsFrames::object({{QStringLiteral("type"), QStringLiteral("subscription_confirmed")},
                               {QStringLiteral("sessionId"), sessionId},
                               {QStringLiteral("timestamp"), nowIso()}}));
    }
    if (!afterSeq || sessionId == kAll || c->gone)
        return;
    // Live events that arrive while stored ones are read are held, then sent after
    // the replay, skipping what the replay already covered.
    sub->replaying = true;
    sub->lastSeq = *afterSeq;
    EventQuery q;
    q.afterSeq = *afterSeq;
    QPointer<QWebSocket> socket = c->socket;
    auto future = m_storage->events(sessionId, q);
    auto finish = [this, socket, sessionId](const Result<QList<StoredEvent>> &r) {
        if (!r.ok())
            qCWarning(lcWs) << "replay of" << sessionId << "failed:" << r.error.message;
        finishReplay(socket, sessionId, r.value);
    };
    if (future.isFinished() && future.resultCount() > 0)
        finish(future.result());
    else
        future.then(this, finish);
}

void WsHub::unsubscribe(Client *c, const QString &sessionId)
{
    for (auto it = c->subs.begin(); it != c->subs.end(); ++it) {
        if ((*it)->sessionId != sessionId)
            continue;
        auto ch = m_channels.find(sessionId);
        if (ch != m_channels.end() && (ch->removeOne(it->get()), ch->isEmpty()))
            m_channels.erase(ch);
        c->subs.erase(it);
        return;
    }
}

void WsHub::finishReplay(QWebSocket *socket, const QString &sessionId,
                         const QList<StoredEvent> &events)
{
    Client *c = socket ? m_clients.value(socket) : nullptr;
    Subscription *sub = c ? c->find(sessionId) : nullptr;
    if (!sub)
        return;
    for (const StoredEvent &e : events) {
        if (e.seq <= sub->lastSeq)
            continue;
        sub->lastSeq = e.seq;
        send(c, c->framing == Framing::Envelope ? WsFrames::envelope("event", sessionId, e.json)
                                                : QString::fromUtf8(e.json));
        if (c->gone)
            return; // dropped for its backlog
    }
    sub->replaying = false;
    const auto held = std::exchange(sub->held, {});
    for (const auto &[seq, f] : held) {
        if (c->gone)
            return;
        if (seq <= sub->lastSeq)
            continue;
        sub->lastSeq = seq;
        send(c, f);
    }
}

template <typename F> void WsHub::forEachWatcher(const QString &sessionId, F &&deliver)
{
    // Copies of the lists (shared, not copied unless a drop changes the original), and
    // the clients stay allocated until the next turn: a drop inside deliver() is safe.
    const QList<Subscription *> subscribed = m_channels.value(sessionId);
    for (Subscription *s : subscribed) {
        if (!s->client->gone)
            deliver(s->client, s);
    }
    const QList<Subscription *> all = m_channels.value(kAll);
    for (Subscription *s : all) {
        if (!s->client->gone && !s->client->find(sessionId)) // else served above
            deliver(s->client, nullptr);
    }
    const QList<Client *> firehose = m_firehose;
    for (Client *c : firehose) {
        if (!c->gone)
            deliver(c, nullptr);
    }
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
                envelope = WsFrames::envelope("event", sessionId, json);
            return envelope;
        }
        if (bare.isNull())
            bare = QString::fromUtf8(json);
        return bare;
    };
    forEachWatcher(sessionId, [&](Client *c, Subscription *sub) {
        if (sub) {
            if (sub->replaying) {
                sub->held.append({seq, frameFor(c)});
                return;
            }
            if (seq <= sub->lastSeq)
                return; // the replay covered it
            sub->lastSeq = seq;
        }
        send(c, frameFor(c));
    });
}

void WsHub::broadcastFrames(const char *type, const QString &sessionId,
                            const QByteArray &payloadJson)
{
    // An ack whose command's session is unknown names no session: envelope clients get
    // it without one (as before); events-framing clients, whose every frame names a
    // session, do not get it.
    const QString envelope =
        WsFrames::envelope(type, sessionId.isEmpty() ? QString() : sessionId, payloadJson);
    QString bare;
    forEachWatcher(sessionId, [&](Client *c, Subscription *) {
        if (c->framing == Framing::Envelope) {
            send(c, envelope);
            return;
        }
        if (sessionId.isEmpty())
            return;
        if (bare.isNull())
            bare =
                WsFrames::events(type, sessionId, WsFrames::timestampOf(payloadJson), payloadJson);
        send(c, bare);
    });
}

void WsHub::send(Client *c, const QString &f)
{
    // Frames wait in the client's queue until the next flush; the backlog bound counts
    // them with what the socket has not written yet.
    const qint64 size = f.size() + 14; // + the largest frame header
    if (c->socket->bytesToWrite() + c->pendingBytes + size > m_config.wsMaxBacklogBytes) {
        // A burst (a batch POST) may just not be offered to the kernel yet: a client
        // that keeps up takes it now.
        flushClient(c);
        if (c->socket->bytesToWrite() + size > m_config.wsMaxBacklogBytes) {
            m_metrics->addWsDropped(1);
            m_metrics->addWsDisconnectedSlow();
            qCInfo(lcWs) << c->id << "dropped: unsent backlog over" << m_config.wsMaxBacklogBytes
                         << "bytes";
            drop(c);
            return;
        }
    }
    c->pending.append(f);
    c->pendingBytes += size;
    if (!c->dirty) {
        c->dirty = true;
        m_dirty.append(c);
    }
    if (!m_flushTimer.isActive()) {
        // After a quiet spell, at the end of this turn; in a dense stream, one interval
        // after the last flush.
        const qint64 wait =
            m_sinceFlush.isValid() ? m_config.wsFlushMs - m_sinceFlush.elapsed() : 0;
        m_flushTimer.start(int(std::clamp<qint64>(wait, 0, m_config.wsFlushMs)));
    }
}

void WsHub::flushDirty()
{
    m_sinceFlush.start();
    const QList<Client *> dirty = std::exchange(m_dirty, {});
    for (Client *c : dirty) {
        c->dirty = false;
        if (!c->gone)
            flushClient(c);
    }
}

void WsHub::flushClient(Client *c)
{
    const QList<QString> frames = std::exchange(c->pending, {});
    c->pendingBytes = 0;
    // One send() for them all, now rather than on a write notification.
    BatchWriter *writer = c->wire.writer();
    if (writer)
        writer->beginBatch();
    for (const QString &f : frames)
        c->socket->sendTextMessage(f);
    if (writer)
        writer->endBatch();
    else
        c->socket->flush();
    m_metrics->addWsSent(frames.size());
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
    send(c, WsFrames::object(o));
}

void WsHub::drop(Client *c)
{
    QWebSocket *socket = c->socket;
    retire(c);
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
            retire(c);
            socket->abort();
            continue;
        }
        c->awaitingPong = true;
        c->socket->ping();
    }
}

void WsHub::closeAll()
{
    m_closing = true;
    m_pingTimer.stop();
    flushDirty(); // what clients were due goes out before the close frame
    if (m_clients.isEmpty()) {
        Q_EMIT allClosed();
        return;
    }
    const QList<Client *> clients = m_clients.values();
    for (Client *c : clients)
        c->socket->close(QWebSocketProtocol::CloseCodeGoingAway,
                         QStringLiteral("server shutting down"));
}

} // namespace Afw

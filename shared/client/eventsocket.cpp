// SPDX-License-Identifier: MIT
#include "eventsocket.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include "clientlog.h"

namespace Afw {

namespace {
const QString kAll = QStringLiteral("*");
const QString kSubprotocol = QStringLiteral("afw.v1");
constexpr int kConnectTimeoutMs = 10000;
} // namespace

EventSocket::EventSocket(QObject *parent) : QObject(parent)
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        ++m_stats.reconnects;
        connectNow();
    });
    m_connectTimeout.setSingleShot(true);
    m_connectTimeout.setInterval(kConnectTimeoutMs);
    connect(&m_connectTimeout, &QTimer::timeout, this, [this] {
        if (QWebSocket *s = m_socket) {
            qCInfo(lcClient) << "WebSocket: no greeting within" << kConnectTimeoutMs << "ms";
            s->abort();
            lost(s);
        }
    });
    m_keepAlive.setInterval(15000);
    connect(&m_keepAlive, &QTimer::timeout, this, &EventSocket::keepAlive);
}

EventSocket::~EventSocket()
{
    m_wanted = false;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

QUrl EventSocket::webSocketUrl(const QUrl &baseUrl, Framing framing)
{
    QUrl url =
        baseUrl.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment);
    url.setScheme(baseUrl.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                             : QStringLiteral("ws"));
    url.setPath(url.path() + QStringLiteral("/ws"));
    if (framing == Framing::Envelope) {
        // Both ways of asking (API.md v1.1): the subprotocol may not be echoed by every
        // upgrade path, the query parameter always reaches the daemon.
        url.setQuery(QStringLiteral("framing=envelope"));
    }
    return url;
}

void EventSocket::setReconnectDelays(int minMs, int maxMs)
{
    m_minDelayMs = std::max(1, minMs);
    m_maxDelayMs = std::max(m_minDelayMs, maxMs);
    m_nextDelayMs = m_minDelayMs;
}

void EventSocket::setKeepAliveInterval(int ms)
{
    if (ms <= 0) {
        m_keepAlive.stop();
        m_keepAlive.setInterval(0);
        return;
    }
    m_keepAlive.setInterval(ms);
    if (isOpen())
        m_keepAlive.start();
}

QWebSocket *EventSocket::webSocket() const
{
    return m_socket;
}

void EventSocket::openRequest(const QNetworkRequest &request, const QWebSocketHandshakeOptions &options)
{
    const QUrlQuery query(request.url());
    m_framing = options.subprotocols().contains(kSubprotocol)
                        || query.queryItemValue(QStringLiteral("framing")) == QLatin1String("envelope")
                    ? Framing::Envelope
                    : Framing::Events;
    m_exact = {request, options};
    m_autoReconnect = false;
    m_wanted = true;
    m_reconnectTimer.stop();
    connectNow();
}

void EventSocket::open(const QUrl &baseUrl, const QString &apiKey)
{
    m_exact.reset();
    m_baseUrl = baseUrl;
    m_apiKey = apiKey;
    m_wanted = true;
    m_nextDelayMs = m_minDelayMs;
    m_attempt = 0;
    m_reconnectTimer.stop();
    connectNow();
}

void EventSocket::close()
{
    m_wanted = false;
    m_reconnectTimer.stop();
    m_connectTimeout.stop();
    m_keepAlive.stop();
    if (QWebSocket *s = m_socket) {
        m_socket = nullptr;
        s->disconnect(this);
        connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
        s->close();
        QTimer::singleShot(1000, s, [s] {
            s->abort();
            s->deleteLater();
        });
    }
    for (auto &sub : m_subs)
        sub.confirmed = false;
    setState(State::Closed);
}

void EventSocket::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    Q_EMIT stateChanged(s);
}

void EventSocket::connectNow()
{
    if (QWebSocket *old = m_socket) {
        m_socket = nullptr;
        old->disconnect(this);
        old->abort();
        old->deleteLater();
    }
    auto *s = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket = s;
    connect(s, &QWebSocket::connected, this, &EventSocket::onConnected);
    connect(s, &QWebSocket::disconnected, this, [this, s] { lost(s); });
    connect(s, &QWebSocket::stateChanged, this, [this, s](QAbstractSocket::SocketState st) {
        if (st == QAbstractSocket::UnconnectedState)
            lost(s); // a refused connection never says disconnected()
    });
    connect(s, &QWebSocket::textMessageReceived, this, &EventSocket::onMessage);
    connect(s, &QWebSocket::pong, this, [this] { m_awaitingPong = false; });

    QNetworkRequest request(webSocketUrl(m_baseUrl, m_framing));
    QWebSocketHandshakeOptions options;
    if (m_exact) {
        std::tie(request, options) = *m_exact;
    } else {
        if (!m_apiKey.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
        if (m_framing == Framing::Envelope)
            options.setSubprotocols({kSubprotocol});
    }
    m_clientId.clear();
    m_awaitingPong = false;
    setState(State::Connecting);
    m_connectTimeout.start();
    s->open(request, options);
}

void EventSocket::onConnected()
{
    if (m_framing == Framing::Events) {
        // No greeting in this framing: the upgrade is all there is.
        m_connectTimeout.stop();
        m_nextDelayMs = m_minDelayMs;
        m_attempt = 0;
        setState(State::Open);
        if (m_keepAlive.interval() > 0)
            m_keepAlive.start();
        Q_EMIT opened(QString());
        resubscribeAll();
    }
}

void EventSocket::lost(QWebSocket *s)
{
    if (!s || s != m_socket)
        return; // an old socket, or this loss was handled already
    // Qt reports 1000 for sockets that never opened; say abnormal, as a browser would.
    const int code = m_state == State::Open
                         ? int(s->closeCode())
                         : int(QWebSocketProtocol::CloseCodeAbnormalDisconnection);
    QString reason = s->closeReason();
    if (reason.isEmpty())
        reason = s->errorString();
    m_socket = nullptr;
    s->disconnect(this);
    s->deleteLater();
    m_connectTimeout.stop();
    m_keepAlive.stop();
    for (auto &sub : m_subs)
        sub.confirmed = false;
    qCInfo(lcClient).noquote() << "WebSocket closed:" << code << reason;
    Q_EMIT closed(code, reason);
    if (m_wanted && m_autoReconnect)
        scheduleReconnect();
    else
        setState(State::Closed);
}

void EventSocket::scheduleReconnect()
{
    ++m_attempt;
    const int delay = m_nextDelayMs;
    m_nextDelayMs = std::min(m_nextDelayMs * 2, m_maxDelayMs);
    setState(State::WaitingToReconnect);
    Q_EMIT reconnectScheduled(delay, m_attempt);
    m_reconnectTimer.start(delay);
}

void EventSocket::keepAlive()
{
    QWebSocket *s = m_socket;
    if (!s || !isOpen())
        return;
    if (m_awaitingPong) {
        // A peer that stopped answering (network gone without a FIN) is only found this way.
        qCInfo(lcClient) << "WebSocket: no pong within" << m_keepAlive.interval()
                         << "ms; reconnecting";
        s->abort();
        lost(s);
        return;
    }
    m_awaitingPong = true;
    s->ping();
}

void EventSocket::onMessage(const QString &text)
{
    ++m_stats.frames;
    Q_EMIT rawMessageReceived(text);
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        qCWarning(lcClient) << "WebSocket: not a JSON object:" << text.left(120);
        return;
    }
    const QJsonObject o = doc.object();
    const QString type = o.value(QLatin1String("type")).toString();
    QString sid = o.value(QLatin1String("sessionId")).toString();
    const QJsonValue payload = o.value(QLatin1String("payload"));
    if (type == QLatin1String("event") && payload.isObject()) {
        const QJsonObject event = payload.toObject();
        if (sid.isEmpty())
            sid = event.value(QLatin1String("sessionId")).toString();
        onEvent(sid, event);
    } else if (type == QLatin1String("subscription_confirmed")) {
        if (sid.isEmpty()) {
            m_clientId = payload.toObject().value(QLatin1String("clientId")).toString();
            m_connectTimeout.stop();
            m_nextDelayMs = m_minDelayMs;
            m_attempt = 0;
            setState(State::Open);
            if (m_keepAlive.interval() > 0)
                m_keepAlive.start();
            Q_EMIT opened(m_clientId);
            resubscribeAll();
        } else {
            if (auto it = m_subs.find(sid); it != m_subs.end())
                it->confirmed = true;
            Q_EMIT subscriptionConfirmed(sid);
        }
    } else if (type == QLatin1String("command")) {
        Q_EMIT commandReceived(sid, payload.toObject());
    } else if (type == QLatin1String("command_ack")) {
        Q_EMIT commandAcked(sid, payload.toObject());
    } else if (type == QLatin1String("pong")) {
        Q_EMIT pongReceived();
    } else if (type == QLatin1String("error")) {
        const QString message =
            payload.isString() ? payload.toString() : o.value(QLatin1String("message")).toString();
        qCInfo(lcClient).noquote() << "WebSocket: server error:" << message;
        Q_EMIT serverError(message);
    } else if (!sid.isEmpty() && !type.isEmpty()) {
        onEvent(sid, o); // the events framing: the frame is the stored event itself
    }
}

void EventSocket::onEvent(const QString &sessionId, const QJsonObject &event)
{
    const qint64 seq = event.value(QLatin1String("seq")).toInteger(0);
    auto it = m_subs.find(sessionId);
    if (it != m_subs.end() && seq > 0) {
        if (it->replay && !it->confirmed) {
            ++m_stats.heldBack;
            return;
        }
        if (it->lastSeq >= 0) {
            if (seq <= it->lastSeq) {
                ++m_stats.duplicates;
                return;
            }
            if (seq > it->lastSeq + 1) {
                ++m_stats.gaps;
                qCDebug(lcClient) << "WebSocket: seq gap in" << sessionId << it->lastSeq << "->"
                                  << seq;
            }
        }
        it->lastSeq = seq;
    }
    ++m_stats.events;
    Q_EMIT eventReceived(sessionId, seq, event);
}

void EventSocket::setReceiveAll(bool on)
{
    if (m_receiveAll == on)
        return;
    m_receiveAll = on;
    if (isOpen())
        sendJson({{QStringLiteral("type"),
                   on ? QStringLiteral("subscribe") : QStringLiteral("unsubscribe")},
                  {QStringLiteral("sessionId"), kAll}});
}

void EventSocket::subscribe(const QString &sessionId, qint64 afterSeq)
{
    Subscription &sub = m_subs[sessionId];
    sub.lastSeq = afterSeq >= 0 ? afterSeq : -1;
    sub.confirmed = false;
    sub.replay = false;
    if (isOpen())
        sendSubscribe(sessionId, sub);
}

void EventSocket::unsubscribe(const QString &sessionId)
{
    if (!m_subs.remove(sessionId))
        return;
    if (isOpen())
        sendJson({{QStringLiteral("type"), QStringLiteral("unsubscribe")},
                  {QStringLiteral("sessionId"), sessionId}});
}

qint64 EventSocket::lastSeq(const QString &sessionId) const
{
    const auto it = m_subs.constFind(sessionId);
    return it == m_subs.cend() ? -1 : it->lastSeq;
}

void EventSocket::sendSubscribe(const QString &sessionId, Subscription &sub)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("subscribe")},
                  {QStringLiteral("sessionId"), sessionId}};
    sub.replay = sub.lastSeq >= 0;
    sub.confirmed = false;
    if (sub.replay)
        o.insert(QStringLiteral("afterSeq"), sub.lastSeq);
    sendJson(o);
}

void EventSocket::resubscribeAll()
{
    // The tracked sessions first: their events then never come through "*" alone.
    for (auto it = m_subs.begin(); it != m_subs.end(); ++it)
        sendSubscribe(it.key(), it.value());
    if (m_receiveAll)
        sendJson({{QStringLiteral("type"), QStringLiteral("subscribe")},
                  {QStringLiteral("sessionId"), kAll}});
}

bool EventSocket::sendInput(const QString &sessionId, const QString &input, const QString &prompt)
{
    QJsonObject payload{{QStringLiteral("input"), input}};
    if (!prompt.isEmpty())
        payload.insert(QStringLiteral("prompt"), prompt);
    return sendJson({{QStringLiteral("type"), QStringLiteral("input")},
                     {QStringLiteral("sessionId"), sessionId},
                     {QStringLiteral("payload"), payload}});
}

bool EventSocket::sendPing()
{
    return sendJson({{QStringLiteral("type"), QStringLiteral("ping")}});
}

bool EventSocket::sendRaw(const QString &text)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return false;
    m_socket->sendTextMessage(text);
    return true;
}

bool EventSocket::sendJson(const QJsonObject &o)
{
    return sendRaw(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
}

} // namespace Afw

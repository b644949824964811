// SPDX-License-Identifier: MIT
// RedisStorage: construction, the connection and availability, commands and scripts,
// errors and record decoding. The operations are in sessions.cpp, events.cpp, queues.cpp
// and pubsub.cpp.
#include "redisstorage.h"

#include <QJsonDocument>

#include "internal.h"
#include "logging.h"

namespace Afw {

using Redis::Reply;

namespace RedisDetail {

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

namespace {
// The seq of bytes that end in `,"seq":N}`, or -1.
qint64 seqFromTail(const QByteArray &json)
{
    static constexpr char marker[] = ",\"seq\":";
    constexpr qsizetype markerLen = sizeof(marker) - 1;
    qsizetype i = json.size() - 1;
    if (i < 0 || json.at(i) != '}')
        return -1;
    const qsizetype end = i;
    while (i > 0 && json.at(i - 1) >= '0' && json.at(i - 1) <= '9')
        --i;
    const qsizetype digits = end - i;
    if (digits == 0 || digits > 18 || i < markerLen ||
        QByteArrayView(json.constData() + i - markerLen, markerLen) != QByteArrayView(marker))
        return -1;
    qint64 v = 0;
    for (qsizetype k = i; k < end; ++k)
        v = v * 10 + (json.at(k) - '0');
    return v;
}
} // namespace

qint64 seqOf(const QByteArray &json)
{
    const qint64 fast = seqFromTail(json);
    if (fast >= 0)
        return fast;
    // Another writer may have formed the bytes differently (seq not last, or absent).
    return QJsonDocument::fromJson(json).object().value(QLatin1String("seq")).toInteger(0);
}

} // namespace RedisDetail

Redis::Options RedisStorage::defaultOptions()
{
    Redis::Options o;
    o.connectTimeoutMs = 2000;
    o.commandTimeoutMs = 5000;
    o.reconnectMinMs = 50;
    o.reconnectMaxMs = 1000; // a server: come back within a second of Redis returning
    return o;
}

RedisStorage::RedisStorage(const Redis::RedisUrl &url, const QString &prefix,
                           const StorageLimits &limits, const Redis::Options &options,
                           QObject *parent)
    : Storage(parent), m_keys(prefix.toUtf8()), m_limits(limits)
{
    m_client = new Redis::Client(url, options, this);
    m_subscriber = new Redis::Subscriber(url, options, this);
    connect(m_client, &Redis::Connection::connected, this, &RedisStorage::onConnected);
    connect(m_client, &Redis::Connection::disconnected, this, [this](const QString &reason) {
        m_lastError = reason;
        updateAvailability();
    });
    connect(m_client, &Redis::Connection::errorOccurred, this,
            [this](const QString &message) { m_lastError = message; });
    connect(m_subscriber, &Redis::Connection::disconnected, this, [this](const QString &reason) {
        m_subscribed.clear();
        m_lastError = QStringLiteral("subscriber: ") + reason;
        updateAvailability();
    });
    connect(m_subscriber, &Redis::Subscriber::subscribed, this, [this](const QByteArray &channel) {
        m_subscribed.insert(channel);
        updateAvailability();
    });
    connect(m_subscriber, &Redis::Subscriber::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) {
                if (channel == m_keys.eventsChannel())
                    onEventMessage(payload);
                else if (channel == m_keys.commandsChannel())
                    onCommandMessage(payload);
            });
    m_subscriber->subscribe(m_keys.eventsChannel());
    m_subscriber->subscribe(m_keys.commandsChannel());
    m_client->start();
    m_subscriber->start();
}

RedisStorage::~RedisStorage()
{
    // Pending commands fail while the clients die; their callbacks must not start new work.
    m_dying = true;
    delete m_subscriber;
    m_subscriber = nullptr;
    delete m_client;
    m_client = nullptr;
}

QString RedisStorage::unavailableReason() const
{
    if (m_available)
        return {};
    const QString where = m_client->url().toDisplayString();
    if (m_lastError.isEmpty())
        return QStringLiteral("connecting to Redis at ") + where;
    return QStringLiteral("Redis at ") + where + QStringLiteral(" unreachable: ") + m_lastError;
}

void RedisStorage::updateAvailability()
{
    const bool now = m_client->isConnected() && m_subscribed.contains(m_keys.eventsChannel()) &&
                     m_subscribed.contains(m_keys.commandsChannel());
    if (now == m_available)
        return;
    m_available = now;
    if (now) {
        m_lastError.clear();
        qCInfo(lcStorage).noquote()
            << "Redis storage available at" << m_client->url().toDisplayString();
    } else {
        qCWarning(lcStorage).noquote() << "Redis storage unavailable:" << unavailableReason();
    }
}

void RedisStorage::onConnected()
{
    // Loaded before any EVALSHA of this connection (replies and commands are FIFO), so
    // NOSCRIPT only follows a SCRIPT FLUSH; eval() handles that too.
    for (const RedisScriptText &s : redisScripts()) {
        call({QByteArrayLiteral("SCRIPT"), QByteArrayLiteral("LOAD"), QByteArray(s.body)},
             [this](const Reply &r) { errorOf(r, "SCRIPT LOAD"); });
    }
    updateAvailability();
}

void RedisStorage::call(const QList<QByteArray> &args, Callback cb)
{
    if (m_dying || !m_client)
        return; // the callback dies with its promise, which then finishes (cancelled)
    m_client->command(args, this, std::move(cb));
}

void RedisStorage::eval(RedisScript script, const QList<QByteArray> &keys,
                        const QList<QByteArray> &argv, Callback cb)
{
    const RedisScriptText &s = redisScript(script);
    QList<QByteArray> args;
    args.reserve(3 + keys.size() + argv.size());
    args << QByteArrayLiteral("EVALSHA") << s.sha1 << RedisDetail::num(keys.size()) << keys << argv;
    call(args, [this, args, body = s.body, cb = std::move(cb)](const Reply &r) mutable {
        if (r.isError() && !r.isFailure() && r.str.startsWith("NOSCRIPT")) {
            args[0] = QByteArrayLiteral("EVAL");
            args[1] = QByteArray(body);
            call(args, std::move(cb));
            return;
        }
        cb(r);
    });
}

StorageError RedisStorage::errorOf(const Reply &reply, const char *op) const
{
    if (reply.isFailure()) {
        const auto code = reply.failure == Reply::Failure::Timeout ? StorageError::Timeout
                                                                   : StorageError::Unavailable;
        return {code, reply.errorMessage()};
    }
    if (reply.isError()) {
        qCWarning(lcStorage).noquote() << op << "failed:" << reply.errorMessage();
        return {StorageError::RedisError, reply.errorMessage()};
    }
    return {};
}

std::optional<Session> RedisStorage::decodeSession(const QByteArray &bytes, const QString &id) const
{
    auto s = Session::fromJson(QJsonDocument::fromJson(bytes).object());
    if (!s)
        qCWarning(lcStorage) << "corrupt session record" << m_keys.session(id);
    return s;
}

QList<Chain> RedisStorage::decodeChains(const QList<Reply> &list, const QString &sessionId) const
{
    QList<Chain> out;
    for (const Reply &c : list) {
        if (auto chain = Chain::fromJson(QJsonDocument::fromJson(c.str).object()))
            out.append(std::move(*chain));
        else
            qCWarning(lcStorage) << "skipping corrupt chain in" << m_keys.chains(sessionId);
    }
    return out;
}

} // namespace Afw

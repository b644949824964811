// SPDX-License-Identifier: MIT
#include "redissubscriber.h"

#include <vector>

#include <hiredis/async.h>

#include "redislog.h"

namespace Afw::Redis {

// Callbacks find their Subscriber through ac->data (cleared when we give a context up),
// never through privdata: hiredis keeps subscription callbacks for the connection's life.

Subscriber::Subscriber(const RedisUrl &url, const Options &options, QObject *parent)
    : Connection(url, options, parent)
{
}

Subscriber::~Subscriber()
{
    shutdown();
}

void Subscriber::subscribe(const QByteArray &channel)
{
    if (channel.isEmpty() || m_channels.contains(channel))
        return;
    m_channels.append(channel);
    if (isConnected())
        sendSubscribe({channel});
}

void Subscriber::contextCreated(redisAsyncContext *ac)
{
    // A regular command first, before the context enters subscribed mode: AUTH if needed,
    // else PING to prove the server answers.
    const RedisUrl &u = url();
    QList<QByteArray> args;
    if (u.password.isEmpty())
        args = {QByteArrayLiteral("PING")};
    else if (u.username.isEmpty())
        args = {QByteArrayLiteral("AUTH"), u.password};
    else
        args = {QByteArrayLiteral("AUTH"), u.username, u.password};
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        argvlen.push_back(size_t(arg.size()));
    }
    redisAsyncCommandArgv(ac, &Subscriber::onHandshake, nullptr, int(argv.size()), argv.data(),
                          argvlen.data());
}

void Subscriber::contextLost(Reply::Failure, const QString &)
{
    // Nothing pending to fail: subscriptions are replayed on the next connection.
}

void Subscriber::sendSubscribe(const QList<QByteArray> &channels)
{
    redisAsyncContext *ac = context();
    if (!ac || channels.isEmpty())
        return;
    std::vector<const char *> argv{"SUBSCRIBE"};
    std::vector<size_t> argvlen{9};
    for (const QByteArray &channel : channels) {
        argv.push_back(channel.constData());
        argvlen.push_back(size_t(channel.size()));
    }
    redisAsyncCommandArgv(ac, &Subscriber::onSubscription, nullptr, int(argv.size()), argv.data(),
                          argvlen.data());
}

void Subscriber::onHandshake(redisAsyncContext *ac, void *r, void *)
{
    auto *self = static_cast<Subscriber *>(owner(ac));
    if (!self || !r)
        return; // a NULL reply means the context is being freed; onDisconnect reports it
    const Reply reply = Reply::fromHiredis(static_cast<const redisReply *>(r));
    if (reply.isError()) {
        const QString message
            = QStringLiteral("subscriber handshake failed: ") + reply.errorMessage();
        qCDebug(lcRedis).noquote() << self->url().toDisplayString() << message;
        Q_EMIT self->errorOccurred(message);
        self->dropConnection(Reply::Failure::Disconnected, message);
        return;
    }
    // Subscribe before reporting connected: a slot calling subscribe() then adds only its own.
    self->sendSubscribe(self->m_channels);
    self->handshakeDone();
}

void Subscriber::onSubscription(redisAsyncContext *ac, void *r, void *)
{
    auto *self = static_cast<Subscriber *>(owner(ac));
    if (!self || !r)
        return;
    const auto *reply = static_cast<const redisReply *>(r);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
        return;
    const redisReply *kind = reply->element[0];
    const redisReply *channel = reply->element[1];
    if (kind->type != REDIS_REPLY_STRING || channel->type != REDIS_REPLY_STRING)
        return;
    const QByteArray kindName(kind->str, qsizetype(kind->len));
    const QByteArray channelName(channel->str, qsizetype(channel->len));
    if (kindName == "message" && reply->elements >= 3) {
        const redisReply *payload = reply->element[2];
        Q_EMIT self->message(channelName, QByteArray(payload->str, qsizetype(payload->len)));
    } else if (kindName == "subscribe") {
        qCDebug(lcRedis) << "subscribed to" << channelName;
        Q_EMIT self->subscribed(channelName);
    }
}

} // namespace Afw::Redis

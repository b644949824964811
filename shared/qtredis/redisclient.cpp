// SPDX-License-Identifier: MIT
#include "redisclient.h"

#include <memory>
#include <vector>

#include <hiredis/async.h>

#include <QPromise>

#include "redislog.h"

namespace Afw::Redis {

struct Client::Pending
{
    Client *client = nullptr;
    std::shared_ptr<QPromise<Reply>> promise;
    std::function<void(const Reply &)> callback;
    QPointer<QObject> context;
    bool hasContext = false;
    bool done = false; // completed early (failure); hiredis still owns the object
    qint64 sentAtMs = 0;
};

namespace {

std::shared_ptr<QPromise<Reply>> newPromise()
{
    auto promise = std::make_shared<QPromise<Reply>>();
    promise->start();
    return promise;
}

QFuture<Reply> readyFuture(const Reply &reply)
{
    QPromise<Reply> promise;
    promise.start();
    promise.addResult(reply);
    promise.finish();
    return promise.future();
}

// Pub/sub and MONITOR change how hiredis routes replies and would call back more than once.
bool isStreamingCommand(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    return lower == "subscribe" || lower == "psubscribe" || lower == "unsubscribe"
           || lower == "punsubscribe" || lower == "monitor";
}

} // namespace

Client::Client(const RedisUrl &url, const Options &options, QObject *parent)
    : Connection(url, options, parent)
{
    m_watchdog.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, &Client::checkTimeout);
}

Client::~Client()
{
    shutdown(); // fails what is pending while this object is still whole
}

QFuture<Reply> Client::command(const QList<QByteArray> &args)
{
    auto *pending = new Pending;
    pending->promise = newPromise();
    QFuture<Reply> future = pending->promise->future();
    send(args, pending);
    return future;
}

void Client::command(const QList<QByteArray> &args, QObject *context,
                     std::function<void(const Reply &)> callback)
{
    auto *pending = new Pending;
    pending->callback = std::move(callback);
    pending->context = context;
    pending->hasContext = context != nullptr;
    send(args, pending);
}

QFuture<Reply> Client::transaction(const QList<QList<QByteArray>> &commands)
{
    if (!isConnected())
        return readyFuture(Reply::makeFailure(Reply::Failure::NotConnected,
                                              QStringLiteral("not connected to Redis")));
    struct State
    {
        std::shared_ptr<QPromise<Reply>> promise = newPromise();
        std::optional<Reply> firstError;
    };
    auto state = std::make_shared<State>();
    auto collect = [state](const Reply &reply) {
        if (reply.isError() && !state->firstError)
            state->firstError = reply;
    };
    auto queue = [this](const QList<QByteArray> &args, std::function<void(const Reply &)> cb) {
        auto *pending = new Pending;
        pending->callback = std::move(cb);
        send(args, pending);
    };
    // All sent in one go, so nothing else can slip between MULTI and EXEC.
    queue({QByteArrayLiteral("MULTI")}, collect);
    for (const QList<QByteArray> &args : commands)
        queue(args, collect);
    queue({QByteArrayLiteral("EXEC")}, [state](const Reply &reply) {
        state->promise->addResult(state->firstError ? *state->firstError : reply);
        state->promise->finish();
    });
    return state->promise->future();
}

void Client::send(const QList<QByteArray> &args, Pending *pending, bool handshake)
{
    if (args.isEmpty()) {
        failLater(pending, Reply::makeError(QByteArrayLiteral("ERR empty command")));
        return;
    }
    if (isStreamingCommand(args.first())) {
        failLater(pending,
            Reply::makeError(QByteArrayLiteral(
                "ERR pub/sub and MONITOR are not supported by Client; use Subscriber")));
        return;
    }
    redisAsyncContext *ac = context();
    // Only the handshake may go out before the connection is reported up.
    if (!ac || (!isConnected() && !handshake)) {
        failLater(pending, Reply::makeFailure(Reply::Failure::NotConnected,
                                              QStringLiteral("not connected to Redis")));
        return;
    }
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    argv.reserve(size_t(args.size()));
    argvlen.reserve(size_t(args.size()));
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        argvlen.push_back(size_t(arg.size()));
    }
    pending->client = this;
    pending->sentAtMs = now();
    if (redisAsyncCommandArgv(ac, &Client::onReply, pending, int(argv.size()), argv.data(),
                              argvlen.data())
        != REDIS_OK) {
        failLater(pending, Reply::makeFailure(Reply::Failure::Disconnected,
                                              QStringLiteral("connection is closing")));
        return;
    }
    m_pending.push_back(pending);
    if (isConnected() && !m_watchdog.isActive())
        m_watchdog.start(options().commandTimeoutMs);
}

void Client::failLater(Pending *pending, const Reply &reply)
{
    std::unique_ptr<Pending> owned(pending);
    if (owned->promise) { // futures: already finished when command() returns
        complete(*owned, reply);
        return;
    }
    if (!owned->callback)
        return;
    QObject *receiver = owned->hasContext ? owned->context.data() : this;
    if (!receiver)
        return;
    QTimer::singleShot(
        0, receiver, [callback = std::move(owned->callback), reply] { callback(reply); });
}

void Client::complete(Pending &pending, const Reply &reply)
{
    pending.done = true;
    if (pending.promise) {
        pending.promise->addResult(reply);
        pending.promise->finish();
    }
    if (pending.callback && (!pending.hasContext || pending.context))
        pending.callback(reply);
}

void Client::onReply(redisAsyncContext *ac, void *reply, void *privdata)
{
    std::unique_ptr<Pending> pending(static_cast<Pending *>(privdata));
    if (pending->done)
        return;
    Client *self = pending->client;
    if (!reply) {
        // hiredis is freeing the context: report the loss now, which fails everything pending
        // (this one included) before any user code could try to use the dying context.
        self->contextFreedByHiredis(ac);
        if (!pending->done)
            complete(*pending, Reply::makeFailure(Reply::Failure::Disconnected,
                                                  QStringLiteral("connection lost")));
        return;
    }
    Q_ASSERT(!self->m_pending.empty() && self->m_pending.front() == pending.get());
    self->m_pending.pop_front();
    complete(*pending, Reply::fromHiredis(static_cast<const redisReply *>(reply)));
}

void Client::contextCreated(redisAsyncContext *)
{
    // Queued before the socket is even connected; hiredis sends them first. The last reply
    // of the handshake decides. The handshake is covered by the connect time-out.
    const RedisUrl &u = url();
    QList<QList<QByteArray>> handshake;
    if (!u.password.isEmpty()) {
        if (u.username.isEmpty())
            handshake.append({QByteArrayLiteral("AUTH"), u.password});
        else
            handshake.append({QByteArrayLiteral("AUTH"), u.username, u.password});
    }
    if (u.db != 0)
        handshake.append({QByteArrayLiteral("SELECT"), QByteArray::number(u.db)});
    if (handshake.isEmpty()) // still prove the server answers before reporting connected
        handshake.append({QByteArrayLiteral("PING")});

    auto failed = std::make_shared<bool>(false); // after a refused AUTH, SELECT fails too
    for (qsizetype i = 0; i < handshake.size(); ++i) {
        const bool last = i == handshake.size() - 1;
        const QByteArray name = handshake.at(i).first();
        auto *pending = new Pending;
        pending->callback = [this, name, last, failed](const Reply &reply) {
            if (reply.isFailure() || *failed)
                return; // the loss is already being reported
            if (reply.isError()) {
                *failed = true;
                const QString message = QString::fromLatin1(name) + QStringLiteral(" failed: ")
                                        + reply.errorMessage();
                qCDebug(lcRedis).noquote()
                    << url().toDisplayString() << message; // loseContext() warns once
                Q_EMIT errorOccurred(message);
                dropConnection(Reply::Failure::Disconnected, message);
                return;
            }
            if (last)
                handshakeDone();
        };
        send(handshake.at(i), pending, true);
    }
}

void Client::contextLost(Reply::Failure failure, const QString &reason)
{
    m_watchdog.stop();
    const std::deque<Pending *> pending = std::move(m_pending);
    m_pending.clear();
    const Reply reply = Reply::makeFailure(failure, reason);
    for (Pending *p : pending) {
        if (!p->done)
            complete(*p, reply);
    }
}

void Client::checkTimeout()
{
    if (m_pending.empty() || !isConnected())
        return;
    const qint64 age = now() - m_pending.front()->sentAtMs;
    const int timeout = options().commandTimeoutMs;
    if (age < timeout) {
        m_watchdog.start(int(timeout - age));
        return;
    }
    const QString message = QStringLiteral("no reply from Redis within %1 ms (%2 commands pending)")
                                .arg(timeout)
                                .arg(m_pending.size());
    qCWarning(lcRedis).noquote() << message << "- reconnecting";
    Q_EMIT errorOccurred(message);
    dropConnection(Reply::Failure::Timeout, message);
}

} // namespace Afw::Redis

// SPDX-License-Identifier: MIT
// The queues agents poll on Redis: commands and input (queued with a publish, drained
// atomically), and command acks (published only).
#include "redisstorage.h"

#include <QJsonArray>
#include <QJsonDocument>

#include "internal.h"

namespace Afw {

using Redis::Reply;
using namespace RedisDetail;

QByteArray RedisStorage::queueKey(Queue queue, const QString &sessionId) const
{
    return queue == Queue::Commands ? m_keys.commands(sessionId) : m_keys.input(sessionId);
}

QFuture<Result<bool>> RedisStorage::enqueue(const QString &sessionId, Queue queue,
                                            const QByteArray &json, const QString &commandId)
{
    return run<bool>([&](Promise<bool> p) {
        const QByteArray kind = queue == Queue::Commands ? "command" : "input";
        const QByteArray message = QByteArray(R"({"kind":")") + kind + R"(","sessionId":")" +
                                   sessionId.toUtf8() + R"(","payload":)" + json + '}';
        QList<QByteArray> keys{m_keys.session(sessionId), queueKey(queue, sessionId)};
        QList<QByteArray> argv{json, num(m_limits.queueTtlMs), m_keys.commandsChannel(), message};
        if (!commandId.isEmpty()) { // remembered for the ack, which names only the command
            keys << m_keys.command(commandId);
            argv << sessionId.toUtf8() << num(m_limits.sessionTtlMs);
        }
        eval(RedisScript::Enqueue, keys, argv, [this, p](const Reply &r) {
            if (p.failedWith(errorOf(r, "enqueue")))
                return;
            if (r.integer == 0)
                return p.fail({StorageError::NotFound, {}});
            p.ok(true);
        });
    });
}

QFuture<Result<bool>> RedisStorage::queueCommand(const QString &sessionId, const Command &c)
{
    return enqueue(sessionId, Queue::Commands, compact(c.toJson()), c.id);
}

QFuture<Result<bool>> RedisStorage::queueInput(const QString &sessionId, const Input &input)
{
    return enqueue(sessionId, Queue::Input, compact(input.toJson()), {});
}

QFuture<Result<QList<QByteArray>>> RedisStorage::take(const QString &sessionId, Queue queue,
                                                      bool peek)
{
    return run<QList<QByteArray>>([&](Promise<QList<QByteArray>> p) {
        auto done = [this, p](const Reply &r) {
            if (p.failedWith(errorOf(r, "takeQueue")))
                return;
            QList<QByteArray> out;
            out.reserve(r.elements.size());
            for (const Reply &e : r.elements)
                out.append(e.str);
            p.ok(std::move(out));
        };
        const QByteArray key = queueKey(queue, sessionId);
        if (peek)
            call({QByteArrayLiteral("LRANGE"), key, "0", "-1"}, done);
        else
            eval(RedisScript::Drain, {key}, {}, done);
    });
}

QFuture<Result<QList<QByteArray>>> RedisStorage::takeCommands(const QString &sessionId, bool peek)
{
    return take(sessionId, Queue::Commands, peek);
}

QFuture<Result<QList<QByteArray>>> RedisStorage::takeInput(const QString &sessionId, bool peek)
{
    return take(sessionId, Queue::Input, peek);
}

QFuture<Result<bool>> RedisStorage::ackCommand(const QString &commandId, const QJsonObject &ack)
{
    return run<bool>([&](Promise<bool> p) {
        // The id as a JSON string: the script splices it into the message.
        const QByteArray quotedId = QJsonDocument(QJsonArray{commandId})
                                        .toJson(QJsonDocument::Compact)
                                        .sliced(1)
                                        .chopped(1);
        eval(RedisScript::Ack, {m_keys.command(commandId)},
             {m_keys.commandsChannel(), quotedId, compact(ack)}, [this, p](const Reply &r) {
                 if (!p.failedWith(errorOf(r, "ackCommand")))
                     p.ok(true);
             });
    });
}

} // namespace Afw

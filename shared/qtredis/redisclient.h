// SPDX-License-Identifier: MIT
#pragma once

#include <deque>
#include <functional>

#include <QFuture>
#include <QList>
#include <QPointer>

#include "redisconnection.h"

namespace Afw::Redis {

/**
 * Pipelining command client over one hiredis async connection.
 *
 * Commands are sent at once and answered in FIFO order. A command issued while not
 * connected fails at once with Reply::Failure::NotConnected (never queued). When the
 * connection drops every pending command fails with Failure::Disconnected; when the oldest
 * pending command waits longer than Options::commandTimeoutMs all pending commands fail
 * with Failure::Timeout and the connection is re-established. Every command completes
 * exactly once. Main thread only.
 */
class Client : public Connection
{
    Q_OBJECT

public:
    explicit Client(const RedisUrl &url, const Options &options = {}, QObject *parent = nullptr);
    ~Client() override;

    /** Binary-safe command ("SET", key, value). The future always gets exactly one Reply. */
    QFuture<Reply> command(const QList<QByteArray> &args);

    /**
     * Calls @p callback with the reply on the main thread, unless @p context (if given) was
     * destroyed meanwhile. Immediate failures are delivered from the event loop, never from
     * inside this call.
     */
    void command(const QList<QByteArray> &args, QObject *context,
                 std::function<void(const Reply &)> callback);

    /** MULTI, @p commands, EXEC: the EXEC reply (an array), or the first error or failure. */
    QFuture<Reply> transaction(const QList<QList<QByteArray>> &commands);

    /** Commands sent and not answered yet (handshake included). */
    int pendingCount() const { return int(m_pending.size()); }

protected:
    void contextCreated(redisAsyncContext *ac) override;
    void contextLost(Reply::Failure failure, const QString &reason) override;

private:
    struct Pending;

    void send(const QList<QByteArray> &args, Pending *pending, bool handshake = false);
    void failLater(Pending *pending, const Reply &reply);
    void checkTimeout();
    static void complete(Pending &pending, const Reply &reply);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);

    std::deque<Pending *> m_pending; // owned by hiredis (freed in onReply)
    QTimer m_watchdog;
};

} // namespace Afw::Redis

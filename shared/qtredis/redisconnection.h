// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include "redisreply.h"
#include "redisurl.h"

struct redisAsyncContext;
class QSocketNotifier;

namespace Afw::Redis {

struct Options
{
    int connectTimeoutMs = 2000; // TCP connect + AUTH/SELECT handshake
    int commandTimeoutMs = 5000; // oldest pending command; blocking commands count too
    int reconnectMinMs = 100;    // back-off doubles from min to max, reset once connected
    int reconnectMaxMs = 5000;
};

/**
 * One hiredis async connection driven by the Qt event loop (main thread only), with
 * connect time-out and endless reconnects. Base of Client and Subscriber.
 *
 * Do not delete a connection synchronously from one of its own callbacks or slots
 * connected to its signals; use deleteLater().
 */
class Connection : public QObject
{
    Q_OBJECT

public:
    ~Connection() override;

    /** Connects, then reconnects after every loss until destroyed. Idempotent. */
    void start();
    /** True once the handshake (AUTH, SELECT) succeeded, until the connection drops. */
    bool isConnected() const { return m_state == State::Connected; }
    const RedisUrl &url() const { return m_url; }
    const Options &options() const { return m_options; }

Q_SIGNALS:
    void connected();
    void disconnected(const QString &reason);
    /** AUTH/SELECT refused, time-outs; the connection is dropped and retried. */
    void errorOccurred(const QString &message);

protected:
    Connection(const RedisUrl &url, const Options &options, QObject *parent);

    /** A new context exists (socket not connected yet): queue the handshake on it. */
    virtual void contextCreated(redisAsyncContext *ac) = 0;
    /** The context is gone or being freed: never touch it again. Called once per context. */
    virtual void contextLost(Reply::Failure failure, const QString &reason) = 0;

    /** The live context, null while disconnected. */
    redisAsyncContext *context() const { return m_ac; }
    /** The connection whose context @p ac is, or null if it was given up. */
    static Connection *owner(const redisAsyncContext *ac);
    /** Handshake succeeded: report connected. */
    void handshakeDone();
    /** Safe anywhere, also inside hiredis callbacks (then deferred). */
    void dropConnection(Reply::Failure failure, const QString &reason);
    /** hiredis is freeing @p ac on its own (NULL replies): report it now. */
    void contextFreedByHiredis(const redisAsyncContext *ac);
    /** Frees the context without reconnecting; derived destructors call it first. */
    void shutdown();
    /** Milliseconds on a monotonic clock, for time-outs. */
    qint64 now() const { return m_clock.elapsed(); }

private:
    enum class State { Idle, Connecting, Connected };

    void openContext();
    void loseContext(Reply::Failure failure, const QString &reason);
    void freeContext(Reply::Failure failure, const QString &reason);
    void scheduleReconnect();
    void releaseNotifiers();
    static QString contextError(const redisAsyncContext *ac);

    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void evAddRead(void *data);
    static void evDelRead(void *data);
    static void evAddWrite(void *data);
    static void evDelWrite(void *data);
    static void evCleanup(void *data);

    RedisUrl m_url;
    Options m_options;
    State m_state = State::Idle;
    bool m_started = false;
    bool m_shuttingDown = false;
    redisAsyncContext *m_ac = nullptr;
    quint64 m_generation = 0;
    int m_dispatchDepth = 0;
    int m_backoffMs = 0;
    int m_failedAttempts = 0;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    QElapsedTimer m_clock;
};

} // namespace Afw::Redis

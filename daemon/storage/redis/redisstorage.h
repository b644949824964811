// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QSet>

#include <functional>
#include <memory>
#include <optional>

#include "keys.h"
#include "redisclient.h"
#include "redissubscriber.h"
#include "scripts.h"
#include "storage/storage.h"

namespace Afw {

/**
 * The storage contract on Redis, in the key layout of shared/API.md (keys.h), so several
 * daemons (and the Node original) can share one server.
 *
 * Where things are: this class and redisstorage.cpp (connection, availability, commands and
 * scripts, errors); sessions.cpp (records, listing, TTLs); events.cpp (the event write path,
 * reads, the kept folds); queues.cpp (commands, input, acks); pubsub.cpp (what the two
 * channels deliver); keys.h (every key name); scripts.cpp (the Lua).
 *
 * chains() keeps the last folds (at most kMaxFolds) in this instance and extends them with
 * the newer events only (the foldDelta script checks the fold still matches what is stored).
 * Stored chains (`chains:<id>`) are written only by the Node original; they are merged into
 * the fold, and deleteSession removes them.
 * Pub/sub: `<prefix>events` carries `{"sessionId","event","timestamp"}`; `<prefix>commands`
 * carries `{"kind":"command"|"input"|"ack","sessionId",["commandId",]"payload"}`.
 *
 * eventAdded, commandQueued, commandAcked and inputQueued come from the subscription only,
 * for writes of any instance, this one included: each fires exactly once per write.
 * sessionChanged is local.
 *
 * Available while the command connection is up and both channels are subscribed (an event
 * stored while the subscription is down would never be broadcast). While unavailable every
 * operation finishes at once with StorageError::Unavailable. Every future finishes.
 * Main thread only.
 */
class RedisStorage final : public Storage
{
    Q_OBJECT
public:
    /** Starts connecting at once; reconnects by itself for as long as it lives. */
    RedisStorage(const Redis::RedisUrl &url, const QString &prefix, const StorageLimits &limits,
                 const Redis::Options &options = defaultOptions(), QObject *parent = nullptr);
    ~RedisStorage() override;

    static Redis::Options defaultOptions();

    QString backendName() const override { return QStringLiteral("redis"); }
    bool isAvailable() const override { return m_available; }
    QString unavailableReason() const override;

    QFuture<Result<CreatedSession>> createSession(const Session &session) override;
    QFuture<Result<Session>> getSession(const QString &id) override;
    QFuture<Result<Session>> updateSession(const QString &id, const SessionUpdate &u) override;
    QFuture<Result<bool>> deleteSession(const QString &id) override;
    QFuture<Result<QList<SessionRow>>> listSessions(const SessionFilter &filter) override;

    QFuture<Result<AddedEvent>> addEvent(const IncomingEvent &event) override;
    QFuture<Result<int>> addEvents(const QList<IncomingEvent> &events) override;
    // StoredEvent::timestampMs is filled only when the query filters on time.
    QFuture<Result<QList<StoredEvent>>> events(const QString &sessionId,
                                               const EventQuery &query) override;
    QFuture<Result<ChainFold>> chains(const QString &sessionId) override;

    QFuture<Result<bool>> queueCommand(const QString &sessionId, const Command &c) override;
    QFuture<Result<QList<QByteArray>>> takeCommands(const QString &sessionId, bool peek) override;
    QFuture<Result<bool>> ackCommand(const QString &commandId, const QJsonObject &ack) override;
    QFuture<Result<bool>> queueInput(const QString &sessionId, const Input &input) override;
    QFuture<Result<QList<QByteArray>>> takeInput(const QString &sessionId, bool peek) override;

    QFuture<Result<TtlInfo>> ttl(const QString &sessionId) override;

private:
    static constexpr qsizetype kMaxFolds = 2048;
    // Compare-and-set attempts of a session edit before it gives up (concurrent writers).
    static constexpr int kCasAttempts = 8;
    using Callback = std::function<void(const Redis::Reply &)>;
    template <typename T> using Done = std::function<void(Result<T>)>;
    using SessionEdit = std::function<bool(Session &)>; // false: nothing to write
    enum class Queue { Commands, Input };

    // What every public operation does first: while unavailable its future finishes at once
    // with Unavailable; else `start` gets the promise the operation finishes (internal.h).
    template <typename T, typename Start> QFuture<Result<T>> run(Start &&start);
    void call(const QList<QByteArray> &args, Callback cb);
    void eval(RedisScript script, const QList<QByteArray> &keys, const QList<QByteArray> &argv,
              Callback cb);
    // The StorageError of a reply (code None for a good reply); logs server errors.
    StorageError errorOf(const Redis::Reply &reply, const char *op) const;
    // A stored session record, or nullopt (logged) when it does not parse.
    std::optional<Session> decodeSession(const QByteArray &bytes, const QString &id) const;
    QList<Chain> decodeChains(const QList<Redis::Reply> &list, const QString &sessionId) const;

    void updateAvailability();
    void onConnected();
    void onEventMessage(const QByteArray &payload);
    void onCommandMessage(const QByteArray &payload);

    // Read-modify-write of a session record with compare-and-set, retried on conflicts.
    void editSession(const QString &id, SessionEdit edit, const char *op, Done<Session> done,
                     int attemptsLeft = kCasAttempts);
    void casSession(const QString &id, const QByteArray &current, SessionEdit edit, const char *op,
                    Done<Session> done, int attemptsLeft = kCasAttempts);
    void listPage(const SessionFilter &filter, qint64 start,
                  std::shared_ptr<QList<SessionRow>> rows, Done<QList<SessionRow>> done);
    void addOne(const IncomingEvent &event, Done<AddedEvent> done);
    void foldChains(const QString &sessionId, Done<ChainFold> done);
    void foldRows(std::shared_ptr<QList<SessionRow>> rows, Done<QList<SessionRow>> done);
    QFuture<Result<bool>> enqueue(const QString &sessionId, Queue queue, const QByteArray &json,
                                  const QString &commandId);
    QFuture<Result<QList<QByteArray>>> take(const QString &sessionId, Queue queue, bool peek);
    QByteArray queueKey(Queue queue, const QString &sessionId) const;

    RedisKeys m_keys;
    StorageLimits m_limits;
    Redis::Client *m_client = nullptr;
    Redis::Subscriber *m_subscriber = nullptr;
    QSet<QByteArray> m_subscribed;
    QHash<QString, std::shared_ptr<FoldState>> m_folds; // chains(): kept folds by session id
    bool m_available = false;
    bool m_dying = false;
    QString m_lastError;
};

} // namespace Afw

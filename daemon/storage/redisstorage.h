// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QPromise>
#include <QSet>

#include <functional>
#include <memory>

#include "redisclient.h"
#include "redissubscriber.h"
#include "storage.h"

namespace Afw {

/**
 * The storage contract on Redis, in the key layout of shared/API.md ("Redis layout"),
 * so several daemons (and the Node original) can share one server.
 *
 * Key beyond API.md: `<prefix>command:<commandId>` string with the session TTL, the command's
 * session id (acks name their session); deleteSession leaves these to expire, it cannot list
 * them cheaply. (Versions before API v1.1 also kept `<prefix>chainids:<id>` sets for the
 * listing's chainsCount; that now comes from the fold, the set is no longer written and
 * deleteSession still removes one an older version left.)
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

    QByteArray key(const char *part, const QString &id) const;
    QByteArray eventsChannel() const { return m_prefix + "events"; }
    QByteArray commandsChannel() const { return m_prefix + "commands"; }

private:
    struct Script
    {
        const char *body = nullptr;
        QByteArray sha; // EVALSHA first; EVAL when the server answers NOSCRIPT
    };
    struct Scripts
    {
        Script addEvent, createSession, casSession, deleteSession, listPage, enqueue,
            drain, ack, ttl, eventsAfter, foldDelta;
    };
    static constexpr qsizetype kMaxFolds = 2048;
    using Callback = std::function<void(const Redis::Reply &)>;
    using SessionEdit = std::function<bool(Session &)>; // false: nothing to write
    using SessionDone = std::function<void(Result<Session>)>;

    void call(const QList<QByteArray> &args, Callback cb);
    void eval(const Script &script, const QList<QByteArray> &keys, const QList<QByteArray> &argv,
              Callback cb);
    // The StorageError of a reply (code None for a good reply); logs server errors.
    StorageError errorOf(const Redis::Reply &reply, const char *op) const;
    template <typename T>
    QFuture<Result<T>> unavailable() const;

    void updateAvailability();
    void onConnected();
    void onEventMessage(const QByteArray &payload);
    void onCommandMessage(const QByteArray &payload);

    // Read-modify-write of a session record with compare-and-set, retried on conflicts.
    void editSession(const QString &id, SessionEdit edit, const char *op, SessionDone done,
                     int attemptsLeft);
    void casSession(const QString &id, const QByteArray &current, SessionEdit edit,
                    const char *op, SessionDone done, int attemptsLeft);
    void listPage(const SessionFilter &filter, qint64 start,
                  std::shared_ptr<QList<SessionRow>> rows,
                  std::function<void(Result<QList<SessionRow>>)> done);
    void addOne(const IncomingEvent &event, std::function<void(Result<AddedEvent>)> done);
    void foldChains(const QString &sessionId, std::function<void(Result<ChainFold>)> done);
    void foldRows(std::shared_ptr<QList<SessionRow>> rows,
                  std::function<void(Result<QList<SessionRow>>)> done);
    QFuture<Result<bool>> enqueue(const QString &sessionId, const char *part,
                                  const QByteArray &json, const char *kind, const QString &commandId);
    QFuture<Result<QList<QByteArray>>> take(const QString &sessionId, const char *part, bool peek);

    QByteArray m_prefix;
    StorageLimits m_limits;
    Scripts m_scripts;
    Redis::Client *m_client = nullptr;
    Redis::Subscriber *m_subscriber = nullptr;
    QSet<QByteArray> m_subscribed;
    QHash<QString, std::shared_ptr<FoldState>> m_folds; // chains(): kept folds by session id
    bool m_available = false;
    bool m_dying = false;
    QString m_lastError;
};

} // namespace Afw

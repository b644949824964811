// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QFuture>
#include <QList>
#include <QObject>
#include <QString>

#include <optional>

#include "event.h"
#include "fold.h"
#include "models.h"

namespace Afw {

struct StorageError
{
    enum Code { None, Unavailable, Timeout, NotFound, BadData, RedisError };
    Code code = None;
    QString message;
};

template <typename T>
struct Result
{
    T value{};
    StorageError error;

    bool ok() const { return error.code == StorageError::None; }
    static Result fail(StorageError::Code code, QString message = {})
    {
        Result r;
        r.error = {code, std::move(message)};
        return r;
    }
};

struct StorageLimits
{
    qint64 sessionTtlMs = qint64(24) * 3600 * 1000; // sessions, events, chains, seq
    qint64 queueTtlMs = qint64(5) * 60 * 1000;      // commands, input
    int maxEventsPerSession = 10000;
};

struct SessionFilter
{
    QString status;
    QString user;
    int limit = 100;
    bool withChains = true; // fold each row's chains (chainsCount, currentChain)
    int offset = 0; // matching rows skipped first, in the same order: pages past `limit`
};

struct SessionRow
{
    Session session;
    // Filled when SessionFilter::withChains: the same chains as chains(id) gives.
    int chainsCount = 0;
    std::optional<Chain> currentChain;
};

struct SessionUpdate
{
    std::optional<Status> status;
    std::optional<QString> summary;
    std::optional<QString> endReason;

    void applyTo(Session &s, qint64 nowMs) const
    {
        if (status)
            s.setStatus(*status, nowMs);
        if (summary)
            s.summary = *summary;
        if (endReason)
            s.endReason = *endReason;
    }
};

struct CreatedSession
{
    Session session;
    bool created = false; // false: the id existed, session returned unchanged
};

struct EventQuery
{
    std::optional<qint64> afterSeq;
    std::optional<qint64> sinceMs;
    int limit = -1;         // -1: all
    bool lastN = false;     // the last `limit` matching events (recent), not the first
};

struct AddedEvent
{
    QString eventId;
    qint64 seq = 0;
};

// Seconds left per stored part, Redis semantics: -2 absent, -1 no expiry.
struct TtlInfo
{
    qint64 session = -2, events = -2, chains = -2, commands = -2, input = -2;
};

// The storage contract. Operations are asynchronous (Redis is remote); the memory
// backend returns ready futures, so callers never know which backend they run on.
// With Redis, eventAdded fires for events that any instance stored, so one code
// path broadcasts for local and remote events alike.
class Storage : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual QString backendName() const = 0;
    virtual bool isAvailable() const = 0;
    virtual QString unavailableReason() const { return {}; }

    virtual QFuture<Result<CreatedSession>> createSession(const Session &session) = 0;
    virtual QFuture<Result<Session>> getSession(const QString &id) = 0; // NotFound if absent
    virtual QFuture<Result<Session>> updateSession(const QString &id, const SessionUpdate &u) = 0;
    virtual QFuture<Result<bool>> deleteSession(const QString &id) = 0; // NotFound if absent
    virtual QFuture<Result<QList<SessionRow>>> listSessions(const SessionFilter &filter) = 0;

    virtual QFuture<Result<AddedEvent>> addEvent(const IncomingEvent &event) = 0;
    virtual QFuture<Result<int>> addEvents(const QList<IncomingEvent> &events) = 0;
    virtual QFuture<Result<QList<StoredEvent>>> events(const QString &sessionId,
                                                        const EventQuery &query) = 0;

    // The session's chains (API.md "Chains and steps from events"): its stored events
    // folded, stored chains merged in (on Redis, those the Node original wrote). The fold
    // is kept between calls and extended with newer events only, so listing sessions does
    // not fold every event every time. An unknown session has none.
    virtual QFuture<Result<ChainFold>> chains(const QString &sessionId) = 0;

    // Queues need the session to exist (NotFound otherwise). Drains are atomic.
    virtual QFuture<Result<bool>> queueCommand(const QString &sessionId, const Command &c) = 0;
    virtual QFuture<Result<QList<QByteArray>>> takeCommands(const QString &sessionId, bool peek) = 0;
    virtual QFuture<Result<bool>> ackCommand(const QString &commandId, const QJsonObject &ack) = 0;
    virtual QFuture<Result<bool>> queueInput(const QString &sessionId, const Input &input) = 0;
    virtual QFuture<Result<QList<QByteArray>>> takeInput(const QString &sessionId, bool peek) = 0;

    virtual QFuture<Result<TtlInfo>> ttl(const QString &sessionId) = 0;

Q_SIGNALS:
    // WsHub fans out eventAdded, commandQueued and commandAcked. sessionChanged and
    // inputQueued have no listener yet: they are what will push session updates and wake
    // long polls.
    void eventAdded(const QString &sessionId, qint64 seq, const QByteArray &json);
    void sessionChanged(const QString &sessionId);
    void commandQueued(const QString &sessionId, const QByteArray &commandJson);
    void commandAcked(const QString &sessionId, const QByteArray &ackJson);
    void inputQueued(const QString &sessionId, const QByteArray &inputJson);
};

} // namespace Afw

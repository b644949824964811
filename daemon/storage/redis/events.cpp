// SPDX-License-Identifier: MIT
// Events on Redis: the write path (one script per event: seq, push, trim, expiry, the
// session made or kept, the publish), reads, and the folds this instance keeps of them.
#include "redisstorage.h"

#include <QCryptographicHash>
#include <QJsonDocument>

#include "internal.h"
#include "logging.h"
#include "sessionrules.h"
#include "timeutil.h"

namespace Afw {

using Redis::Reply;
using namespace RedisDetail;

void RedisStorage::addOne(const IncomingEvent &event, Done<AddedEvent> done)
{
    const StampedEvent head = stampPrefix(event);
    // Sent with every event: whether the session exists is known only inside the script.
    const Session created = sessionFromEvent(event);
    const bool mayChange = eventCanChangeSession(event.type);
    const QString &id = event.sessionId;
    eval(
        RedisScript::AddEvent,
        {m_keys.events(id), m_keys.seq(id), m_keys.session(id), m_keys.sessionIndex()},
        {head.json, num(m_limits.maxEventsPerSession), num(m_limits.sessionTtlMs),
         m_keys.eventsChannel(), id.toUtf8(), created.toJsonBytes(), num(created.startedAtMs),
         mayChange ? QByteArrayLiteral("1") : QByteArrayLiteral("0"), nowIso().toUtf8()},
        [this, event, eventId = head.eventId, done = std::move(done)](const Reply &r) {
            if (failedWith(errorOf(r, "addEvent"), done))
                return;
            if (r.elements.size() < 2)
                return done(Result<AddedEvent>::fail(StorageError::BadData,
                                                     QStringLiteral("bad addEvent reply")));
            const Result<AddedEvent> added = success(AddedEvent{eventId, r.elements.at(0).integer});
            if (r.elements.at(1).integer == 1)
                Q_EMIT sessionChanged(event.sessionId);
            if (r.elements.size() < 3 || !r.elements.at(2).isString())
                return done(added);
            // An event that can change the record on a session that existed: the record
            // follows the event with a compare-and-set (second round trip); the session
            // rules stay in shared/sessionrules.cpp instead of being copied into Lua. The
            // event is stored either way.
            casSession(
                event.sessionId, r.elements.at(2).str,
                [event](Session &s) { return applySessionEvent(s, event); }, "addEvent",
                [done, added](const Result<Session> &s) {
                    if (!s.ok())
                        qCWarning(lcStorage)
                            << "session update after event failed:" << s.error.message;
                    done(added);
                });
        });
}

QFuture<Result<AddedEvent>> RedisStorage::addEvent(const IncomingEvent &event)
{
    return run<AddedEvent>([&](Promise<AddedEvent> p) {
        addOne(event, [p](Result<AddedEvent> r) { p.resolve(std::move(r)); });
    });
}

QFuture<Result<int>> RedisStorage::addEvents(const QList<IncomingEvent> &events)
{
    return run<int>([&](Promise<int> p) {
        if (events.isEmpty())
            return p.ok(0);
        // Pipelined: every script is sent at once and runs in order, one round trip of
        // latency. Each event is atomic on its own; a failure part-way leaves the earlier
        // ones stored.
        auto batch = std::make_shared<Countdown>();
        batch->left = events.size();
        const int total = int(events.size());
        for (const IncomingEvent &e : events) {
            addOne(e, [p, batch, total](const Result<AddedEvent> &r) {
                if (!batch->note(r.error))
                    return;
                if (!p.failedWith(batch->error))
                    p.ok(total);
            });
        }
    });
}

QFuture<Result<QList<StoredEvent>>> RedisStorage::events(const QString &sessionId,
                                                         const EventQuery &q)
{
    return run<QList<StoredEvent>>([&](Promise<QList<StoredEvent>> p) {
        if (q.limit == 0)
            return p.ok({});
        auto done = [this, p, q](const Reply &r) {
            if (p.failedWith(errorOf(r, "events")))
                return;
            QList<StoredEvent> out;
            out.reserve(r.elements.size());
            for (const Reply &e : r.elements) {
                StoredEvent ev;
                ev.seq = seqOf(e.str);
                if (q.afterSeq && ev.seq <= *q.afterSeq)
                    continue;
                if (q.sinceMs) {
                    const QJsonObject o = QJsonDocument::fromJson(e.str).object();
                    ev.timestampMs =
                        parseIsoTimestamp(o.value(QLatin1String("timestamp")).toString())
                            .value_or(0);
                    if (ev.timestampMs < *q.sinceMs)
                        continue;
                }
                ev.json = e.str;
                out.append(std::move(ev));
            }
            // Applied again: the script falls back to the whole list for irregular seqs.
            if (q.limit >= 0 && out.size() > q.limit) {
                if (q.lastN)
                    out.remove(0, out.size() - q.limit);
                else
                    out.resize(q.limit);
            }
            p.ok(std::move(out));
        };
        // The wanted slice is known up front unless a time filter needs every event read;
        // `after` pages forward in O(page) through a script (seqs are consecutive).
        const QByteArray key = m_keys.events(sessionId);
        if (q.afterSeq && !q.sinceMs && !q.lastN)
            eval(RedisScript::EventsAfter, {key}, {num(*q.afterSeq), num(q.limit)}, done);
        else if (!q.sinceMs && !q.afterSeq && q.limit > 0)
            call({QByteArrayLiteral("LRANGE"), key, q.lastN ? num(-q.limit) : QByteArray("0"),
                  q.lastN ? QByteArray("-1") : num(q.limit - 1)},
                 done);
        else
            call({QByteArrayLiteral("LRANGE"), key, "0", "-1"}, done);
    });
}

QFuture<Result<ChainFold>> RedisStorage::chains(const QString &sessionId)
{
    return run<ChainFold>([&](Promise<ChainFold> p) {
        foldChains(sessionId, [p](Result<ChainFold> r) { p.resolve(std::move(r)); });
    });
}

void RedisStorage::foldChains(const QString &sessionId, Done<ChainFold> done)
{
    const std::shared_ptr<FoldState> kept = m_folds.value(sessionId);
    const qint64 after = kept ? kept->lastSeq : 0;
    const QByteArray sha =
        kept && after > 0 ? QCryptographicHash::hash(kept->last, QCryptographicHash::Sha1).toHex()
                          : QByteArray();
    eval(RedisScript::FoldDelta, {m_keys.events(sessionId), m_keys.chains(sessionId)},
         {num(after), sha}, [this, sessionId, kept, done = std::move(done)](const Reply &r) {
             if (failedWith(errorOf(r, "chains"), done))
                 return;
             if (r.elements.size() != 3)
                 return done(Result<ChainFold>::fail(StorageError::BadData,
                                                     QStringLiteral("bad chains reply")));
             QList<StoredEvent> events;
             events.reserve(r.elements.at(1).elements.size());
             for (const Reply &e : r.elements.at(1).elements)
                 events.append({seqOf(e.str), 0, e.str});
             // Replies come in request order: an earlier reply may have moved `kept` on
             // already, past some of these events.
             std::shared_ptr<FoldState> st = kept;
             qsizetype from = 0;
             if (r.elements.at(0).integer == 1 && st) {
                 while (from < events.size() && events.at(from).seq <= st->lastSeq)
                     ++from;
             } else {
                 st = std::make_shared<FoldState>();
             }
             st->extend(events, from);
             if (!m_folds.contains(sessionId) && m_folds.size() >= kMaxFolds)
                 m_folds.erase(m_folds.begin()); // any one: a dropped fold is only folded anew
             m_folds.insert(sessionId, st);
             // Stored chains come from the Node original sharing this Redis (afwd writes
             // none): they win by id.
             ChainFold out = st->fold;
             out.mergeStored(decodeChains(r.elements.at(2).elements, sessionId));
             done(success(std::move(out)));
         });
}

} // namespace Afw

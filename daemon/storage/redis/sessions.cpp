// SPDX-License-Identifier: MIT
// Session records on Redis: create, read, compare-and-set edits, delete, the listing (with
// each row's chains) and the TTLs of a session's parts.
#include "redisstorage.h"

#include <algorithm>
#include <limits>

#include "internal.h"
#include "logging.h"
#include "timeutil.h"

namespace Afw {

using Redis::Reply;
using namespace RedisDetail;

namespace {
StorageError corruptRecord()
{
    return {StorageError::BadData, QStringLiteral("corrupt session record")};
}

qint64 secondsFromPttl(qint64 ms)
{
    return ms < 0 ? ms : (ms + 500) / 1000; // rounded, as Redis' TTL
}
} // namespace

QFuture<Result<CreatedSession>> RedisStorage::createSession(const Session &session)
{
    return run<CreatedSession>([&](Promise<CreatedSession> p) {
        eval(RedisScript::CreateSession, {m_keys.session(session.id), m_keys.sessionIndex()},
             {session.toJsonBytes(), num(m_limits.sessionTtlMs), num(session.startedAtMs),
              session.id.toUtf8()},
             [this, p, session](const Reply &r) {
                 if (p.failedWith(errorOf(r, "createSession")))
                     return;
                 if (r.isNil()) {
                     Q_EMIT sessionChanged(session.id);
                     return p.ok({session, true});
                 }
                 if (const auto stored = decodeSession(r.str, session.id))
                     return p.ok({*stored, false});
                 p.fail(corruptRecord());
             });
    });
}

QFuture<Result<Session>> RedisStorage::getSession(const QString &id)
{
    return run<Session>([&](Promise<Session> p) {
        call({QByteArrayLiteral("GET"), m_keys.session(id)}, [this, p, id](const Reply &r) {
            if (p.failedWith(errorOf(r, "getSession")))
                return;
            if (r.isNil())
                return p.fail({StorageError::NotFound, {}});
            if (const auto s = decodeSession(r.str, id))
                return p.ok(*s);
            p.fail(corruptRecord());
        });
    });
}

void RedisStorage::editSession(const QString &id, SessionEdit edit, const char *op,
                               Done<Session> done, int attemptsLeft)
{
    call({QByteArrayLiteral("GET"), m_keys.session(id)},
         [=, this, edit = std::move(edit), done = std::move(done)](const Reply &r) {
             if (failedWith(errorOf(r, op), done))
                 return;
             if (r.isNil())
                 return done(Result<Session>::fail(StorageError::NotFound));
             casSession(id, r.str, edit, op, done, attemptsLeft);
         });
}

void RedisStorage::casSession(const QString &id, const QByteArray &current, SessionEdit edit,
                              const char *op, Done<Session> done, int attemptsLeft)
{
    const auto parsed = decodeSession(current, id);
    if (!parsed)
        return done(failure<Session>(corruptRecord()));
    Session s = *parsed;
    if (!edit(s))
        return done(success(s));
    eval(RedisScript::CasSession, {m_keys.session(id)},
         {current, s.toJsonBytes(), num(m_limits.sessionTtlMs)}, [=, this](const Reply &r) {
             if (failedWith(errorOf(r, op), done))
                 return;
             if (r.integer == -1)
                 return done(Result<Session>::fail(StorageError::NotFound));
             if (r.integer == 0) { // another writer came first: read again
                 if (attemptsLeft <= 0)
                     return done(Result<Session>::fail(
                         StorageError::RedisError, QStringLiteral("too many concurrent updates")));
                 return editSession(id, edit, op, done, attemptsLeft - 1);
             }
             Q_EMIT sessionChanged(id);
             done(success(s));
         });
}

QFuture<Result<Session>> RedisStorage::updateSession(const QString &id, const SessionUpdate &u)
{
    return run<Session>([&](Promise<Session> p) {
        // Always written (like the memory backend), which refreshes the TTL.
        editSession(
            id,
            [u](Session &s) {
                u.applyTo(s, nowMs());
                return true;
            },
            "updateSession", [p](Result<Session> r) { p.resolve(std::move(r)); });
    });
}

QFuture<Result<bool>> RedisStorage::deleteSession(const QString &id)
{
    return run<bool>([&](Promise<bool> p) {
        eval(RedisScript::DeleteSession,
             {m_keys.session(id), m_keys.events(id), m_keys.seq(id), m_keys.chains(id),
              m_keys.commands(id), m_keys.input(id), m_keys.legacyChainIds(id),
              m_keys.sessionIndex()},
             {id.toUtf8(), m_keys.chainPrefix()}, [this, p, id](const Reply &r) {
                 if (p.failedWith(errorOf(r, "deleteSession")))
                     return;
                 if (r.integer == 0)
                     return p.fail({StorageError::NotFound, {}});
                 m_folds.remove(id);
                 Q_EMIT sessionChanged(id);
                 p.ok(true);
             });
    });
}

QFuture<Result<QList<SessionRow>>> RedisStorage::listSessions(const SessionFilter &filter)
{
    return run<QList<SessionRow>>([&](Promise<QList<SessionRow>> p) {
        if (filter.limit == 0)
            return p.ok({});
        // An offset is read like the rows before it (filters apply to the records), then cut.
        SessionFilter upTo = filter;
        if (filter.limit >= 0)
            upTo.limit = int(std::min<qint64>(qint64(filter.limit) + filter.offset,
                                              std::numeric_limits<int>::max()));
        const int offset = filter.offset;
        listPage(upTo, 0, std::make_shared<QList<SessionRow>>(),
                 [p, offset](Result<QList<SessionRow>> r) {
                     if (r.ok())
                         r.value.remove(0, std::min<qsizetype>(offset, r.value.size()));
                     p.resolve(std::move(r));
                 });
    });
}

void RedisStorage::listPage(const SessionFilter &filter, qint64 start,
                            std::shared_ptr<QList<SessionRow>> rows, Done<QList<SessionRow>> done)
{
    // Filters apply to the JSON records, so the index is read in pages until enough match.
    const qint64 pageSize = filter.limit < 0 ? 500 : qBound(50, filter.limit * 2, 500);
    eval(RedisScript::ListPage, {m_keys.sessionIndex()},
         {m_keys.sessionPrefix(), num(start), num(pageSize)}, [=, this](const Reply &r) {
             if (failedWith(errorOf(r, "listSessions"), done))
                 return;
             const QList<Reply> &el = r.elements;
             if (el.size() < 2)
                 return done(Result<QList<SessionRow>>::fail(StorageError::BadData,
                                                             QStringLiteral("bad listing reply")));
             const qint64 removed = el.at(0).integer;
             const qint64 read = el.at(1).integer;
             for (qsizetype i = 2; i + 1 < el.size(); i += 2) {
                 const auto s = decodeSession(el.at(i + 1).str, QString::fromUtf8(el.at(i).str));
                 if (!s)
                     continue; // the rest of the listing is still good
                 if (!filter.status.isEmpty() && statusToString(s->status) != filter.status)
                     continue;
                 if (!filter.user.isEmpty() && s->user != filter.user)
                     continue;
                 rows->append({*s, 0, std::nullopt});
                 if (filter.limit >= 0 && rows->size() >= filter.limit)
                     break;
             }
             const bool full = filter.limit >= 0 && rows->size() >= filter.limit;
             if (full || read < pageSize) {
                 if (filter.withChains)
                     return foldRows(rows, done);
                 return done(success(std::move(*rows)));
             }
             listPage(filter, start + read - removed, rows, done);
         });
}

void RedisStorage::foldRows(std::shared_ptr<QList<SessionRow>> rows, Done<QList<SessionRow>> done)
{
    if (rows->isEmpty())
        return done(success(QList<SessionRow>{}));
    // One foldDelta per row, all sent at once (pipelined): one round trip of latency.
    auto pending = std::make_shared<Countdown>();
    pending->left = rows->size();
    for (qsizetype i = 0; i < rows->size(); ++i) {
        foldChains(rows->at(i).session.id, [rows, i, pending, done](const Result<ChainFold> &r) {
            if (r.ok()) {
                SessionRow &row = (*rows)[i];
                row.chainsCount = int(r.value.chains().size());
                if (const Chain *current = r.value.currentChain())
                    row.currentChain = *current;
            }
            if (!pending->note(r.error))
                return;
            if (pending->error.code != StorageError::None)
                return done(failure<QList<SessionRow>>(pending->error));
            done(success(std::move(*rows)));
        });
    }
}

QFuture<Result<TtlInfo>> RedisStorage::ttl(const QString &id)
{
    return run<TtlInfo>([&](Promise<TtlInfo> p) {
        eval(RedisScript::Ttl,
             {m_keys.session(id), m_keys.events(id), m_keys.chains(id), m_keys.commands(id),
              m_keys.input(id)},
             {}, [this, p](const Reply &r) {
                 if (p.failedWith(errorOf(r, "ttl")))
                     return;
                 if (r.elements.size() != 5)
                     return p.fail({StorageError::BadData, QStringLiteral("bad ttl reply")});
                 TtlInfo t;
                 t.session = secondsFromPttl(r.elements.at(0).integer);
                 t.events = secondsFromPttl(r.elements.at(1).integer);
                 t.chains = secondsFromPttl(r.elements.at(2).integer);
                 t.commands = secondsFromPttl(r.elements.at(3).integer);
                 t.input = secondsFromPttl(r.elements.at(4).integer);
                 p.ok(t);
             });
    });
}

} // namespace Afw

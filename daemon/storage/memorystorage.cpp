// SPDX-License-Identifier: MIT
#include "memorystorage.h"

#include <QJsonDocument>

#include <algorithm>

#include "fold.h"
#include "sessionrules.h"
#include "timeutil.h"

namespace Afw {

namespace {
template <typename T>
QFuture<Result<T>> ready(T value)
{
    Result<T> r;
    r.value = std::move(value);
    return QtFuture::makeReadyFuture(std::move(r));
}

template <typename T>
QFuture<Result<T>> failed(StorageError::Code code, const QString &message = {})
{
    return QtFuture::makeReadyFuture(Result<T>::fail(code, message));
}

template <typename T>
void clearIfExpired(T &part, qint64 now)
{
    if (part.expiresAt >= 0 && part.expiresAt <= now) {
        part.value = {};
        part.expiresAt = -1;
    }
}
} // namespace

MemoryStorage::MemoryStorage(const StorageLimits &limits, QObject *parent)
    : Storage(parent), m_limits(limits)
{
    m_clock.start();
    m_sweeper.setInterval(1000);
    connect(&m_sweeper, &QTimer::timeout, this, &MemoryStorage::sweep);
    m_sweeper.start();
}

template <typename T>
qint64 MemoryStorage::ttlOf(const Part<T> &p) const
{
    if (!alive(p))
        return -2;
    return (p.expiresAt - now() + 500) / 1000; // rounded like Redis' TTL
}

MemoryStorage::Entry *MemoryStorage::find(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return nullptr;
    Entry &e = *it;
    const qint64 t = now();
    clearIfExpired(e.session, t);
    clearIfExpired(e.events, t);
    clearIfExpired(e.seq, t);
    clearIfExpired(e.commands, t);
    clearIfExpired(e.inputs, t);
    if (e.session.expiresAt < 0 && e.events.expiresAt < 0 && e.seq.expiresAt < 0
        && e.commands.expiresAt < 0 && e.inputs.expiresAt < 0) {
        m_entries.erase(it);
        return nullptr;
    }
    return &e;
}

bool MemoryStorage::hasSession(const QString &id)
{
    Entry *e = find(id);
    return e && e->session.expiresAt >= 0;
}

void MemoryStorage::sweep()
{
    const QStringList ids = m_entries.keys();
    for (const auto &id : ids)
        find(id);
    const qint64 t = now();
    for (auto it = m_commandSessions.begin(); it != m_commandSessions.end();) {
        // A command id outlives its queue only until its session is gone.
        it = m_entries.contains(it.value()) ? std::next(it) : m_commandSessions.erase(it);
    }
    Q_UNUSED(t);
}

QFuture<Result<CreatedSession>> MemoryStorage::createSession(const Session &session)
{
    if (Entry *e = find(session.id); e && e->session.expiresAt >= 0)
        return ready(CreatedSession{e->session.value, false});
    Entry &e = m_entries[session.id];
    e.session = {session, now() + m_limits.sessionTtlMs};
    Q_EMIT sessionChanged(session.id);
    return ready(CreatedSession{session, true});
}

QFuture<Result<Session>> MemoryStorage::getSession(const QString &id)
{
    Entry *e = find(id);
    if (!e || e->session.expiresAt < 0)
        return failed<Session>(StorageError::NotFound);
    return ready(e->session.value);
}

QFuture<Result<Session>> MemoryStorage::updateSession(const QString &id, const SessionUpdate &u)
{
    Entry *e = find(id);
    if (!e || e->session.expiresAt < 0)
        return failed<Session>(StorageError::NotFound);
    Session &s = e->session.value;
    u.applyTo(s, nowMs());
    e->session.expiresAt = now() + m_limits.sessionTtlMs;
    Q_EMIT sessionChanged(id);
    return ready(s);
}

QFuture<Result<bool>> MemoryStorage::deleteSession(const QString &id)
{
    if (!hasSession(id))
        return failed<bool>(StorageError::NotFound);
    m_entries.remove(id);
    Q_EMIT sessionChanged(id);
    return ready(true);
}

QFuture<Result<QList<SessionRow>>> MemoryStorage::listSessions(const SessionFilter &filter)
{
    QList<SessionRow> rows;
    const QStringList ids = m_entries.keys();
    for (const auto &id : ids) {
        Entry *e = find(id);
        if (!e || e->session.expiresAt < 0)
            continue;
        const Session &s = e->session.value;
        if (!filter.status.isEmpty() && statusToString(s.status) != filter.status)
            continue;
        if (!filter.user.isEmpty() && s.user != filter.user)
            continue;
        rows.append({s, 0, std::nullopt});
    }
    std::sort(rows.begin(), rows.end(), [](const SessionRow &a, const SessionRow &b) {
        return a.session.startedAtMs != b.session.startedAtMs
                   ? a.session.startedAtMs > b.session.startedAtMs
                   : a.session.id > b.session.id;
    });
    rows.remove(0, std::min<qsizetype>(filter.offset, rows.size()));
    if (filter.limit >= 0 && rows.size() > filter.limit)
        rows.resize(filter.limit);
    if (filter.withChains) {
        // Only the rows listed are folded; nothing expires between the two loops.
        for (SessionRow &row : rows) {
            if (Entry *e = find(row.session.id)) {
                const ChainFold fold = foldOf(*e);
                row.chainsCount = int(fold.chains().size());
                if (const Chain *current = fold.currentChain())
                    row.currentChain = *current;
            }
        }
    }
    return ready(rows);
}

AddedEvent MemoryStorage::append(const IncomingEvent &in)
{
    find(in.sessionId); // drop expired parts first
    Entry &e = m_entries[in.sessionId];
    const qint64 deadline = now() + m_limits.sessionTtlMs;
    const qint64 seq = (e.seq.expiresAt >= 0 ? e.seq.value : 0) + 1;
    e.seq = {seq, deadline};
    StampedEvent stamped = stampEvent(in, seq);
    auto &list = e.events.value;
    list.append({seq, in.timestampMs, std::move(stamped.json)});
    if (list.size() > m_limits.maxEventsPerSession)
        list.remove(0, list.size() - m_limits.maxEventsPerSession);
    e.events.expiresAt = deadline;

    // Session records follow events (API.md): an event for an unknown session creates
    // it (v1.1), session:ended ends it; any event keeps the session alive.
    bool sessionChangedNow = true;
    if (e.session.expiresAt < 0)
        e.session.value = sessionFromEvent(in);
    else
        sessionChangedNow = applySessionEvent(e.session.value, in);
    e.session.expiresAt = deadline;
    Q_EMIT eventAdded(in.sessionId, seq, list.last().json);
    if (sessionChangedNow)
        Q_EMIT sessionChanged(in.sessionId);
    return {stamped.eventId, seq};
}

ChainFold MemoryStorage::foldOf(Entry &e)
{
    // The kept fold goes on where it stopped while the event it stopped at is still
    // stored: the very bytes (implicitly shared, so this is identity, not equality).
    // Otherwise (expired, deleted and re-created, more new events than the cap) it is
    // folded anew from the stored events. Past the cap a kept fold has seen events that
    // are no longer stored; it keeps what they said.
    FoldState &st = e.fold;
    static const QList<StoredEvent> none;
    const QList<StoredEvent> &list = e.events.expiresAt >= 0 ? e.events.value : none;
    const qsizetype at = list.isEmpty() ? -1 : st.lastSeq - list.first().seq;
    if (st.lastSeq > 0 && at >= 0 && at < list.size() && !st.last.isNull()
        && list.at(at).json.constData() == st.last.constData()) {
        st.extend(list, at + 1);
    } else {
        st = {};
        st.extend(list);
    }
    return st.fold;
}

QFuture<Result<AddedEvent>> MemoryStorage::addEvent(const IncomingEvent &event)
{
    return ready(append(event));
}

QFuture<Result<int>> MemoryStorage::addEvents(const QList<IncomingEvent> &events)
{
    for (const auto &e : events)
        append(e);
    return ready(int(events.size()));
}

QFuture<Result<QList<StoredEvent>>> MemoryStorage::events(const QString &sessionId,
                                                           const EventQuery &q)
{
    Entry *e = find(sessionId);
    if (!e || e->events.expiresAt < 0)
        return ready(QList<StoredEvent>{});
    const QList<StoredEvent> &all = e->events.value;
    // Events are in seq order, so `after` is a binary search, not a scan.
    auto begin = all.cbegin();
    if (q.afterSeq) {
        begin = std::upper_bound(all.cbegin(), all.cend(), *q.afterSeq,
                                 [](qint64 v, const StoredEvent &ev) { return v < ev.seq; });
    }
    QList<StoredEvent> out;
    if (!q.sinceMs && (q.limit < 0 || !q.lastN)) {
        auto end = all.cend();
        if (q.limit >= 0 && end - begin > q.limit)
            end = begin + q.limit;
        out = QList<StoredEvent>(begin, end);
        return ready(out);
    }
    for (auto it = begin; it != all.cend(); ++it) {
        if (q.sinceMs && it->timestampMs < *q.sinceMs)
            continue;
        out.append(*it);
    }
    if (q.limit >= 0 && out.size() > q.limit) {
        if (q.lastN)
            out.remove(0, out.size() - q.limit);
        else
            out.resize(q.limit);
    }
    return ready(out);
}

QFuture<Result<ChainFold>> MemoryStorage::chains(const QString &sessionId)
{
    Entry *e = find(sessionId);
    return ready(e ? foldOf(*e) : ChainFold{});
}

bool MemoryStorage::enqueue(const QString &sessionId, Queue Entry::*queue, const QByteArray &json)
{
    if (!hasSession(sessionId))
        return false;
    Queue &q = m_entries[sessionId].*queue;
    q.value.append(json);
    q.expiresAt = now() + m_limits.queueTtlMs;
    return true;
}

QList<QByteArray> MemoryStorage::take(const QString &sessionId, Queue Entry::*queue, bool peek)
{
    Entry *e = find(sessionId);
    if (!e || (e->*queue).expiresAt < 0)
        return {};
    Queue &q = e->*queue;
    if (peek)
        return q.value;
    q.expiresAt = -1;
    return std::exchange(q.value, {});
}

QFuture<Result<bool>> MemoryStorage::queueCommand(const QString &sessionId, const Command &c)
{
    const QByteArray json = QJsonDocument(c.toJson()).toJson(QJsonDocument::Compact);
    if (!enqueue(sessionId, &Entry::commands, json))
        return failed<bool>(StorageError::NotFound);
    m_commandSessions.insert(c.id, sessionId);
    Q_EMIT commandQueued(sessionId, json);
    return ready(true);
}

QFuture<Result<QList<QByteArray>>> MemoryStorage::takeCommands(const QString &sessionId, bool peek)
{
    return ready(take(sessionId, &Entry::commands, peek));
}

QFuture<Result<bool>> MemoryStorage::ackCommand(const QString &commandId, const QJsonObject &ack)
{
    const QString sessionId = m_commandSessions.value(commandId);
    Q_EMIT commandAcked(sessionId, QJsonDocument(ack).toJson(QJsonDocument::Compact));
    return ready(true);
}

QFuture<Result<bool>> MemoryStorage::queueInput(const QString &sessionId, const Input &input)
{
    const QByteArray json = QJsonDocument(input.toJson()).toJson(QJsonDocument::Compact);
    if (!enqueue(sessionId, &Entry::inputs, json))
        return failed<bool>(StorageError::NotFound);
    Q_EMIT inputQueued(sessionId, json);
    return ready(true);
}

QFuture<Result<QList<QByteArray>>> MemoryStorage::takeInput(const QString &sessionId, bool peek)
{
    return ready(take(sessionId, &Entry::inputs, peek));
}

QFuture<Result<TtlInfo>> MemoryStorage::ttl(const QString &sessionId)
{
    TtlInfo t;
    if (Entry *e = find(sessionId)) {
        t.session = ttlOf(e->session);
        t.events = ttlOf(e->events); // chains stay absent: nothing stores any here
        t.commands = ttlOf(e->commands);
        t.input = ttlOf(e->inputs);
    }
    return ready(t);
}

} // namespace Afw

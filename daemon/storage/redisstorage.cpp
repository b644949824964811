// SPDX-License-Identifier: MIT
#include "redisstorage.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <limits>

#include "fold.h"
#include "ids.h"
#include "logging.h"
#include "redisscripts.h"
#include "sessionrules.h"
#include "timeutil.h"

namespace Afw {

using Redis::Reply;

namespace {

// A promise that finishes exactly once. If every copy dies unresolved (a callback was
// dropped because the storage died), QPromise's destructor cancels and finishes it, so
// a waiting caller always wakes up.
template <typename T>
class Promise
{
public:
    Promise() : d(std::make_shared<QPromise<Result<T>>>()) { d->start(); }
    QFuture<Result<T>> future() const { return d->future(); }
    void resolve(Result<T> r) const
    {
        if (d->future().isFinished())
            return;
        d->addResult(std::move(r));
        d->finish();
    }
    void ok(T value) const
    {
        Result<T> r;
        r.value = std::move(value);
        resolve(std::move(r));
    }
    void fail(const StorageError &e) const
    {
        Result<T> r;
        r.error = e;
        resolve(std::move(r));
    }

private:
    std::shared_ptr<QPromise<Result<T>>> d;
};

template <typename T>
QFuture<Result<T>> readyError(StorageError::Code code, const QString &message)
{
    return QtFuture::makeReadyFuture(Result<T>::fail(code, message));
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray num(qint64 v)
{
    return QByteArray::number(v);
}

// The seq of stored bytes that end in `,"seq":N}` (how both backends store events), or -1.
qint64 seqFromTail(const QByteArray &json)
{
    static constexpr char marker[] = ",\"seq\":";
    constexpr qsizetype markerLen = sizeof(marker) - 1;
    qsizetype i = json.size() - 1;
    if (i < 0 || json.at(i) != '}')
        return -1;
    const qsizetype end = i;
    while (i > 0 && json.at(i - 1) >= '0' && json.at(i - 1) <= '9')
        --i;
    const qsizetype digits = end - i;
    if (digits == 0 || digits > 18 || i < markerLen
        || QByteArrayView(json.constData() + i - markerLen, markerLen) != QByteArrayView(marker))
        return -1;
    qint64 v = 0;
    for (qsizetype k = i; k < end; ++k)
        v = v * 10 + (json.at(k) - '0');
    return v;
}

// Event bytes another writer may have formed differently (seq not last, or absent).
qint64 seqOf(const QByteArray &json)
{
    const qint64 fast = seqFromTail(json);
    if (fast >= 0)
        return fast;
    return QJsonDocument::fromJson(json).object().value(QLatin1String("seq")).toInteger(0);
}

qint64 secondsFromPttl(qint64 ms)
{
    return ms < 0 ? ms : (ms + 500) / 1000; // rounded, as Redis' TTL
}

QList<QByteArray> stringsOf(const Reply &reply)
{
    QList<QByteArray> out;
    out.reserve(reply.elements.size());
    for (const Reply &e : reply.elements)
        out.append(e.str);
    return out;
}

} // namespace

Redis::Options RedisStorage::defaultOptions()
{
    Redis::Options o;
    o.connectTimeoutMs = 2000;
    o.commandTimeoutMs = 5000;
    o.reconnectMinMs = 50;
    o.reconnectMaxMs = 1000; // a server: come back within a second of Redis returning
    return o;
}

RedisStorage::RedisStorage(const Redis::RedisUrl &url, const QString &prefix,
                           const StorageLimits &limits, const Redis::Options &options,
                           QObject *parent)
    : Storage(parent), m_prefix(prefix.toUtf8()), m_limits(limits)
{
    auto script = [](const char *body) {
        return Script{body, QCryptographicHash::hash(QByteArray(body), QCryptographicHash::Sha1)
                                .toHex()};
    };
    m_scripts = {script(RedisScripts::addEvent),      script(RedisScripts::createSession),
                 script(RedisScripts::casSession),    script(RedisScripts::deleteSession),
                 script(RedisScripts::listPage),      script(RedisScripts::enqueue),
                 script(RedisScripts::drain),
                 script(RedisScripts::ack),           script(RedisScripts::ttl),
                 script(RedisScripts::eventsAfter),   script(RedisScripts::foldDelta)};

    m_client = new Redis::Client(url, options, this);
    m_subscriber = new Redis::Subscriber(url, options, this);
    connect(m_client, &Redis::Connection::connected, this, &RedisStorage::onConnected);
    connect(m_client, &Redis::Connection::disconnected, this, [this](const QString &reason) {
        m_lastError = reason;
        updateAvailability();
    });
    connect(m_client, &Redis::Connection::errorOccurred, this,
            [this](const QString &message) { m_lastError = message; });
    connect(m_subscriber, &Redis::Connection::disconnected, this, [this](const QString &reason) {
        m_subscribed.clear();
        m_lastError = QStringLiteral("subscriber: ") + reason;
        updateAvailability();
    });
    connect(m_subscriber, &Redis::Subscriber::subscribed, this, [this](const QByteArray &channel) {
        m_subscribed.insert(channel);
        updateAvailability();
    });
    connect(m_subscriber, &Redis::Subscriber::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) {
                if (channel == eventsChannel())
                    onEventMessage(payload);
                else if (channel == commandsChannel())
                    onCommandMessage(payload);
            });
    m_subscriber->subscribe(eventsChannel());
    m_subscriber->subscribe(commandsChannel());
    m_client->start();
    m_subscriber->start();
}

RedisStorage::~RedisStorage()
{
    // Pending commands fail while the clients die; their callbacks must not start new work.
    m_dying = true;
    delete m_subscriber;
    m_subscriber = nullptr;
    delete m_client;
    m_client = nullptr;
}

QString RedisStorage::unavailableReason() const
{
    if (m_available)
        return {};
    const QString where = m_client->url().toDisplayString();
    if (m_lastError.isEmpty())
        return QStringLiteral("connecting to Redis at ") + where;
    return QStringLiteral("Redis at ") + where + QStringLiteral(" unreachable: ") + m_lastError;
}

QByteArray RedisStorage::key(const char *part, const QString &id) const
{
    return m_prefix + part + ':' + id.toUtf8();
}

void RedisStorage::updateAvailability()
{
    const bool now = m_client->isConnected() && m_subscribed.contains(eventsChannel())
                     && m_subscribed.contains(commandsChannel());
    if (now == m_available)
        return;
    m_available = now;
    if (now) {
        m_lastError.clear();
        qCInfo(lcStorage).noquote() << "Redis storage available at" << m_client->url().toDisplayString();
    } else {
        qCWarning(lcStorage).noquote() << "Redis storage unavailable:" << unavailableReason();
    }
    Q_EMIT availabilityChanged(now);
}

void RedisStorage::onConnected()
{
    // Loaded before any EVALSHA of this connection (replies and commands are FIFO), so
    // NOSCRIPT only follows a SCRIPT FLUSH; eval() handles that too.
    for (const Script *s : {&m_scripts.addEvent, &m_scripts.createSession, &m_scripts.casSession,
                            &m_scripts.deleteSession, &m_scripts.listPage,
                            &m_scripts.enqueue, &m_scripts.drain, &m_scripts.ack, &m_scripts.ttl,
                            &m_scripts.eventsAfter, &m_scripts.foldDelta}) {
        call({QByteArrayLiteral("SCRIPT"), QByteArrayLiteral("LOAD"), QByteArray(s->body)},
             [this](const Reply &r) { errorOf(r, "SCRIPT LOAD"); });
    }
    updateAvailability();
}

void RedisStorage::call(const QList<QByteArray> &args, Callback cb)
{
    if (m_dying || !m_client)
        return; // the callback dies with its promise, which then finishes (cancelled)
    m_client->command(args, this, std::move(cb));
}

void RedisStorage::eval(const Script &script, const QList<QByteArray> &keys,
                        const QList<QByteArray> &argv, Callback cb)
{
    QList<QByteArray> args;
    args.reserve(3 + keys.size() + argv.size());
    args << QByteArrayLiteral("EVALSHA") << script.sha << num(keys.size()) << keys << argv;
    call(args, [this, args, body = script.body, cb = std::move(cb)](const Reply &r) mutable {
        if (r.isError() && !r.isFailure() && r.str.startsWith("NOSCRIPT")) {
            args[0] = QByteArrayLiteral("EVAL");
            args[1] = QByteArray(body);
            call(args, std::move(cb));
            return;
        }
        cb(r);
    });
}

StorageError RedisStorage::errorOf(const Reply &reply, const char *op) const
{
    if (reply.isFailure()) {
        const auto code = reply.failure == Reply::Failure::Timeout ? StorageError::Timeout
                                                                   : StorageError::Unavailable;
        return {code, reply.errorMessage()};
    }
    if (reply.isError()) {
        qCWarning(lcStorage).noquote() << op << "failed:" << reply.errorMessage();
        return {StorageError::RedisError, reply.errorMessage()};
    }
    return {};
}

template <typename T>
QFuture<Result<T>> RedisStorage::unavailable() const
{
    return readyError<T>(StorageError::Unavailable, unavailableReason());
}

// ---------------------------------------------------------------- sessions

QFuture<Result<CreatedSession>> RedisStorage::createSession(const Session &session)
{
    if (!m_available)
        return unavailable<CreatedSession>();
    Promise<CreatedSession> p;
    eval(m_scripts.createSession, {key("sessions", session.id), m_prefix + "session-index"},
         {session.toJsonBytes(), num(m_limits.sessionTtlMs), num(session.startedAtMs),
          session.id.toUtf8()},
         [this, p, session](const Reply &r) {
             if (const StorageError e = errorOf(r, "createSession"); e.code != StorageError::None)
                 return p.fail(e);
             if (r.isNil()) {
                 Q_EMIT sessionChanged(session.id);
                 return p.ok({session, true});
             }
             const auto stored = Session::fromJson(QJsonDocument::fromJson(r.str).object());
             if (!stored) {
                 qCWarning(lcStorage) << "corrupt session record" << key("sessions", session.id);
                 return p.fail({StorageError::BadData, QStringLiteral("corrupt session record")});
             }
             p.ok({*stored, false});
         });
    return p.future();
}

QFuture<Result<Session>> RedisStorage::getSession(const QString &id)
{
    if (!m_available)
        return unavailable<Session>();
    Promise<Session> p;
    call({QByteArrayLiteral("GET"), key("sessions", id)}, [this, p, id](const Reply &r) {
        if (const StorageError e = errorOf(r, "getSession"); e.code != StorageError::None)
            return p.fail(e);
        if (r.isNil())
            return p.fail({StorageError::NotFound, {}});
        const auto s = Session::fromJson(QJsonDocument::fromJson(r.str).object());
        if (!s) {
            qCWarning(lcStorage) << "corrupt session record" << key("sessions", id);
            return p.fail({StorageError::BadData, QStringLiteral("corrupt session record")});
        }
        p.ok(*s);
    });
    return p.future();
}

void RedisStorage::editSession(const QString &id, SessionEdit edit, const char *op,
                               SessionDone done, int attemptsLeft)
{
    call({QByteArrayLiteral("GET"), key("sessions", id)},
         [=, this, edit = std::move(edit), done = std::move(done)](const Reply &r) {
             if (const StorageError e = errorOf(r, op); e.code != StorageError::None)
                 return done(Result<Session>::fail(e.code, e.message));
             if (r.isNil())
                 return done(Result<Session>::fail(StorageError::NotFound));
             casSession(id, r.str, edit, op, done, attemptsLeft);
         });
}

void RedisStorage::casSession(const QString &id, const QByteArray &current, SessionEdit edit,
                              const char *op, SessionDone done, int attemptsLeft)
{
    auto parsed = Session::fromJson(QJsonDocument::fromJson(current).object());
    if (!parsed) {
        qCWarning(lcStorage) << "corrupt session record" << key("sessions", id);
        return done(Result<Session>::fail(StorageError::BadData,
                                          QStringLiteral("corrupt session record")));
    }
    Session s = *parsed;
    if (!edit(s)) {
        Result<Session> r;
        r.value = s;
        return done(r);
    }
    eval(m_scripts.casSession, {key("sessions", id)},
         {current, s.toJsonBytes(), num(m_limits.sessionTtlMs)},
         [=, this](const Reply &r) {
             if (const StorageError e = errorOf(r, op); e.code != StorageError::None)
                 return done(Result<Session>::fail(e.code, e.message));
             if (r.integer == -1)
                 return done(Result<Session>::fail(StorageError::NotFound));
             if (r.integer == 0) { // another writer came first: read again
                 if (attemptsLeft <= 0)
                     return done(Result<Session>::fail(StorageError::RedisError,
                                                       QStringLiteral("too many concurrent updates")));
                 return editSession(id, edit, op, done, attemptsLeft - 1);
             }
             Q_EMIT sessionChanged(id);
             Result<Session> ok;
             ok.value = s;
             done(ok);
         });
}

QFuture<Result<Session>> RedisStorage::updateSession(const QString &id, const SessionUpdate &u)
{
    if (!m_available)
        return unavailable<Session>();
    Promise<Session> p;
    // Always written (like the memory backend), which refreshes the TTL.
    editSession(
        id,
        [u](Session &s) {
            u.applyTo(s, nowMs());
            return true;
        },
        "updateSession", [p](Result<Session> r) { p.resolve(std::move(r)); }, 8);
    return p.future();
}

QFuture<Result<bool>> RedisStorage::deleteSession(const QString &id)
{
    if (!m_available)
        return unavailable<bool>();
    Promise<bool> p;
    eval(m_scripts.deleteSession,
         {key("sessions", id), key("events", id), key("seq", id), key("chains", id),
          key("commands", id), key("input", id), key("chainids", id), m_prefix + "session-index"},
         {id.toUtf8(), m_prefix + "chain:"}, [this, p, id](const Reply &r) {
             if (const StorageError e = errorOf(r, "deleteSession"); e.code != StorageError::None)
                 return p.fail(e);
             if (r.integer == 0)
                 return p.fail({StorageError::NotFound, {}});
             m_folds.remove(id);
             Q_EMIT sessionChanged(id);
             p.ok(true);
         });
    return p.future();
}

QFuture<Result<QList<SessionRow>>> RedisStorage::listSessions(const SessionFilter &filter)
{
    if (!m_available)
        return unavailable<QList<SessionRow>>();
    Promise<QList<SessionRow>> p;
    if (filter.limit == 0) {
        p.ok({});
        return p.future();
    }
    // An offset is read like the rows before it (filters apply to the records), then cut.
    SessionFilter upTo = filter;
    if (filter.limit >= 0)
        upTo.limit = int(std::min<qint64>(qint64(filter.limit) + filter.offset, std::numeric_limits<int>::max()));
    const int offset = filter.offset;
    listPage(upTo, 0, std::make_shared<QList<SessionRow>>(),
             [p, offset](Result<QList<SessionRow>> r) {
                 if (r.ok())
                     r.value.remove(0, std::min<qsizetype>(offset, r.value.size()));
                 p.resolve(std::move(r));
             });
    return p.future();
}

void RedisStorage::listPage(const SessionFilter &filter, qint64 start,
                            std::shared_ptr<QList<SessionRow>> rows,
                            std::function<void(Result<QList<SessionRow>>)> done)
{
    // Filters apply to the JSON records, so the index is read in pages until enough match.
    const qint64 pageSize = filter.limit < 0 ? 500 : qBound(50, filter.limit * 2, 500);
    eval(m_scripts.listPage, {m_prefix + "session-index"},
         {m_prefix, num(start), num(pageSize)}, [=, this](const Reply &r) {
             if (const StorageError e = errorOf(r, "listSessions"); e.code != StorageError::None)
                 return done(Result<QList<SessionRow>>::fail(e.code, e.message));
             const QList<Reply> &el = r.elements;
             if (el.size() < 2)
                 return done(Result<QList<SessionRow>>::fail(StorageError::BadData,
                                                              QStringLiteral("bad listing reply")));
             const qint64 removed = el.at(0).integer;
             const qint64 read = el.at(1).integer;
             for (qsizetype i = 2; i + 1 < el.size(); i += 2) {
                 const auto s = Session::fromJson(QJsonDocument::fromJson(el.at(i + 1).str).object());
                 if (!s) {
                     qCWarning(lcStorage).noquote()
                         << "skipping corrupt session record"
                         << QString::fromUtf8(m_prefix + "sessions:" + el.at(i).str);
                     continue;
                 }
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
                 Result<QList<SessionRow>> ok;
                 ok.value = std::move(*rows);
                 return done(std::move(ok));
             }
             listPage(filter, start + read - removed, rows, done);
         });
}

void RedisStorage::foldRows(std::shared_ptr<QList<SessionRow>> rows,
                            std::function<void(Result<QList<SessionRow>>)> done)
{
    // One foldDelta per row, all sent at once (pipelined): one round trip of latency.
    struct Pending
    {
        qsizetype left = 0;
        StorageError error;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = rows->size();
    if (rows->isEmpty()) {
        Result<QList<SessionRow>> ok;
        return done(std::move(ok));
    }
    for (qsizetype i = 0; i < rows->size(); ++i) {
        foldChains(rows->at(i).session.id, [rows, i, pending, done](const Result<ChainFold> &r) {
            if (!r.ok() && pending->error.code == StorageError::None)
                pending->error = r.error;
            if (r.ok()) {
                SessionRow &row = (*rows)[i];
                row.chainsCount = int(r.value.chains().size());
                if (const Chain *current = r.value.currentChain())
                    row.currentChain = *current;
            }
            if (--pending->left > 0)
                return;
            if (pending->error.code != StorageError::None)
                return done(
                    Result<QList<SessionRow>>::fail(pending->error.code, pending->error.message));
            Result<QList<SessionRow>> ok;
            ok.value = std::move(*rows);
            done(std::move(ok));
        });
    }
}

QFuture<Result<ChainFold>> RedisStorage::chains(const QString &sessionId)
{
    if (!m_available)
        return unavailable<ChainFold>();
    Promise<ChainFold> p;
    foldChains(sessionId, [p](Result<ChainFold> r) { p.resolve(std::move(r)); });
    return p.future();
}

void RedisStorage::foldChains(const QString &sessionId, std::function<void(Result<ChainFold>)> done)
{
    const std::shared_ptr<FoldState> kept = m_folds.value(sessionId);
    const qint64 after = kept ? kept->lastSeq : 0;
    const QByteArray sha = kept && after > 0
                               ? QCryptographicHash::hash(kept->last, QCryptographicHash::Sha1).toHex()
                               : QByteArray();
    eval(m_scripts.foldDelta, {key("events", sessionId), key("chains", sessionId)}, {num(after), sha},
         [this, sessionId, kept, done = std::move(done)](const Reply &r) {
             if (const StorageError e = errorOf(r, "chains"); e.code != StorageError::None)
                 return done(Result<ChainFold>::fail(e.code, e.message));
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
             QList<Chain> stored;
             for (const Reply &c : r.elements.at(2).elements) {
                 if (auto chain = Chain::fromJson(QJsonDocument::fromJson(c.str).object()))
                     stored.append(std::move(*chain));
                 else
                     qCWarning(lcStorage) << "skipping corrupt chain in" << key("chains", sessionId);
             }
             out.mergeStored(stored);
             Result<ChainFold> ok;
             ok.value = std::move(out);
             done(std::move(ok));
         });
}

// ---------------------------------------------------------------- events

void RedisStorage::addOne(const IncomingEvent &event, std::function<void(Result<AddedEvent>)> done)
{
    const StampedEvent head = stampPrefix(event);
    // Sent with every event: whether the session exists is known only inside the script.
    const Session created = sessionFromEvent(event);
    const bool sessionEvent = eventCanChangeSession(event.type);
    const QString &id = event.sessionId;
    eval(m_scripts.addEvent,
         {key("events", id), key("seq", id), key("sessions", id), m_prefix + "session-index"},
         {head.json, num(m_limits.maxEventsPerSession), num(m_limits.sessionTtlMs),
          eventsChannel(), id.toUtf8(), created.toJsonBytes(), num(created.startedAtMs),
          sessionEvent ? QByteArrayLiteral("1") : QByteArrayLiteral("0"), nowIso().toUtf8()},
         [this, event, eventId = head.eventId, done = std::move(done)](const Reply &r) {
             if (const StorageError e = errorOf(r, "addEvent"); e.code != StorageError::None)
                 return done(Result<AddedEvent>::fail(e.code, e.message));
             if (r.elements.size() < 2)
                 return done(Result<AddedEvent>::fail(StorageError::BadData,
                                                      QStringLiteral("bad addEvent reply")));
             Result<AddedEvent> added;
             added.value = {eventId, r.elements.at(0).integer};
             if (r.elements.at(1).integer == 1)
                 Q_EMIT sessionChanged(event.sessionId);
             if (r.elements.size() < 3 || !r.elements.at(2).isString())
                 return done(added);
             // session:started on a pending session, session:ended: the record follows the
             // event with a compare-and-set (second round trip); the session rules stay in
             // shared/sessionrules.cpp instead of being copied into Lua. The event is stored either way.
             casSession(
                 event.sessionId, r.elements.at(2).str,
                 [event](Session &s) { return applySessionEvent(s, event); }, "addEvent",
                 [done, added](const Result<Session> &s) {
                     if (!s.ok())
                         qCWarning(lcStorage) << "session update after event failed:" << s.error.message;
                     done(added);
                 },
                 8);
         });
}

QFuture<Result<AddedEvent>> RedisStorage::addEvent(const IncomingEvent &event)
{
    if (!m_available)
        return unavailable<AddedEvent>();
    Promise<AddedEvent> p;
    addOne(event, [p](Result<AddedEvent> r) { p.resolve(std::move(r)); });
    return p.future();
}

QFuture<Result<int>> RedisStorage::addEvents(const QList<IncomingEvent> &events)
{
    if (!m_available)
        return unavailable<int>();
    Promise<int> p;
    if (events.isEmpty()) {
        p.ok(0);
        return p.future();
    }
    // Pipelined: every script is sent at once and runs in order, one round trip of latency.
    // Each event is atomic on its own; a failure part-way leaves the earlier ones stored.
    struct Batch
    {
        qsizetype left = 0;
        StorageError error;
    };
    auto batch = std::make_shared<Batch>();
    batch->left = events.size();
    const int total = int(events.size());
    for (const IncomingEvent &e : events) {
        addOne(e, [p, batch, total](const Result<AddedEvent> &r) {
            if (!r.ok() && batch->error.code == StorageError::None)
                batch->error = r.error;
            if (--batch->left > 0)
                return;
            if (batch->error.code != StorageError::None)
                p.fail(batch->error);
            else
                p.ok(total);
        });
    }
    return p.future();
}

QFuture<Result<QList<StoredEvent>>> RedisStorage::events(const QString &sessionId,
                                                          const EventQuery &q)
{
    if (!m_available)
        return unavailable<QList<StoredEvent>>();
    Promise<QList<StoredEvent>> p;
    if (q.limit == 0) {
        p.ok({});
        return p.future();
    }
    // The wanted slice is known up front unless a time filter needs every event read;
    // `after` pages forward in O(page) through a script (seqs are consecutive).
    auto done = [this, p, q](const Reply &r) {
        if (const StorageError e = errorOf(r, "events"); e.code != StorageError::None)
            return p.fail(e);
        QList<StoredEvent> out;
        out.reserve(r.elements.size());
        for (const Reply &e : r.elements) {
            StoredEvent ev;
            ev.seq = seqOf(e.str);
            if (q.afterSeq && ev.seq <= *q.afterSeq)
                continue;
            if (q.sinceMs) {
                const QJsonObject o = QJsonDocument::fromJson(e.str).object();
                ev.timestampMs = parseIsoTimestamp(o.value(QLatin1String("timestamp")).toString())
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
    const QByteArray events = key("events", sessionId);
    if (q.afterSeq && !q.sinceMs && !q.lastN)
        eval(m_scripts.eventsAfter, {events}, {num(*q.afterSeq), num(q.limit)}, done);
    else if (!q.sinceMs && !q.afterSeq && q.limit > 0)
        call({QByteArrayLiteral("LRANGE"), events, q.lastN ? num(-q.limit) : QByteArray("0"),
              q.lastN ? QByteArray("-1") : num(q.limit - 1)},
             done);
    else
        call({QByteArrayLiteral("LRANGE"), events, "0", "-1"}, done);
    return p.future();
}

// ---------------------------------------------------------------- chains

// ---------------------------------------------------------------- queues

QFuture<Result<bool>> RedisStorage::enqueue(const QString &sessionId, const char *part,
                                            const QByteArray &json, const char *kind,
                                            const QString &commandId)
{
    if (!m_available)
        return unavailable<bool>();
    Promise<bool> p;
    const QByteArray message = QByteArray(R"({"kind":")") + kind + R"(","sessionId":")"
                               + sessionId.toUtf8() + R"(","payload":)" + json + '}';
    QList<QByteArray> keys{key("sessions", sessionId), key(part, sessionId)};
    QList<QByteArray> argv{json, num(m_limits.queueTtlMs), commandsChannel(), message};
    if (!commandId.isEmpty()) { // remembered for the ack, which names only the command
        keys << key("command", commandId);
        argv << sessionId.toUtf8() << num(m_limits.sessionTtlMs);
    }
    eval(m_scripts.enqueue, keys, argv, [this, p](const Reply &r) {
        if (const StorageError e = errorOf(r, "enqueue"); e.code != StorageError::None)
            return p.fail(e);
        if (r.integer == 0)
            return p.fail({StorageError::NotFound, {}});
        p.ok(true);
    });
    return p.future();
}

QFuture<Result<bool>> RedisStorage::queueCommand(const QString &sessionId, const Command &c)
{
    return enqueue(sessionId, "commands", compact(c.toJson()), "command", c.id);
}

QFuture<Result<bool>> RedisStorage::queueInput(const QString &sessionId, const Input &input)
{
    return enqueue(sessionId, "input", compact(input.toJson()), "input", {});
}

QFuture<Result<QList<QByteArray>>> RedisStorage::take(const QString &sessionId, const char *part,
                                                       bool peek)
{
    if (!m_available)
        return unavailable<QList<QByteArray>>();
    Promise<QList<QByteArray>> p;
    auto done = [this, p](const Reply &r) {
        if (const StorageError e = errorOf(r, "takeQueue"); e.code != StorageError::None)
            return p.fail(e);
        p.ok(stringsOf(r));
    };
    if (peek)
        call({QByteArrayLiteral("LRANGE"), key(part, sessionId), "0", "-1"}, done);
    else
        eval(m_scripts.drain, {key(part, sessionId)}, {}, done);
    return p.future();
}

QFuture<Result<QList<QByteArray>>> RedisStorage::takeCommands(const QString &sessionId, bool peek)
{
    return take(sessionId, "commands", peek);
}

QFuture<Result<QList<QByteArray>>> RedisStorage::takeInput(const QString &sessionId, bool peek)
{
    return take(sessionId, "input", peek);
}

QFuture<Result<bool>> RedisStorage::ackCommand(const QString &commandId, const QJsonObject &ack)
{
    if (!m_available)
        return unavailable<bool>();
    Promise<bool> p;
    // The id as a JSON string: the script splices it into the message.
    const QByteArray quotedId
        = QJsonDocument(QJsonArray{commandId}).toJson(QJsonDocument::Compact).sliced(1).chopped(1);
    eval(m_scripts.ack, {key("command", commandId)}, {commandsChannel(), quotedId, compact(ack)},
         [this, p](const Reply &r) {
             if (const StorageError e = errorOf(r, "ackCommand"); e.code != StorageError::None)
                 return p.fail(e);
             p.ok(true);
         });
    return p.future();
}

QFuture<Result<TtlInfo>> RedisStorage::ttl(const QString &sessionId)
{
    if (!m_available)
        return unavailable<TtlInfo>();
    Promise<TtlInfo> p;
    eval(m_scripts.ttl,
         {key("sessions", sessionId), key("events", sessionId), key("chains", sessionId),
          key("commands", sessionId), key("input", sessionId)},
         {}, [this, p](const Reply &r) {
             if (const StorageError e = errorOf(r, "ttl"); e.code != StorageError::None)
                 return p.fail(e);
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
    return p.future();
}

// ---------------------------------------------------------------- pub/sub

void RedisStorage::onEventMessage(const QByteArray &payload)
{
    // {"sessionId":"<id>","event":{...},"timestamp":"..."}, by our script or the Node
    // original (JSON.stringify keeps that order): the event is sliced out verbatim.
    static constexpr QByteArrayView head = R"({"sessionId":")";
    static constexpr QByteArrayView mid = R"(","event":)";
    static constexpr QByteArrayView tail = R"(,"timestamp":)";
    QString sessionId;
    QByteArray event;
    if (payload.startsWith(head)) {
        const qsizetype idEnd = payload.indexOf('"', head.size());
        const qsizetype evStart = idEnd + mid.size();
        const qsizetype tsAt = payload.lastIndexOf(tail);
        if (idEnd > 0 && QByteArrayView(payload).sliced(idEnd).startsWith(mid) && tsAt > evStart
            && payload.at(evStart) == '{' && payload.at(tsAt - 1) == '}' && payload.endsWith('}')) {
            sessionId = QString::fromUtf8(payload.constData() + head.size(), idEnd - head.size());
            event = payload.sliced(evStart, tsAt - evStart);
        }
    }
    if (event.isEmpty()) {
        const QJsonObject o = QJsonDocument::fromJson(payload).object();
        sessionId = o.value(QLatin1String("sessionId")).toString();
        if (o.value(QLatin1String("event")).isObject())
            event = compact(o.value(QLatin1String("event")).toObject());
    }
    if (event.isEmpty() || !isValidId(sessionId)) {
        qCWarning(lcStorage) << "ignoring malformed message on" << eventsChannel();
        return;
    }
    Q_EMIT eventAdded(sessionId, seqOf(event), event);
}

void RedisStorage::onCommandMessage(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    const QString kind = o.value(QLatin1String("kind")).toString();
    const QString sessionId = o.value(QLatin1String("sessionId")).toString();
    const QJsonValue body = o.value(QLatin1String("payload"));
    if (!body.isObject() || (!sessionId.isEmpty() && !isValidId(sessionId))) {
        qCWarning(lcStorage) << "ignoring malformed message on" << commandsChannel();
        return;
    }
    const QByteArray json = compact(body.toObject());
    if (kind == QLatin1String("command"))
        Q_EMIT commandQueued(sessionId, json);
    else if (kind == QLatin1String("input"))
        Q_EMIT inputQueued(sessionId, json);
    else if (kind == QLatin1String("ack"))
        Q_EMIT commandAcked(sessionId, json);
}

} // namespace Afw

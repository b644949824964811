// SPDX-License-Identifier: MIT
// The storage contract: one suite, one row per backend, so backends cannot drift apart.
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include <memory>

#include "redisclient.h"
#include "redisserver.h"
#include "storage/memorystorage.h"
#include "storage/redis/redisstorage.h"
#include "timeutil.h"

using namespace Afw;

namespace {
template <typename T>
Result<T> await(QFuture<Result<T>> f)
{
    if (!QTest::qWaitFor([&f] { return f.isFinished(); }, 10000) || f.resultCount() == 0)
        return Result<T>::fail(StorageError::Timeout, QStringLiteral("test: no result"));
    return f.result();
}

IncomingEvent makeEvent(const QString &sid, const QString &type, qint64 tsMs = nowMs(), QJsonObject extra = {})
{
    extra.insert(QStringLiteral("sessionId"), sid);
    extra.insert(QStringLiteral("type"), type);
    extra.insert(QStringLiteral("timestamp"), isoFromMs(tsMs));
    const QByteArray raw = QJsonDocument(extra).toJson(QJsonDocument::Compact);
    auto e = validateEvent(extra, raw);
    Q_ASSERT(e);
    return *e;
}

Session session(const QString &id, qint64 startedAtMs, const QString &user = {})
{
    Session s;
    s.id = id;
    s.cwd = QStringLiteral("/work");
    s.user = user;
    s.startedAtMs = startedAtMs;
    return s;
}
} // namespace

class TestStorage : public QObject
{
    Q_OBJECT

    std::unique_ptr<Storage> make(const StorageLimits &limits = {})
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend == QLatin1String("memory"))
            return std::make_unique<MemoryStorage>(limits);
        // A fresh prefix per storage: tests share one server but never each other's keys.
        return makeRedis(QStringLiteral("afw-test-%1:").arg(++m_prefixes), limits);
    }
    // With Redis, a second instance on the same keys (two daemons sharing one Redis);
    // with memory, nullptr.
    std::unique_ptr<Storage> makeTwin(const StorageLimits &limits = {})
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend == QLatin1String("memory"))
            return nullptr;
        return makeRedis(QStringLiteral("afw-test-%1:").arg(m_prefixes), limits);
    }
    std::unique_ptr<Storage> makeRedis(const QString &prefix, const StorageLimits &limits)
    {
        auto s = std::make_unique<RedisStorage>(*Redis::RedisUrl::parse(m_redis->url()), prefix,
                                                limits);
        if (!QTest::qWaitFor([&s] { return s->isAvailable(); }, 5000))
            qWarning("redis storage not available after 5 s: %s", qPrintable(s->unavailableReason()));
        return s;
    }
    // Stores a chain as the Node original does when it shares the Redis (afwd writes none,
    // but merges what it finds): pushed to chains:<id>, copied to chain:<chainId>, with the
    // session TTL, under the keys of the storage made last. false with memory, which has no
    // stored chains.
    bool storeNodeChain(const QString &sessionId, const Chain &chain)
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend == QLatin1String("memory"))
            return false;
        const QByteArray prefix = QStringLiteral("afw-test-%1:").arg(m_prefixes).toUtf8();
        const QByteArray json = QJsonDocument(chain.toJson()).toJson(QJsonDocument::Compact);
        const QByteArray list = prefix + "chains:" + sessionId.toUtf8();
        const QByteArray ttl = QByteArray::number(StorageLimits().sessionTtlMs);
        const Redis::Reply r = Test::awaitReply(m_raw->transaction(
            {{"RPUSH", list, json}, {"PEXPIRE", list, ttl},
             {"SET", prefix + "chain:" + chain.id.toUtf8(), json, "PX", ttl}}));
        if (r.isError())
            qWarning("storing a chain failed: %s", qPrintable(r.errorMessage()));
        return !r.isError();
    }
    Redis::Reply raw(const QList<QByteArray> &command) { return Test::awaitReply(m_raw->command(command)); }
    QString uid(const char *base) { return QLatin1String(base) + u'-' + QString::number(++m_counter); }
    int m_counter = 0;
    int m_prefixes = 0;
    std::unique_ptr<Test::RedisServer> m_redis;
    std::unique_ptr<Redis::Client> m_raw; // the test's own connection: what others write

private Q_SLOTS:
    void initTestCase_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("memory") << QStringLiteral("memory");
        QTest::newRow("redis") << QStringLiteral("redis");
    }

    void initTestCase()
    {
        if (m_redis || !Test::RedisServer::available())
            return; // the redis row skips (or fails with AFW_REQUIRE_REDIS=1) in init()
        m_redis = std::make_unique<Test::RedisServer>();
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        m_raw = std::make_unique<Redis::Client>(*Redis::RedisUrl::parse(m_redis->url()));
        m_raw->start();
        QVERIFY(QTest::qWaitFor([this] { return m_raw->isConnected(); }, 5000));
    }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend == QLatin1String("redis")) {
            AFW_REQUIRE_REDIS_SERVER();
            QVERIFY(m_redis && m_redis->isRunning());
        }
    }

    void createIsIdempotent()
    {
        auto s = make();
        const QString id = uid("s");
        auto r1 = await(s->createSession(session(id, 1000)));
        QVERIFY(r1.ok());
        QVERIFY(r1.value.created);
        Session changed = session(id, 2000);
        changed.cwd = QStringLiteral("/elsewhere");
        auto r2 = await(s->createSession(changed));
        QVERIFY(r2.ok());
        QVERIFY(!r2.value.created);
        QCOMPARE(r2.value.session.cwd, QStringLiteral("/work"));
        auto got = await(s->getSession(id));
        QVERIFY(got.ok());
        QCOMPARE(got.value.startedAtMs, 1000);
    }

    void missingSession()
    {
        auto s = make();
        QCOMPARE(await(s->getSession(uid("none"))).error.code, StorageError::NotFound);
        QCOMPARE(await(s->updateSession(uid("none"), {})).error.code, StorageError::NotFound);
        QCOMPARE(await(s->deleteSession(uid("none"))).error.code, StorageError::NotFound);
        QCOMPARE(await(s->queueCommand(uid("none"), Command{})).error.code, StorageError::NotFound);
        QCOMPARE(await(s->queueInput(uid("none"), Input{})).error.code, StorageError::NotFound);
        auto ev = await(s->events(uid("none"), {}));
        QVERIFY(ev.ok());
        QVERIFY(ev.value.isEmpty());
        auto t = await(s->ttl(uid("none")));
        QVERIFY(t.ok());
        QCOMPARE(t.value.session, -2);
        QCOMPARE(t.value.events, -2);
    }

    void updateSetsEnd()
    {
        auto s = make();
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs() - 5000))).ok());
        SessionUpdate u;
        u.status = Status::Completed;
        u.summary = QStringLiteral("done");
        auto r = await(s->updateSession(id, u));
        QVERIFY(r.ok());
        QCOMPARE(r.value.status, Status::Completed);
        QVERIFY(r.value.endedAtMs);
        QVERIFY(*r.value.endedAtMs - r.value.startedAtMs >= 5000);
        QCOMPARE(await(s->getSession(id)).value.summary, QStringLiteral("done"));
    }

    void listNewestFirstWithFilters()
    {
        auto s = make();
        const QString a = uid("a"), b = uid("b"), c = uid("c");
        QVERIFY(await(s->createSession(session(a, 1000, QStringLiteral("alice")))).ok());
        QVERIFY(await(s->createSession(session(b, 3000, QStringLiteral("bob")))).ok());
        QVERIFY(await(s->createSession(session(c, 2000, QStringLiteral("alice")))).ok());
        SessionUpdate done;
        done.status = Status::Failed;
        QVERIFY(await(s->updateSession(c, done)).ok());
        auto all = await(s->listSessions({}));
        QVERIFY(all.ok());
        QCOMPARE(all.value.size(), 3);
        QCOMPARE(all.value.at(0).session.id, b);
        QCOMPARE(all.value.at(1).session.id, c);
        QCOMPARE(all.value.at(2).session.id, a);
        SessionFilter byUser;
        byUser.user = QStringLiteral("alice");
        QCOMPARE(await(s->listSessions(byUser)).value.size(), 2);
        SessionFilter byStatus;
        byStatus.status = QStringLiteral("failed");
        QCOMPARE(await(s->listSessions(byStatus)).value.size(), 1);
        SessionFilter limited;
        limited.limit = 1;
        QCOMPARE(await(s->listSessions(limited)).value.size(), 1);
    }

    void eventsSeqAndQueries()
    {
        auto s = make();
        QSignalSpy added(s.get(), &Storage::eventAdded);
        const QString id = uid("s");
        const qint64 t0 = nowMs() - 100000;
        for (int i = 0; i < 6; ++i) {
            auto r = await(s->addEvent(makeEvent(id, QStringLiteral("step:started"), t0 + i * 10000)));
            QVERIFY(r.ok());
            QCOMPARE(r.value.seq, i + 1);
            QVERIFY(!r.value.eventId.isEmpty());
        }
        QTRY_COMPARE(added.size(), 6);
        QCOMPARE(added.at(5).at(1).toLongLong(), 6);
        const QJsonObject last = QJsonDocument::fromJson(added.at(5).at(2).toByteArray()).object();
        QCOMPARE(last.value(QStringLiteral("seq")).toInt(), 6);

        auto all = await(s->events(id, {}));
        QCOMPARE(all.value.size(), 6);
        QCOMPARE(all.value.first().seq, 1);
        EventQuery after;
        after.afterSeq = 2;
        after.limit = 3;
        auto page = await(s->events(id, after));
        QCOMPARE(page.value.size(), 3);
        QCOMPARE(page.value.first().seq, 3);
        QCOMPARE(page.value.last().seq, 5);
        EventQuery since;
        since.sinceMs = t0 + 35000;
        QCOMPARE(await(s->events(id, since)).value.size(), 2);
        EventQuery recent;
        recent.limit = 2;
        recent.lastN = true;
        auto r = await(s->events(id, recent));
        QCOMPARE(r.value.size(), 2);
        QCOMPARE(r.value.last().seq, 6);
    }

    // The cap drops the oldest events; `after` pages what is left.
    void cappedListDropsOldestAndPages()
    {
        StorageLimits limits;
        limits.maxEventsPerSession = 5;
        auto s = make(limits);
        const QString id = uid("s");
        for (int i = 0; i < 12; ++i) // seqs 8..12 remain
            QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("x")))).ok());
        auto seqs = [&](std::optional<qint64> after, int limit) {
            EventQuery q;
            q.afterSeq = after;
            q.limit = limit;
            QList<qint64> out;
            for (const auto &e : await(s->events(id, q)).value)
                out.append(e.seq);
            return out;
        };
        QCOMPARE(seqs(std::nullopt, -1), (QList<qint64>{8, 9, 10, 11, 12}));
        QCOMPARE(seqs(0, -1), (QList<qint64>{8, 9, 10, 11, 12}));
        QCOMPARE(seqs(3, 2), (QList<qint64>{8, 9}));
        QCOMPARE(seqs(9, 2), (QList<qint64>{10, 11}));
        QCOMPARE(seqs(11, 10), (QList<qint64>{12}));
        QCOMPARE(seqs(12, -1), QList<qint64>{});
        QCOMPARE(seqs(std::nullopt, 2), (QList<qint64>{8, 9}));
    }

    void eachWriteAnnouncedOnce()
    {
        auto s = make();
        QSignalSpy added(s.get(), &Storage::eventAdded);
        QSignalSpy acked(s.get(), &Storage::commandAcked);
        QSignalSpy queued(s.get(), &Storage::commandQueued);
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs()))).ok());
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("x")))).ok());
        Command c;
        c.id = uid("cmd");
        QVERIFY(await(s->queueCommand(id, c)).ok());
        QVERIFY(await(s->ackCommand(c.id, {{QStringLiteral("commandId"), c.id}})).ok());
        QTRY_COMPARE(acked.size(), 1); // the last write: the earlier ones were announced before
        QCOMPARE(added.size(), 1);
        QCOMPARE(added.at(0).at(0).toString(), id);
        QCOMPARE(queued.size(), 1);
        QCOMPARE(acked.at(0).at(0).toString(), id); // the ack names the command's session
        QCOMPARE(QJsonDocument::fromJson(acked.at(0).at(1).toByteArray()).object().value(QStringLiteral("commandId")).toString(),
                 c.id);
    }

    void listingCountsChains()
    {
        auto s = make();
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs()))).ok());
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("chain:compiled")))).ok());
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("chain:compiled")))).ok());
        Chain c;
        c.id = uid("chain");
        const int stored = storeNodeChain(id, c) ? 1 : 0; // Redis: the Node original's
        auto rows = await(s->listSessions({}));
        QVERIFY(rows.ok());
        QCOMPARE(rows.value.size(), 1);
        QCOMPARE(rows.value.first().chainsCount, 2 + stored);

        // Chains are counted by distinct id: a named chain compiled twice, started, and
        // replaced by a stored chain of the same id is one chain.
        const QString named = uid("named");
        for (const char *type : {"chain:compiled", "chain:compiled", "chain:started"})
            QVERIFY(await(s->addEvent(makeEvent(id, QLatin1String(type), nowMs(), {{QStringLiteral("chainId"), named}}))).ok());
        Chain same;
        same.id = named;
        storeNodeChain(id, same);
        rows = await(s->listSessions({}));
        QCOMPARE(rows.value.first().chainsCount, 3 + stored);

        // A chain made on the fly by step events counts too (v1.1), as /chains lists it.
        const QString steps = uid("steps");
        QVERIFY(await(s->addEvent(makeEvent(steps, QStringLiteral("step:spawned"), nowMs() + 1000,
                                            {{QStringLiteral("stepNumber"), 1}}))).ok());
        rows = await(s->listSessions({}));
        QCOMPARE(rows.value.first().session.id, steps);
        QCOMPARE(rows.value.first().chainsCount, 1);
        QCOMPARE(rows.value.first().currentChain->id, QStringLiteral("chain-1"));
        QCOMPARE(await(s->chains(steps)).value.chains().size(), 1);
        // Listings that need no chains (users) do not fold.
        SessionFilter plain;
        plain.withChains = false;
        rows = await(s->listSessions(plain));
        QCOMPARE(rows.value.size(), 2);
        QCOMPARE(rows.value.first().chainsCount, 0);
        QVERIFY(!rows.value.first().currentChain);
    }

    void batch()
    {
        auto s = make();
        const QString id = uid("s");
        QList<IncomingEvent> batch;
        for (int i = 0; i < 10; ++i)
            batch.append(makeEvent(id, QStringLiteral("x")));
        auto r = await(s->addEvents(batch));
        QVERIFY(r.ok());
        QCOMPARE(r.value, 10);
        auto all = await(s->events(id, {}));
        QCOMPARE(all.value.size(), 10);
        QCOMPARE(all.value.last().seq, 10);
    }

    void sessionsFollowEvents()
    {
        auto s = make();
        const QString id = uid("s");
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("session:started"), nowMs(),
                                        {{QStringLiteral("cwd"), QStringLiteral("/repo")}, {QStringLiteral("user"), QStringLiteral("carol")}})))
                    .ok());
        auto got = await(s->getSession(id));
        QVERIFY(got.ok());
        QCOMPARE(got.value.cwd, QStringLiteral("/repo"));
        QCOMPARE(got.value.user, QStringLiteral("carol"));
        QCOMPARE(got.value.status, Status::InProgress);
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("session:ended"), nowMs(),
                                        {{QStringLiteral("summary"), QStringLiteral("all good")}})))
                    .ok());
        got = await(s->getSession(id));
        QCOMPARE(got.value.status, Status::Completed);
        QCOMPARE(got.value.summary, QStringLiteral("all good"));
        QVERIFY(got.value.endedAtMs);
    }

    // API.md v1.1: an event for an unknown session creates it, as session:started does.
    void eventCreatesUnknownSession()
    {
        auto s = make();
        QSignalSpy changed(s.get(), &Storage::sessionChanged);
        const QString id = uid("auto");
        const qint64 t = nowMs() - 60000;
        auto r = await(s->addEvent(makeEvent(id, QStringLiteral("step:spawned"), t,
                                             {{QStringLiteral("hostname"), QStringLiteral("h")},
                                              {QStringLiteral("userId"), QStringLiteral("gina")},
                                              {QStringLiteral("stepNumber"), 1}})));
        QVERIFY(r.ok());
        QCOMPARE(r.value.seq, 1);
        QCOMPARE(changed.count(), 1);
        auto got = await(s->getSession(id));
        QVERIFY(got.ok());
        QCOMPARE(got.value.status, Status::InProgress);
        QCOMPARE(got.value.startedAtMs, t);
        QCOMPARE(got.value.hostname, QStringLiteral("h"));
        QCOMPARE(got.value.user, QStringLiteral("gina"));
        QVERIFY(got.value.cwd.isEmpty());
        auto rows = await(s->listSessions({}));
        QCOMPARE(rows.value.size(), 1);
        QCOMPARE(rows.value.first().session.id, id);
        QVERIFY(await(s->ttl(id)).value.session > 0);

        // A later event keeps it as it is.
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("x"), t + 5000,
                                            {{QStringLiteral("hostname"), QStringLiteral("other")}}))).ok());
        got = await(s->getSession(id));
        QCOMPARE(got.value.startedAtMs, t);
        QCOMPARE(got.value.hostname, QStringLiteral("h"));

        // session:started arriving after the session was made by an earlier event fills
        // in where and whose it is, and overwrites nothing the record has.
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("session:started"), t + 6000,
                                            {{QStringLiteral("cwd"), QStringLiteral("/repo")},
                                             {QStringLiteral("hostname"), QStringLiteral("other")},
                                             {QStringLiteral("platform"), QStringLiteral("linux")},
                                             {QStringLiteral("user"), QStringLiteral("someone-else")}}))).ok());
        got = await(s->getSession(id));
        QCOMPARE(got.value.cwd, QStringLiteral("/repo"));
        QCOMPARE(got.value.platform, QStringLiteral("linux"));
        QCOMPARE(got.value.hostname, QStringLiteral("h"));
        QCOMPARE(got.value.user, QStringLiteral("gina"));
        QCOMPARE(got.value.status, Status::InProgress);
        QCOMPARE(got.value.startedAtMs, t);

        // A batch creates each of its unknown sessions once.
        const QString a = uid("auto-a"), b = uid("auto-b");
        QList<IncomingEvent> batch{makeEvent(a, QStringLiteral("x"), t + 1, {{QStringLiteral("cwd"), QStringLiteral("/a")}}),
                                   makeEvent(b, QStringLiteral("session:ended"), t + 2),
                                   makeEvent(a, QStringLiteral("x"), t + 3, {{QStringLiteral("cwd"), QStringLiteral("/later")}})};
        QVERIFY(await(s->addEvents(batch)).ok());
        QCOMPARE(await(s->getSession(a)).value.cwd, QStringLiteral("/a"));
        QCOMPARE(await(s->getSession(a)).value.startedAtMs, t + 1);
        const Session ended = await(s->getSession(b)).value;
        QCOMPARE(ended.status, Status::Completed);
        QCOMPARE(ended.endedAtMs, std::optional<qint64>(t + 2));
        QCOMPARE(await(s->listSessions({})).value.size(), 3);
    }

    // Concurrent first events for one session, with Redis from two instances on the same
    // keys, all sent before any answer: one creation, from the event that got seq 1.
    void concurrentFirstEventsCreateOnce()
    {
        auto s = make();
        auto twin = makeTwin();
        QList<Storage *> writers{s.get()};
        if (twin) {
            QVERIFY(twin->isAvailable());
            writers << twin.get();
        }
        QSignalSpy created(s.get(), &Storage::sessionChanged);
        std::unique_ptr<QSignalSpy> createdOnTwin;
        if (twin)
            createdOnTwin = std::make_unique<QSignalSpy>(twin.get(), &Storage::sessionChanged);
        const QString id = uid("race");
        const qint64 t = nowMs() - 100000;
        QList<QFuture<Result<AddedEvent>>> futures;
        for (int i = 0; i < 40; ++i) {
            futures << writers.at(i % writers.size())
                           ->addEvent(makeEvent(id, QStringLiteral("x"), t + i,
                                                {{QStringLiteral("cwd"), QStringLiteral("/w%1").arg(i)}}));
        }
        int firstIndex = -1;
        for (int i = 0; i < futures.size(); ++i) {
            const auto r = await(futures.at(i));
            QVERIFY(r.ok());
            if (r.value.seq == 1)
                firstIndex = i;
        }
        QVERIFY(firstIndex >= 0);
        // sessionChanged is local: exactly one instance created it, once.
        QCOMPARE(created.count() + (createdOnTwin ? createdOnTwin->count() : 0), 1);
        const Session got = await(s->getSession(id)).value;
        QCOMPARE(got.cwd, QStringLiteral("/w%1").arg(firstIndex));
        QCOMPARE(got.startedAtMs, t + firstIndex);
        const auto rows = await(s->listSessions({}));
        QCOMPARE(rows.value.size(), 1);
        if (twin)
            QCOMPARE(await(twin->listSessions({})).value.size(), 1);
    }

    // chains() is the fold of the stored events with the stored chains merged, kept and
    // extended; the listing's chainsCount and currentChain are the same chains.
    void chainsFoldKeptAndExtended()
    {
        auto s = make();
        const QString id = uid("s");
        QList<Chain> stored; // by the Node original (Redis only)
        auto check = [&] {
            ChainFold expected;
            expected.applyAll(await(s->events(id, {})).value);
            expected.mergeStored(stored);
            const auto got = await(s->chains(id));
            QVERIFY(got.ok());
            QJsonObject want, have;
            expected.decorateSession(want);
            got.value.decorateSession(have);
            QCOMPARE(have, want);
            const auto rows = await(s->listSessions({}));
            QCOMPARE(rows.value.size(), 1);
            QCOMPARE(rows.value.first().chainsCount, int(expected.chains().size()));
            QCOMPARE(bool(rows.value.first().currentChain), expected.currentChain() != nullptr);
            if (expected.currentChain())
                QCOMPARE(rows.value.first().currentChain->toJson(), expected.currentChain()->toJson());
        };
        QVERIFY(await(s->chains(id)).ok());
        QVERIFY(await(s->chains(id)).value.chains().isEmpty()); // unknown session: none
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("step:spawned"), nowMs(), {{QStringLiteral("stepNumber"), 1}}))).ok());
        check();
        if (QTest::currentTestFailed())
            return;
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("step:completed"), nowMs(), {{QStringLiteral("stepNumber"), 1}}))).ok());
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("chain:compiled"), nowMs(), {{QStringLiteral("chainId"), QStringLiteral("c")}}))).ok());
        check();
        if (QTest::currentTestFailed())
            return;
        Chain kept;
        kept.id = QStringLiteral("kept");
        if (storeNodeChain(id, kept))
            stored.append(kept);
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("chain:completed"), nowMs(), {{QStringLiteral("chainId"), QStringLiteral("c")}}))).ok());
        check();
        // Two calls in flight at once agree with each other.
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("step:started"), nowMs(), {{QStringLiteral("stepNumber"), 2}}))).ok());
        auto f1 = s->chains(id);
        auto f2 = s->chains(id);
        QJsonObject o1, o2;
        await(f1).value.decorateSession(o1);
        await(f2).value.decorateSession(o2);
        QCOMPARE(o1, o2);
        check();
    }

    void queuesDrainAtomically_data()
    {
        QTest::addColumn<bool>("commands");
        QTest::newRow("commands") << true;
        QTest::newRow("input") << false;
    }

    // Both queues alike: items kept in order and announced once each, a peek keeps them, a
    // take drains them all in one step.
    void queuesDrainAtomically()
    {
        QFETCH(bool, commands);
        auto s = make();
        QSignalSpy queued(s.get(), commands ? &Storage::commandQueued : &Storage::inputQueued);
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs()))).ok());
        for (int i = 0; i < 3; ++i) {
            const QString item = QStringLiteral("item-%1").arg(i);
            if (commands) {
                Command c;
                c.id = item;
                c.type = CommandType::Pause;
                c.timestamp = nowIso();
                QVERIFY(await(s->queueCommand(id, c)).ok());
            } else {
                Input in;
                in.input = item;
                in.timestamp = nowIso();
                QVERIFY(await(s->queueInput(id, in)).ok());
            }
        }
        auto take = [&](bool peek) {
            return await(commands ? s->takeCommands(id, peek) : s->takeInput(id, peek)).value;
        };
        QTRY_COMPARE(queued.size(), 3);
        QCOMPARE(take(true).size(), 3); // peek keeps
        const QList<QByteArray> taken = take(false);
        QCOMPARE(taken.size(), 3);
        const QJsonObject first = QJsonDocument::fromJson(taken.first()).object();
        QCOMPARE(first.value(commands ? QStringLiteral("id") : QStringLiteral("input")).toString(),
                 QStringLiteral("item-0"));
        QCOMPARE(take(false).size(), 0);
    }

    // Chains the Node original stored in a shared Redis win over folded ones by id (a
    // later one over an earlier one), count in the listing, and go with the session.
    // Memory has no stored chains: the fold is all there is.
    void nodeChainsWinById()
    {
        auto s = make();
        const QString id = uid("s");
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("chain:compiled"), nowMs(),
                                            {{QStringLiteral("chainId"), QStringLiteral("c1")},
                                             {QStringLiteral("title"), QStringLiteral("folded")}}))).ok());
        Chain c;
        c.id = QStringLiteral("c1");
        c.status = Status::Skipped;
        c.fields.insert(QStringLiteral("title"), QStringLiteral("stored"));
        if (!storeNodeChain(id, c)) {
            const auto folded = await(s->chains(id));
            QCOMPARE(folded.value.chains().size(), 1);
            QCOMPARE(folded.value.chains().first().fields.value(QStringLiteral("title")).toString(), QStringLiteral("folded"));
            QCOMPARE(await(s->ttl(id)).value.chains, -2);
            return;
        }
        Chain other;
        other.id = QStringLiteral("node-only");
        QVERIFY(storeNodeChain(id, other));
        c.status = Status::Completed;
        QVERIFY(storeNodeChain(id, c)); // the same id again: the later one wins
        const auto got = await(s->chains(id));
        QVERIFY(got.ok());
        QCOMPARE(got.value.chains().size(), 2);
        QCOMPARE(got.value.chains().at(0).id, QStringLiteral("c1"));
        QCOMPARE(got.value.chains().at(0).status, Status::Completed);
        QCOMPARE(got.value.chains().at(0).fields.value(QStringLiteral("title")).toString(), QStringLiteral("stored"));
        QCOMPARE(got.value.chains().at(1).id, QStringLiteral("node-only"));
        QCOMPARE(await(s->listSessions({})).value.first().chainsCount, 2);
        QVERIFY(await(s->ttl(id)).value.chains > 0);

        const QByteArray prefix = QStringLiteral("afw-test-%1:").arg(m_prefixes).toUtf8();
        QVERIFY(await(s->deleteSession(id)).ok());
        QCOMPARE(raw({"EXISTS", prefix + "chains:" + id.toUtf8()}).integer, 0);
        QCOMPARE(raw({"EXISTS", prefix + "chain:c1"}).integer, 0);
        QCOMPARE(raw({"EXISTS", prefix + "chain:node-only"}).integer, 0);
        QVERIFY(await(s->chains(id)).value.chains().isEmpty());
    }

    void deleteRemovesEverything()
    {
        auto s = make();
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs()))).ok());
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("x")))).ok());
        Command c;
        c.id = QStringLiteral("cmd-x");
        QVERIFY(await(s->queueCommand(id, c)).ok());
        QVERIFY(await(s->deleteSession(id)).ok());
        QCOMPARE(await(s->getSession(id)).error.code, StorageError::NotFound);
        QVERIFY(await(s->events(id, {})).value.isEmpty());
        QVERIFY(await(s->takeCommands(id, false)).value.isEmpty());
        auto t = await(s->ttl(id));
        QCOMPARE(t.value.events, -2);
        QCOMPARE(t.value.commands, -2);
        // seq starts over for a deleted session
        QCOMPARE(await(s->addEvent(makeEvent(id, QStringLiteral("x")))).value.seq, 1);
    }

    void ttlsReported()
    {
        StorageLimits limits;
        limits.sessionTtlMs = 3600 * 1000;
        limits.queueTtlMs = 300 * 1000;
        auto s = make(limits);
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs()))).ok());
        auto t = await(s->ttl(id));
        QVERIFY(t.value.session > 3590 && t.value.session <= 3600);
        QCOMPARE(t.value.events, -2);
        QCOMPARE(t.value.commands, -2);
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("x")))).ok());
        Command c;
        c.id = QStringLiteral("cmd-t");
        QVERIFY(await(s->queueCommand(id, c)).ok());
        t = await(s->ttl(id));
        QVERIFY(t.value.events > 3590);
        QVERIFY(t.value.commands > 290 && t.value.commands <= 300);
    }

    void expiryFreesData()
    {
        StorageLimits limits;
        limits.sessionTtlMs = 300;
        limits.queueTtlMs = 300;
        auto s = make(limits);
        const QString id = uid("s");
        QVERIFY(await(s->createSession(session(id, nowMs()))).ok());
        QVERIFY(await(s->addEvent(makeEvent(id, QStringLiteral("x")))).ok());
        QTRY_COMPARE_WITH_TIMEOUT(await(s->getSession(id)).error.code, StorageError::NotFound, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(await(s->events(id, {})).value.isEmpty(), 5000);
        QCOMPARE(await(s->ttl(id)).value.events, -2);
        if (auto *mem = qobject_cast<MemoryStorage *>(s.get()))
            QTRY_COMPARE_WITH_TIMEOUT(mem->entryCount(), 0, 5000); // the memory is freed, not just hidden
    }
};

QTEST_GUILESS_MAIN(TestStorage)
#include "tst_storage.moc"

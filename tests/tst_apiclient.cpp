// SPDX-License-Identifier: MIT
// ApiClient (REST) over the real wire against a real afwd process: every call of
// API.md with its typed answer, and paging past 1,000 sessions on both backends.
// The failures an operator meets are in tst_apierrors.
#include <QJsonArray>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <memory>

#include "afwdprocess.h"
#include "apiclient.h"
#include "apiwait.h"
#include "redisserver.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::await;
using Afw::Test::makeEvent;

namespace {
const QString kKey = u"client-test-key"_s;
constexpr qint64 kT0 = 1772359200000; // 2026-03-01T10:00:00Z
} // namespace

class tst_ApiClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void serverAndSessions();
    void eventsAndChains();
    void commandsInputUsers();
    void deleteSession();
    void sessionPaging_data();
    void sessionPaging();

private:
    void startDaemon(AfwdProcess::Options options = {});

    std::unique_ptr<AfwdProcess> m_afwd;
    std::unique_ptr<Test::RedisServer> m_redis;
    ApiClient m_client;
};

void tst_ApiClient::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
}

void tst_ApiClient::cleanup()
{
    m_afwd.reset();
    m_redis.reset();
    m_client.setApiKey({});
    m_client.setTimeoutMs(30000);
}

void tst_ApiClient::startDaemon(AfwdProcess::Options options)
{
    if (options.apiKey.isEmpty())
        options.apiKey = kKey;
    m_afwd = std::make_unique<AfwdProcess>(options);
    QVERIFY2(m_afwd->start(), qPrintable(m_afwd->errorString()));
    m_client.setBaseUrl(m_afwd->url());
    m_client.setApiKey(options.apiKey);
}

void tst_ApiClient::serverAndSessions()
{
    startDaemon();
    const auto info = await<ServerInfo>([&](QObject *c, auto cb) { m_client.checkServer(c, cb); });
    QVERIFY2(info.ok(), qPrintable(info.error.describe()));
    QCOMPARE(info.value.status, u"ok"_s);
    QCOMPARE(info.value.storage, u"memory"_s);
    QCOMPARE(info.value.version, QStringLiteral(AFW_VERSION));
    QVERIFY(!info.value.degraded());

    NewSession ns{u"/repo"_s, u"host-a"_s, u"linux"_s, u"alice"_s, u"s-one"_s};
    const auto created =
        await<Session>([&](QObject *c, auto cb) { m_client.createSession(ns, c, cb); });
    QVERIFY2(created.ok(), qPrintable(created.error.describe()));
    QCOMPARE(created.value.id, u"s-one"_s);
    QCOMPARE(created.value.cwd, u"/repo"_s);
    QCOMPARE(created.value.user, u"alice"_s);
    QCOMPARE(created.value.status, Status::Pending);
    // Re-posting the id answers 200 with the stored session: still a success.
    ns.cwd = u"/elsewhere"_s;
    const auto again =
        await<Session>([&](QObject *c, auto cb) { m_client.createSession(ns, c, cb); });
    QVERIFY(again.ok());
    QCOMPARE(again.value.cwd, u"/repo"_s);

    const auto list = await<QList<SessionSummary>>(
        [&](QObject *c, auto cb) { m_client.listSessions({}, c, cb); });
    QVERIFY2(list.ok(), qPrintable(list.error.describe()));
    QCOMPARE(list.value.size(), 1);
    QCOMPARE(list.value[0].session.id, u"s-one"_s);
    QCOMPARE(list.value[0].session.hostname, u"host-a"_s);
    QCOMPARE(list.value[0].chainsCount, 0);

    SessionPatch patch;
    patch.status = Status::Failed;
    patch.summary = u"gave up"_s;
    const auto updated = await<Session>(
        [&](QObject *c, auto cb) { m_client.updateSession(u"s-one"_s, patch, c, cb); });
    QVERIFY2(updated.ok(), qPrintable(updated.error.describe()));
    QCOMPARE(updated.value.status, Status::Failed);
    QCOMPARE(updated.value.summary, u"gave up"_s);
    QVERIFY(updated.value.endedAtMs.has_value());

    SessionQuery failedOnly;
    failedOnly.status = u"failed"_s;
    const auto filtered = await<QList<SessionSummary>>(
        [&](QObject *c, auto cb) { m_client.listSessions(failedOnly, c, cb); });
    QVERIFY(filtered.ok());
    QCOMPARE(filtered.value.size(), 1);
    failedOnly.status = u"completed"_s;
    const auto none = await<QList<SessionSummary>>(
        [&](QObject *c, auto cb) { m_client.listSessions(failedOnly, c, cb); });
    QVERIFY(none.ok());
    QVERIFY(none.value.isEmpty());

    const auto ttl =
        await<TtlReport>([&](QObject *c, auto cb) { m_client.sessionTtl(u"s-one"_s, c, cb); });
    QVERIFY2(ttl.ok(), qPrintable(ttl.error.describe()));
    QCOMPARE(ttl.value.sessionId, u"s-one"_s);
    QCOMPARE(ttl.value.storage, u"memory"_s);
    QVERIFY2(ttl.value.session > 86000 && ttl.value.session <= 86400,
             qPrintable(QString::number(ttl.value.session)));
    QCOMPARE(ttl.value.commands, TtlReport::kAbsent);
    QCOMPARE(ttl.value.parts().size(), 5);
    QVERIFY(ttl.value.receivedAtMs > 0);

    const auto metrics = await<QByteArray>([&](QObject *c, auto cb) { m_client.metrics(c, cb); });
    QVERIFY2(metrics.ok(), qPrintable(metrics.error.describe()));
    QVERIFY(metrics.value.contains("afw_"));
}

void tst_ApiClient::eventsAndChains()
{
    startDaemon();
    // Recent enough for /recent's window (at most 30 days).
    const qint64 kT0 = nowMs() / 1000 * 1000 - 600000;
    const QString sid = u"s-ev"_s;
    const auto first = await<PostedEvent>([&](QObject *c, auto cb) {
        m_client.postEvent(
            makeEvent(sid, u"session:started"_s, kT0, {{u"cwd"_s, u"/w"_s}, {u"user"_s, u"bob"_s}}),
            c, cb);
    });
    QVERIFY2(first.ok(), qPrintable(first.error.describe()));
    QCOMPARE(first.value.seq, 1);
    QCOMPARE(first.value.sessionId, sid);
    QVERIFY(!first.value.eventId.isEmpty());

    QJsonArray batch;
    batch.append(makeEvent(
        sid, u"chain:compiled"_s, kT0 + 1000,
        {{u"chainId"_s, u"c1"_s},
         {u"title"_s, u"Build"_s},
         {u"steps"_s, QJsonArray{QJsonObject{{u"stepNumber"_s, 1}, {u"action"_s, u"code"_s}},
                                 QJsonObject{{u"stepNumber"_s, 2}, {u"action"_s, u"review"_s}}}}}));
    batch.append(makeEvent(sid, u"chain:started"_s, kT0 + 2000, {{u"chainId"_s, u"c1"_s}}));
    batch.append(makeEvent(sid, u"step:started"_s, kT0 + 3000, {{u"stepNumber"_s, 1}}));
    batch.append(makeEvent(sid, u"step:completed"_s, kT0 + 5000,
                           {{u"stepNumber"_s, 1}, {u"result"_s, u"ok"_s}}));
    batch.append(makeEvent(sid, u"step:started"_s, kT0 + 6000, {{u"stepNumber"_s, 2}}));
    const auto posted = await<int>([&](QObject *c, auto cb) { m_client.postEvents(batch, c, cb); });
    QVERIFY2(posted.ok(), qPrintable(posted.error.describe()));
    QCOMPARE(posted.value, 5);

    const auto all =
        await<QList<EventRecord>>([&](QObject *c, auto cb) { m_client.events(sid, {}, c, cb); });
    QVERIFY2(all.ok(), qPrintable(all.error.describe()));
    QCOMPARE(all.value.size(), 6);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(all.value[i].seq, i + 1);
    QCOMPARE(all.value[1].type, u"chain:compiled"_s);
    QCOMPARE(all.value[1].timestampMs, kT0 + 1000);
    QCOMPARE(all.value[1].json.value(u"title"_s).toString(), u"Build"_s);

    EventsRequest page;
    page.afterSeq = 2;
    page.limit = 2;
    const auto paged =
        await<QList<EventRecord>>([&](QObject *c, auto cb) { m_client.events(sid, page, c, cb); });
    QVERIFY(paged.ok());
    QCOMPARE(paged.value.size(), 2);
    QCOMPARE(paged.value[0].seq, 3);
    QCOMPARE(paged.value[1].seq, 4);
    EventsRequest since;
    since.sinceMs = kT0 + 5000;
    const auto late =
        await<QList<EventRecord>>([&](QObject *c, auto cb) { m_client.events(sid, since, c, cb); });
    QVERIFY(late.ok());
    QCOMPARE(late.value.size(), 2);

    const int seconds = 3600;
    const auto recent = await<QList<EventRecord>>(
        [&](QObject *c, auto cb) { m_client.recentEvents(sid, 2, seconds, c, cb); });
    QVERIFY2(recent.ok(), qPrintable(recent.error.describe()));
    QCOMPARE(recent.value.size(), 2);
    QCOMPARE(recent.value.last().seq, 6);

    const auto detail =
        await<SessionDetail>([&](QObject *c, auto cb) { m_client.getSession(sid, c, cb); });
    QVERIFY2(detail.ok(), qPrintable(detail.error.describe()));
    QCOMPARE(detail.value.session.user, u"bob"_s);
    QCOMPARE(detail.value.session.status, Status::InProgress);
    QCOMPARE(detail.value.chains.size(), 1);
    QCOMPARE(detail.value.currentChainId, u"c1"_s);
    QCOMPARE(detail.value.totalStepsExecuted, 1);
    const Chain &c1 = detail.value.chains[0];
    QCOMPARE(c1.status, Status::InProgress);
    QCOMPARE(c1.steps.size(), 2);
    QCOMPARE(c1.steps[0].status, Status::Completed);
    QCOMPARE(c1.steps[0].fields.value(u"duration"_s).toInteger(), 2000);
    QCOMPARE(c1.steps[1].status, Status::InProgress);

    const auto chains =
        await<QList<Chain>>([&](QObject *c, auto cb) { m_client.sessionChains(sid, c, cb); });
    QVERIFY(chains.ok());
    QCOMPARE(chains.value.size(), 1);
    QCOMPARE(chains.value[0].toJson(), c1.toJson());

    const auto list = await<QList<SessionSummary>>(
        [&](QObject *c, auto cb) { m_client.listSessions({}, c, cb); });
    QVERIFY(list.ok());
    QCOMPARE(list.value.size(), 1);
    QCOMPARE(list.value[0].chainsCount, 1);
    QCOMPARE(list.value[0].currentChainId.isEmpty() || list.value[0].currentChainId == u"c1"_s,
             true);
}

void tst_ApiClient::commandsInputUsers()
{
    startDaemon();
    const QString sid = u"s-cmd"_s;
    NewSession ns{u"/repo"_s, {}, {}, u"carol"_s, sid};
    QVERIFY(await<Session>([&](QObject *c, auto cb) { m_client.createSession(ns, c, cb); }).ok());

    const auto cmd = await<Command>([&](QObject *c, auto cb) {
        m_client.queueCommand(sid, CommandType::Pause, QJsonObject{{u"reason"_s, u"lunch"_s}}, c,
                              cb);
    });
    QVERIFY2(cmd.ok(), qPrintable(cmd.error.describe()));
    QCOMPARE(cmd.value.type, CommandType::Pause);
    QCOMPARE(cmd.value.payload.toObject().value(u"reason"_s).toString(), u"lunch"_s);
    QVERIFY(!cmd.value.id.isEmpty());

    const auto peeked = await<QList<Command>>(
        [&](QObject *c, auto cb) { m_client.takeCommands(sid, true, c, cb); });
    QVERIFY(peeked.ok());
    QCOMPARE(peeked.value.size(), 1);
    const auto taken = await<QList<Command>>(
        [&](QObject *c, auto cb) { m_client.takeCommands(sid, false, c, cb); });
    QVERIFY(taken.ok());
    QCOMPARE(taken.value.size(), 1);
    QCOMPARE(taken.value[0].id, cmd.value.id);
    const auto empty = await<QList<Command>>(
        [&](QObject *c, auto cb) { m_client.takeCommands(sid, false, c, cb); });
    QVERIFY(empty.ok());
    QVERIFY(empty.value.isEmpty());

    const auto ack = await<bool>([&](QObject *c, auto cb) {
        m_client.ackCommand(cmd.value.id, u"paused"_s, QJsonValue(QJsonValue::Undefined), c, cb);
    });
    QVERIFY2(ack.ok(), qPrintable(ack.error.describe()));
    QVERIFY(ack.value);

    const auto input = await<Input>(
        [&](QObject *c, auto cb) { m_client.queueInput(sid, u"yes"_s, u"Continue?"_s, c, cb); });
    QVERIFY2(input.ok(), qPrintable(input.error.describe()));
    QCOMPARE(input.value.input.toString(), u"yes"_s);
    QCOMPARE(input.value.prompt.toString(), u"Continue?"_s);
    const auto inPeek =
        await<QList<Input>>([&](QObject *c, auto cb) { m_client.takeInput(sid, true, c, cb); });
    QVERIFY(inPeek.ok());
    QCOMPARE(inPeek.value.size(), 1);
    const auto inputs =
        await<QList<Input>>([&](QObject *c, auto cb) { m_client.takeInput(sid, false, c, cb); });
    QVERIFY(inputs.ok());
    QCOMPARE(inputs.value.size(), 1);
    QCOMPARE(inputs.value[0].input.toString(), u"yes"_s);

    const auto users = await<QList<UserInfo>>([&](QObject *c, auto cb) { m_client.users(c, cb); });
    QVERIFY2(users.ok(), qPrintable(users.error.describe()));
    QCOMPARE(users.value.size(), 1);
    QCOMPARE(users.value[0].user, u"carol"_s);
    QCOMPARE(users.value[0].id, u"carol"_s);
    QCOMPARE(users.value[0].sessionCount, 1);
    QCOMPARE(users.value[0].sessionIds, QStringList{sid});
    const auto userSessions = await<QList<Session>>(
        [&](QObject *c, auto cb) { m_client.userSessions(u"carol"_s, c, cb); });
    QVERIFY(userSessions.ok());
    QCOMPARE(userSessions.value.size(), 1);
    QCOMPARE(userSessions.value[0].id, sid);
}

void tst_ApiClient::deleteSession()
{
    startDaemon();
    NewSession ns{u"/repo"_s, {}, {}, {}, u"s-del"_s};
    QVERIFY(await<Session>([&](QObject *c, auto cb) { m_client.createSession(ns, c, cb); }).ok());
    const auto gone =
        await<bool>([&](QObject *c, auto cb) { m_client.deleteSession(u"s-del"_s, c, cb); });
    QVERIFY2(gone.ok(), qPrintable(gone.error.describe()));
    QVERIFY(gone.value);
    const auto again =
        await<bool>([&](QObject *c, auto cb) { m_client.deleteSession(u"s-del"_s, c, cb); });
    QCOMPARE(again.error.kind, ApiError::NotFound);
    QVERIFY(!again.value);
    QVERIFY2(again.error.describe().contains(u"s-del"_s), qPrintable(again.error.describe()));
}

void tst_ApiClient::sessionPaging_data()
{
    QTest::addColumn<bool>("redis");
    QTest::newRow("memory") << false;
    QTest::newRow("redis") << true;
}

void tst_ApiClient::sessionPaging()
{
    QFETCH(bool, redis);
    AfwdProcess::Options options;
    if (redis) {
        AFW_REQUIRE_REDIS_SERVER();
        m_redis = std::make_unique<Test::RedisServer>();
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        options.redisUrl = m_redis->url();
    }
    startDaemon(options);
    constexpr int kSessions = 2500;
    QJsonArray events;
    for (int i = 0; i < kSessions; ++i)
        events.append(makeEvent(u"page-%1"_s.arg(i, 5, 10, QLatin1Char('0')), u"session:started"_s,
                                kT0 + i * 1000, {{u"cwd"_s, u"/r"_s}}));
    QVERIFY(Test::postAll(m_client, events));

    QStringList seen;
    for (int offset = 0;; offset += 1000) {
        SessionQuery q;
        q.limit = 1000;
        q.offset = offset;
        const auto page = await<QList<SessionSummary>>(
            [&](QObject *c, auto cb) { m_client.listSessions(q, c, cb); });
        QVERIFY2(page.ok(), qPrintable(page.error.describe()));
        for (const auto &s : page.value)
            seen << s.session.id;
        if (page.value.size() < 1000)
            break;
    }
    QCOMPARE(seen.size(), kSessions);
    QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), kSessions);
    // newest first, across page boundaries
    QCOMPARE(seen.first(), u"page-02499"_s);
    QCOMPARE(seen.at(1000), u"page-01499"_s);
    QCOMPARE(seen.last(), u"page-00000"_s);
}

QTEST_GUILESS_MAIN(tst_ApiClient)
#include "tst_apiclient.moc"

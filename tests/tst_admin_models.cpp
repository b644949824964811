// SPDX-License-Identifier: MIT
// Every item model of the console under QAbstractItemModelTester, fed the way the
// console feeds them: by SessionStore, SessionFeed and KeyScanner from a real afwd
// (and a real redis-server for the Keys model), through listing, paging, live
// events, filters and removals.
#include <QAbstractItemModelTester>
#include <QFont>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <memory>

#include "afwdprocess.h"
#include "apiwait.h"
#include "chaintreemodel.h"
#include "connection.h"
#include "demodata.h"
#include "eventfilterproxy.h"
#include "eventlistmodel.h"
#include "keyscanner.h"
#include "keysmodel.h"
#include "redisclient.h"
#include "redisserver.h"
#include "sessionfeed.h"
#include "sessionfilterproxy.h"
#include "sessionlistmodel.h"
#include "sessionstore.h"
#include "statusstyle.h"
#include "ttlmodel.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::await;
using Afw::Test::makeEvent;

namespace {
constexpr int kWaitMs = 10000;

void attachTester(QAbstractItemModel *model, QObject *owner)
{
    new QAbstractItemModelTester(model, QAbstractItemModelTester::FailureReportingMode::QtTest,
                                 owner);
}

QStringList column(const QAbstractItemModel *m, int col, int role = Qt::DisplayRole)
{
    QStringList out;
    for (int r = 0; r < m->rowCount(); ++r)
        out << m->index(r, col).data(role).toString();
    return out;
}
} // namespace

class tst_AdminModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sessionList();
    void sessionFeed();
    void keys();
    void iconsLoad();

private:
    bool connectTo(Connection &c, const AfwdProcess &afwd);
};

void tst_AdminModels::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
}

bool tst_AdminModels::connectTo(Connection &c, const AfwdProcess &afwd)
{
    c.connectTo(afwd.url(), {});
    return QTest::qWaitFor([&c] { return c.state() == Connection::State::Live; }, kWaitMs);
}

void tst_AdminModels::sessionList()
{
    AfwdProcess afwd;
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient api;
    api.setBaseUrl(afwd.url());
    QVERIFY(!Test::seedDemo(api).isEmpty());

    Connection connection;
    SessionListModel model;
    SessionFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(SessionListModel::StartedColumn, Qt::DescendingOrder);
    attachTester(&model, this);
    attachTester(&proxy, this);
    SessionStore store(&connection, &model);
    store.setPageSize(4); // 9 sessions: three pages, the last one short
    store.setFlushInterval(10);
    QSignalSpy loaded(&store, &SessionStore::loaded);
    QVERIFY(connectTo(connection, afwd));
    QVERIFY(loaded.count() == 1 || loaded.wait(kWaitMs));
    QCOMPARE(loaded.first().at(0).toInt(), 9);
    QCOMPARE(model.rowCount(), 9);
    QCOMPARE(proxy.rowCount(), 9);
    // newest first through the proxy; the demo's oldest is the docs sweep
    QCOMPARE(proxy.index(8, SessionListModel::IdColumn).data().toString(),
             u"sess-2b91-docs-sweep"_s);
    const int row = model.rowOf(u"sess-7f3a-auth-refactor"_s);
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, SessionListModel::StatusColumn).data().toString(), u"in progress"_s);
    QCOMPARE(model.index(row, SessionListModel::CwdColumn).data().toString(), u"payments-api"_s);
    QCOMPARE(model.index(row, SessionListModel::CwdColumn).data(Qt::ToolTipRole).toString(),
             u"/home/dana/src/payments-api"_s);
    QCOMPARE(model.index(row, SessionListModel::ChainsColumn).data().toInt(), 2);
    QVERIFY(!model.index(row, SessionListModel::StatusColumn)
                 .data(Qt::DecorationRole)
                 .value<QIcon>()
                 .isNull());
    QCOMPARE(model.users(), (QStringList{u"ana"_s, u"dana"_s, u"lee"_s, u"sam"_s}));

    // Filters
    proxy.setStatus(Status::Failed);
    QCOMPARE(column(&proxy, SessionListModel::IdColumn), QStringList{u"sess-c04e-db-migration"_s});
    proxy.setStatus(std::nullopt);
    proxy.setUser(u"lee"_s);
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setUser({});
    proxy.setText(u"MOBILE"_s); // cwd, case-insensitive
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setText({});

    // Live: a new session appears from its first event, then ends; nothing resets.
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QVERIFY(Test::postAll(api, {makeEvent(u"live-1"_s, u"session:started"_s, nowMs(),
                                          {{u"cwd"_s, u"/w/new"_s}, {u"user"_s, u"zoe"_s}})}));
    QTRY_VERIFY_WITH_TIMEOUT(model.contains(u"live-1"_s), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(model.users().size(), 5, kWaitMs);
    QVERIFY(Test::postAll(
        api, {makeEvent(u"live-1"_s, u"session:ended"_s, nowMs(), {{u"summary"_s, u"done"_s}})}));
    QTRY_COMPARE_WITH_TIMEOUT(model.find(u"live-1"_s)->session.status, Status::Completed, kWaitMs);
    QVERIFY(Test::postAll(
        api, {makeEvent(u"live-1"_s, u"chain:compiled"_s, nowMs(), {{u"chainId"_s, u"x"_s}})}));
    QTRY_COMPARE_WITH_TIMEOUT(model.find(u"live-1"_s)->chainsCount, 1, kWaitMs); // details fetched
    QCOMPARE(resets.count(), 0);

    // Deleted through the console: gone at once; deleted elsewhere: gone after a reload.
    QVERIFY(await<bool>([&](QObject *c, auto cb) { api.deleteSession(u"live-1"_s, c, cb); }).ok());
    store.forget(u"live-1"_s);
    QVERIFY(!model.contains(u"live-1"_s));
    QVERIFY(await<bool>([&](QObject *c, auto cb) {
                api.deleteSession(u"sess-6b0e-i18n"_s, c, cb);
            }).ok());
    loaded.clear();
    store.reload();
    QVERIFY(loaded.wait(kWaitMs));
    QVERIFY(!model.contains(u"sess-6b0e-i18n"_s));
    QCOMPARE(model.rowCount(), 8);
    QCOMPARE(resets.count(), 0);

    // Live rows follow the daemon's own session rules (shared/sessionrules): a step event
    // makes the row (a user that is not an id left out), then session:started fills in
    // where and whose it is. The newest page is not re-read meanwhile, and the details
    // were read before session:started came: only the event can tell.
    store.setHeadRefreshInterval(3600 * 1000);
    QVERIFY(Test::postAll(api, {makeEvent(u"live-2"_s, u"step:spawned"_s, nowMs(),
                                          {{u"stepNumber"_s, 1}, {u"user"_s, u"not an id"_s}})}));
    QTRY_VERIFY_WITH_TIMEOUT(model.contains(u"live-2"_s), kWaitMs);
    QVERIFY(model.find(u"live-2"_s)->session.user.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(model.find(u"live-2"_s)->chainsCount, 1, kWaitMs); // details read
    QVERIFY(model.find(u"live-2"_s)->session.cwd.isEmpty());
    QVERIFY(Test::postAll(api, {makeEvent(u"live-2"_s, u"session:started"_s, nowMs(),
                                          {{u"cwd"_s, u"/w/late"_s}, {u"user"_s, u"kim"_s}})}));
    QTRY_COMPARE_WITH_TIMEOUT(model.find(u"live-2"_s)->session.cwd, u"/w/late"_s, 1500);
    QCOMPARE(model.find(u"live-2"_s)->session.user, u"kim"_s);
    QCOMPARE(model.find(u"live-2"_s)->session.status, Status::InProgress);
    QCOMPARE(resets.count(), 0);
}

void tst_AdminModels::sessionFeed()
{
    AfwdProcess afwd;
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient api;
    api.setBaseUrl(afwd.url());
    const QString sid = Test::seedDemo(api);
    QVERIFY(!sid.isEmpty());

    Connection connection;
    EventListModel events;
    EventFilterProxy eventsProxy;
    eventsProxy.setSourceModel(&events);
    ChainTreeModel chains;
    TtlModel ttl;
    for (QAbstractItemModel *m :
         std::initializer_list<QAbstractItemModel *>{&events, &eventsProxy, &chains, &ttl})
        attachTester(m, this);
    SessionFeed feed(&connection, &events, &chains, &ttl);
    feed.setPageSize(10); // 36 events: four pages
    feed.setFlushInterval(10);
    QVERIFY(connectTo(connection, afwd));
    QSignalSpy ready(&feed, &SessionFeed::ready);
    feed.setSession(sid);
    QVERIFY(ready.wait(kWaitMs));
    QCOMPARE(events.rowCount(), 36);
    QCOMPARE(events.lastSeq(), 36);
    for (int r = 0; r < events.rowCount(); ++r)
        QCOMPARE(events.at(r).seq, r + 1);

    // The tree is the daemon's fold, to the field.
    const auto detail =
        await<SessionDetail>([&](QObject *c, auto cb) { api.getSession(sid, c, cb); });
    QVERIFY(detail.ok());
    QCOMPARE(chains.rowCount(), int(detail.value.chains.size()));
    for (int i = 0; i < chains.rowCount(); ++i)
        QCOMPARE(chains.chains().at(i).toJson(), detail.value.chains.at(i).toJson());
    QCOMPARE(chains.currentChainId(), detail.value.currentChainId);
    const QModelIndex running = chains.runningStep();
    QVERIFY(running.isValid());
    QCOMPARE(running.data().toString(), u"#2  code"_s);
    QCOMPARE(running.parent().data().toString(), u"Add rate limiting"_s);
    QVERIFY(running.data(Qt::FontRole).value<QFont>().bold());
    const QModelIndex failed = chains.index(2, ChainTreeModel::DetailColumn, chains.index(0, 0));
    QVERIFY(failed.data().toString().startsWith(u"2 tests failed"_s));

    // TTLs: what the demo stored, counting down from the absolute expiry.
    QCOMPARE(ttl.columnCount(), 5);
    QCOMPARE(ttl.headerData(3, Qt::Horizontal).toString(), u"commands"_s);
    QVERIFY(ttl.secondsLeft(0) > 86000);
    QCOMPARE(ttl.index(TtlModel::LeftRow, 2).data().toString(), u"absent"_s); // no stored chains
    QVERIFY(ttl.secondsLeft(3) > 200 && ttl.secondsLeft(3) <= 300);
    QCOMPARE(ttl.index(TtlModel::LeftRow, 3).data(Qt::ForegroundRole).value<QColor>(),
             Style::warningColor());
    QVERIFY(ttl.index(TtlModel::UtcRow, 0).data().toString().startsWith(u"20"_s));

    // Live: a step completes and the next starts; appended, folded, no reset.
    QSignalSpy resets(&events, &QAbstractItemModel::modelReset);
    QSignalSpy treeResets(&chains, &QAbstractItemModel::modelReset);
    QVERIFY(
        Test::postAll(api, {makeEvent(sid, u"step:completed"_s, nowMs(),
                                      {{u"stepNumber"_s, 2}, {u"result"_s, u"ok"_s}}),
                            makeEvent(sid, u"step:started"_s, nowMs(), {{u"stepNumber"_s, 3}})}));
    QTRY_COMPARE_WITH_TIMEOUT(events.rowCount(), 38, kWaitMs);
    QCOMPARE(events.at(37).seq, 38);
    QTRY_COMPARE_WITH_TIMEOUT(chains.runningStep().data().toString(), u"#3  test"_s, kWaitMs);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(treeResets.count(), 0);

    // Filters
    eventsProxy.setType(u"step:completed"_s);
    QCOMPARE(eventsProxy.rowCount(), 6); // 4 in the first chain, 1 in the second, 1 live
    eventsProxy.setText(u"claude-haiku"_s);
    QCOMPARE(eventsProxy.rowCount(), 0); // haiku's step failed
    eventsProxy.setType(u"step:failed"_s);
    QCOMPARE(eventsProxy.rowCount(), 1);
    eventsProxy.setType({});
    eventsProxy.setText({});
    QCOMPARE(eventsProxy.rowCount(), 38);
    QVERIFY(events.types().contains(u"interaction:awaiting-input"_s));

    // Another session: reset once, the first one's subscription dropped.
    feed.setSession(u"sess-2b91-docs-sweep"_s);
    QVERIFY(ready.wait(kWaitMs));
    QVERIFY(!connection.socket()->isSubscribed(sid));
    QVERIFY(events.rowCount() > 0 && events.rowCount() < 10);
    feed.setSession({});
    QCOMPARE(events.rowCount(), 0);
    QCOMPARE(chains.rowCount(), 0);
    QCOMPARE(ttl.rowCount(), 0);
}

void tst_AdminModels::keys()
{
    AFW_START_REDIS(redis);
    AfwdProcess::Options o;
    o.redisUrl = redis.url();
    AfwdProcess afwd(o);
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient api;
    api.setBaseUrl(afwd.url());
    const QString sid = Test::seedDemo(api);
    QVERIFY(!sid.isEmpty());
    // Something that is not the daemon's, under another prefix, and a key without TTL.
    Redis::Client raw(*Redis::RedisUrl::parse(redis.url()));
    raw.start();
    QTRY_VERIFY(raw.isConnected());
    QVERIFY(Test::awaitReply(raw.command({"SET", "other:key", "x"})).isOk());
    QVERIFY(Test::awaitReply(raw.command({"SET", "afw:manual", "no ttl"})).isOk());

    KeysModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(KeysModel::SortRole);
    attachTester(&model, this);
    attachTester(&proxy, this);
    KeyScanner scanner(&model);
    scanner.setPageSize(7); // many SCAN pages for a few dozen keys
    QString why;
    QVERIFY(scanner.setRedisUrl(redis.url(), &why));
    QTRY_VERIFY_WITH_TIMEOUT(scanner.isConnected(), kWaitMs);
    QSignalSpy finished(&scanner, &KeyScanner::finished);
    scanner.scan(u"afw:"_s);
    QVERIFY(finished.wait(kWaitMs));
    QStringList keys = column(&model, KeysModel::KeyColumn);
    QVERIFY(!keys.contains(u"other:key"_s));
    QVERIFY(keys.contains(u"afw:manual"_s));
    QCOMPARE(QSet<QString>(keys.begin(), keys.end()).size(),
             keys.size()); // SCAN may repeat; we must not
    for (const char *part : {"sessions", "events", "commands", "input", "seq"})
        QVERIFY2(keys.contains(u"afw:%1:%2"_s.arg(QLatin1String(part), sid)), part);
    auto rowOf = [&](const QString &key) { return int(keys.indexOf(key)); };
    const int events = rowOf(u"afw:events:"_s + sid);
    QCOMPARE(model.at(events).type, u"list"_s);
    QCOMPARE(model.at(events).length, 36);
    QVERIFY(model.at(events).memory > 0);
    QVERIFY(model.at(events).pttlMs > 86000 * 1000LL);
    QCOMPARE(model.at(rowOf(u"afw:sessions:"_s + sid)).type, u"string"_s);
    QCOMPARE(model.at(rowOf(u"afw:session-index"_s)).type, u"zset"_s);
    QCOMPARE(model.index(rowOf(u"afw:manual"_s), KeysModel::TtlColumn).data().toString(),
             u"no expiry"_s);
    const QString commandsTtl =
        model.index(rowOf(u"afw:commands:"_s + sid), KeysModel::TtlColumn).data().toString();
    QVERIFY2(commandsTtl.startsWith(u"4m"_s) || commandsTtl.startsWith(u"5m"_s),
             qPrintable(commandsTtl));
    QVERIFY(model.totalMemory() > 0);

    proxy.sort(KeysModel::TtlColumn, Qt::AscendingOrder); // soonest first, no expiry last
    QVERIFY(proxy.index(0, 0).data().toString().startsWith(u"afw:commands:"_s) ||
            proxy.index(0, 0).data().toString().startsWith(u"afw:input:"_s));
    QCOMPARE(proxy.index(proxy.rowCount() - 1, KeysModel::TtlColumn).data().toString(),
             u"no expiry"_s);

    // One session's keys only, matched by Redis, not here.
    scanner.scan(u"afw:"_s, sid);
    QVERIFY(finished.wait(kWaitMs));
    keys = column(&model, KeysModel::KeyColumn);
    for (const QString &k : std::as_const(keys))
        QVERIFY2(k.endsWith(u':' + sid), qPrintable(k));
    QVERIFY(keys.size() >= 5);
    QCOMPARE(KeyScanner::pattern(u"a*b:"_s, u"s?"_s), QByteArray("a\\*b:*:s\\?"));
}

void tst_AdminModels::iconsLoad()
{
    // The SVG icons are compiled in and the qsvg plugin draws them.
    for (Status s :
         {Status::Pending, Status::InProgress, Status::Completed, Status::Failed, Status::Skipped})
        QVERIFY(!Style::statusIcon(s).pixmap(16, 16).isNull());
    for (const char *name :
         {"connect", "refresh", "pause", "resume", "command", "input", "delete", "copy", "keys"})
        QVERIFY2(!Style::icon(QLatin1String(name)).pixmap(24, 24).isNull(), name);
}

QTEST_MAIN(tst_AdminModels)
#include "tst_admin_models.moc"

// SPDX-License-Identifier: MIT
// The console on large data, against a real afwd: 10,000 sessions, a session with
// 10,000 events (100 chains, 2,400 steps), a burst of 1,000 events/s for 3 s, and
// (with Redis) 100,000 keys in the Keys tab. A 5 ms heartbeat on the UI thread
// measures the longest stall of each phase. Figures are printed (qInfo, "FIGURE");
// only generous bounds are asserted: this checks "does not freeze", not speed.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QLocale>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "afwdprocess.h"
#include "apiwait.h"
#include "connection.h"
#include "demodata.h"
#include "eventfilterproxy.h"
#include "eventlistmodel.h"
#include "eventspane.h"
#include "keyscanner.h"
#include "keysmodel.h"
#include "keyspane.h"
#include "mainwindow.h"
#include "redisclient.h"
#include "redisserver.h"
#include "sessionfeed.h"
#include "sessionfilterproxy.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "sessionstore.h"
#include "sessionview.h"
#include "stallmeter.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::makeEvent;
using Afw::Test::StallMeter;

namespace {
constexpr int kWaitMs = 60000;
constexpr int kSessions = 10000;
constexpr int kEvents = 10000;
// Generous: a stall this long would be a visible freeze on any machine; measured
// figures are far below (see the FIGURE lines and the README).
constexpr double kMaxStallMs = 1500;

void figure(const char *what, double value, const char *unit)
{
    qInfo("FIGURE %-44s %10.1f %s", what, value, unit);
}

// Scrolls a view page by page to the end, painting each step; the slowest step in ms.
double scrollThrough(QAbstractItemView *view, int steps)
{
    QScrollBar *bar = view->verticalScrollBar();
    double worst = 0;
    for (int i = 0; i < steps && bar->value() < bar->maximum(); ++i) {
        QElapsedTimer t;
        t.start();
        bar->setValue(bar->value() + bar->pageStep() * 7); // long jumps: fresh rows each time
        view->viewport()->repaint();
        worst = std::max(worst, double(t.nsecsElapsed()) / 1e6);
    }
    return worst;
}
} // namespace

class tst_AdminLargeData : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sessionsEventsAndBurst();
    void hundredThousandKeys();

private:
    QTemporaryDir m_config;
};

void tst_AdminLargeData::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_config.path()));
}

void tst_AdminLargeData::sessionsEventsAndBurst()
{
    AfwdProcess afwd;
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient api;
    api.setBaseUrl(afwd.url());
    const qint64 t0 = nowMs() - 3600 * 1000;
    QJsonArray sessions;
    for (int i = 0; i < kSessions; ++i)
        sessions.append(makeEvent(u"bulk-%1"_s.arg(i, 5, 10, QLatin1Char('0')),
                                  u"session:started"_s, t0 + i * 100,
                                  {{u"cwd"_s, u"/srv/repo-%1"_s.arg(i % 37)},
                                   {u"user"_s, u"user%1"_s.arg(i % 23)},
                                   {u"hostname"_s, u"host-%1"_s.arg(i % 11)}}));
    QVERIFY(Test::postAll(api, sessions));
    const QString big = u"big-session"_s;
    QJsonArray bigEvents = Test::agentSession(big, t0, 100, 24);
    while (bigEvents.size() < kEvents)
        bigEvents.append(
            makeEvent(big, u"execution:log-created"_s, nowMs(), {{u"message"_s, u"log line"_s}}));
    QVERIFY(Test::postAll(api, bigEvents));

    ConsoleOptions options;
    options.url = afwd.url();
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // 1. The listing: 10,001 sessions in pages of 1,000.
    StallMeter meter;
    QSignalSpy loaded(window.store(), &SessionStore::loaded);
    meter.start();
    window.start();
    QVERIFY(loaded.wait(kWaitMs));
    const double listStall = meter.stop();
    QCOMPARE(window.sessionModel()->rowCount(), kSessions + 1);
    figure("10,001 sessions: load (ms)", loaded.first().at(1).toDouble(), "ms");
    figure("10,001 sessions: longest UI stall", listStall, "ms");
    QVERIFY2(listStall < kMaxStallMs, qPrintable(QString::number(listStall)));

    QTableView *table = window.sessionsPane()->table();
    const double sessionScroll = scrollThrough(table, 40);
    figure("sessions table: slowest scroll step + paint", sessionScroll, "ms");
    QVERIFY(sessionScroll < kMaxStallMs);
    QElapsedTimer filterTimer;
    filterTimer.start();
    window.sessionsPane()->proxy()->setText(u"repo-3"_s);
    figure("sessions: filter 10,001 rows by text", double(filterTimer.nsecsElapsed()) / 1e6, "ms");
    QVERIFY(window.sessionsPane()->proxy()->rowCount() > 0);
    window.sessionsPane()->proxy()->setText({});

    // 2. The big session: 10,000 events in pages, folded into 100 chains.
    QSignalSpy eventsLoaded(window.feed(), &SessionFeed::eventsLoaded);
    meter.start();
    QVERIFY(window.selectSession(big));
    QVERIFY(eventsLoaded.wait(kWaitMs));
    const double eventStall = meter.stop();
    QCOMPARE(window.eventModel()->rowCount(), kEvents);
    QCOMPARE(window.feed()->fold().chains().size(), 100);
    figure("10,000 events: load + fold (ms)", eventsLoaded.first().at(1).toDouble(), "ms");
    figure("10,000 events: longest UI stall", eventStall, "ms");
    QVERIFY2(eventStall < kMaxStallMs, qPrintable(QString::number(eventStall)));
    QTRY_VERIFY_WITH_TIMEOUT(window.feed()->isReady(), kWaitMs);

    QTableView *stream = window.sessionView()->eventsPane()->table();
    stream->scrollToTop();
    const double streamScroll = scrollThrough(stream, 40);
    figure("event stream: slowest scroll step + paint", streamScroll, "ms");
    QVERIFY(streamScroll < kMaxStallMs);
    filterTimer.start();
    window.sessionView()->eventsPane()->proxy()->setText(u"claude-sonnet"_s);
    figure("events: search 10,000 JSON rows", double(filterTimer.nsecsElapsed()) / 1e6, "ms");
    QVERIFY(window.sessionView()->eventsPane()->proxy()->rowCount() > 0);
    window.sessionView()->eventsPane()->proxy()->setText({});
    window.sessionView()->eventsPane()->setAutoScroll(true);

    // 3. A burst: 1,000 events/s for 3 s, posted in 50-event batches every 50 ms.
    constexpr int kBurstSeconds = 3;
    constexpr int kBatch = 50;
    const int before = window.eventModel()->rowCount();
    int posted = 0;
    int inFlight = 0;
    QElapsedTimer burstClock;
    QTimer pacer;
    pacer.setTimerType(Qt::PreciseTimer);
    pacer.setInterval(50);
    connect(&pacer, &QTimer::timeout, this, [&] {
        if (posted >= kBurstSeconds * 1000) {
            pacer.stop();
            return;
        }
        QJsonArray batch;
        for (int i = 0; i < kBatch; ++i)
            batch.append(makeEvent(big, u"step:completed"_s, nowMs(),
                                   {{u"stepNumber"_s, 24}, {u"result"_s, u"burst"_s}}));
        posted += kBatch;
        ++inFlight;
        api.postEvents(batch, this, [&inFlight](const ApiResult<int> &r) {
            --inFlight;
            QVERIFY(r.ok());
        });
    });
    meter.start();
    burstClock.start();
    pacer.start();
    QTRY_VERIFY_WITH_TIMEOUT(!pacer.isActive() && inFlight == 0, kWaitMs);
    const qint64 postedAt = burstClock.elapsed();
    QTRY_COMPARE_WITH_TIMEOUT(window.eventModel()->rowCount(), before + kBurstSeconds * 1000,
                              kWaitMs);
    const qint64 shownAt = burstClock.elapsed();
    const double burstStall = meter.stop();
    figure("burst 1,000 ev/s x 3 s: longest UI stall", burstStall, "ms");
    figure("burst: last event shown after last POST", double(shownAt - postedAt), "ms");
    figure("burst: events/s in the status bar (5 s window)", window.connection()->eventsPerSecond(),
           "ev/s");
    QVERIFY2(burstStall < kMaxStallMs, qPrintable(QString::number(burstStall)));
    QVERIFY(shownAt - postedAt < 5000);
    for (int r = 1; r < window.eventModel()->rowCount(); ++r)
        QCOMPARE(window.eventModel()->at(r).seq, window.eventModel()->at(r - 1).seq + 1);
}

void tst_AdminLargeData::hundredThousandKeys()
{
    AFW_START_REDIS(redis);
    Redis::Client raw(*Redis::RedisUrl::parse(redis.url()));
    raw.start();
    QTRY_VERIFY(raw.isConnected());
    // 100,000 keys like the daemon's, made inside Redis in one call.
    const QByteArray fill = R"lua(
for i = 1, 100000 do
  local id = 'bulk-' .. i
  if i % 2 == 0 then
    redis.call('SET', 'afw:sessions:' .. id, '{"id":"' .. id .. '"}', 'EX', 86400)
  else
    redis.call('RPUSH', 'afw:events:' .. id, '{"seq":1}', '{"seq":2}')
    redis.call('EXPIRE', 'afw:events:' .. id, 3600 + i)
  end
end
return redis.call('DBSIZE')
)lua";
    const auto filled = Test::awaitReply(raw.command({"EVAL", fill, "0"}), 30000);
    QCOMPARE(filled.integer, 100000);

    KeysModel model;
    KeyScanner scanner(&model);
    KeysPane pane(&model, &scanner);
    pane.resize(1200, 800);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QString why;
    QVERIFY(scanner.setRedisUrl(redis.url(), &why));
    QTRY_VERIFY(scanner.isConnected());
    QSignalSpy finished(&scanner, &KeyScanner::finished);
    StallMeter meter;
    meter.start();
    pane.rescan();
    QVERIFY(finished.wait(kWaitMs));
    const double stall = meter.stop();
    QCOMPARE(model.rowCount(), 100000);
    figure("100,000 keys: SCAN + details (ms)", finished.first().at(1).toDouble(), "ms");
    figure("100,000 keys: longest UI stall", stall, "ms");
    QVERIFY2(stall < kMaxStallMs, qPrintable(QString::number(stall)));
    const double scroll = scrollThrough(pane.table(), 40);
    figure("keys table: slowest scroll step + paint", scroll, "ms");
    QElapsedTimer sortTimer;
    sortTimer.start();
    pane.table()->sortByColumn(KeysModel::TtlColumn, Qt::AscendingOrder);
    figure("keys: sort 100,000 rows by TTL", double(sortTimer.nsecsElapsed()) / 1e6, "ms");
    QCOMPARE(pane.proxy()->index(0, 0).data().toString(), u"afw:events:bulk-1"_s); // shortest TTL
    QVERIFY2(pane.statusText().contains(QLocale().toString(100000) + u" keys"_s),
             qPrintable(pane.statusText()));
}

QTEST_MAIN(tst_AdminLargeData)
#include "tst_admin_largedata.moc"

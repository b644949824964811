// SPDX-License-Identifier: MIT
// The console across a daemon restart, on Redis so the data survives: afwd is killed
// under the open console, agents keep posting through a second instance, afwd comes
// back on the same port; the console reconnects by itself and shows every event
// posted while it was away exactly once, in order, plus the session that started
// meanwhile.
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "afwdprocess.h"
#include "apiwait.h"
#include "connection.h"
#include "eventlistmodel.h"
#include "mainwindow.h"
#include "redisserver.h"
#include "sessionfeed.h"
#include "sessionlistmodel.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::makeEvent;

namespace {
constexpr int kWaitMs = 15000;

QJsonArray steps(const QString &sid, int from, int count)
{
    QJsonArray out;
    for (int i = from; i < from + count; ++i)
        out.append(makeEvent(sid, u"step:completed"_s, nowMs(),
                             {{u"stepNumber"_s, i}, {u"result"_s, u"ok"_s}}));
    return out;
}
} // namespace

class tst_AdminReconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void restartUnderTheConsole();

private:
    QTemporaryDir m_config;
};

void tst_AdminReconnect::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_config.path()));
}

void tst_AdminReconnect::restartUnderTheConsole()
{
    AFW_START_REDIS(redis);
    AfwdProcess::Options o;
    o.redisUrl = redis.url();
    AfwdProcess watched(o); // the console's daemon
    AfwdProcess other(o);   // where agents post while it is down
    QVERIFY2(watched.start(), qPrintable(watched.errorString()));
    QVERIFY2(other.start(), qPrintable(other.errorString()));
    ApiClient viaWatched, viaOther;
    viaWatched.setBaseUrl(watched.url());
    viaOther.setBaseUrl(other.url());

    const QString sid = u"survivor"_s;
    QJsonArray first{makeEvent(sid, u"session:started"_s, nowMs(), {{u"cwd"_s, u"/srv/app"_s}})};
    for (const auto &e : steps(sid, 1, 9))
        first.append(e);
    QVERIFY(Test::postAll(viaWatched, first)); // seq 1..10

    ConsoleOptions options;
    options.url = watched.url();
    options.session = sid;
    MainWindow window(options);
    window.connection()->socket()->setReconnectDelays(50, 500);
    QSignalSpy done(&window, &MainWindow::firstLoadDone);
    window.show();
    window.start();
    QVERIFY(done.wait(kWaitMs));
    EventListModel *events = window.eventModel();
    QCOMPARE(events->rowCount(), 10);
    QSignalSpy resumed(window.connection(), &Connection::resumed);

    watched.stop(); // SIGKILL
    QTRY_COMPARE_WITH_TIMEOUT(window.connection()->state(), Connection::State::Reconnecting,
                              kWaitMs);
    QVERIFY(Test::postAll(viaOther, steps(sid, 10, 25))); // seq 11..35
    QVERIFY(Test::postAll(viaOther,
                          {makeEvent(u"newcomer"_s, u"session:started"_s, nowMs(),
                                     {{u"cwd"_s, u"/srv/new"_s}})})); // a session started meanwhile
    QVERIFY2(watched.restart(), qPrintable(watched.errorString()));

    QVERIFY(resumed.wait(kWaitMs)); // by itself
    QTRY_COMPARE_WITH_TIMEOUT(events->rowCount(), 35, kWaitMs);
    QVERIFY(Test::postAll(viaWatched, steps(sid, 35, 5))); // seq 36..40, live again
    QVERIFY(Test::postAll(viaOther, steps(sid, 40, 5)));   // seq 41..45, through pub/sub
    QTRY_COMPARE_WITH_TIMEOUT(events->rowCount(), 45, kWaitMs);
    for (int r = 0; r < events->rowCount(); ++r)
        QCOMPARE(events->at(r).seq, r + 1); // each exactly once, in order
    QTRY_VERIFY_WITH_TIMEOUT(window.sessionModel()->contains(u"newcomer"_s), kWaitMs);
    QCOMPARE(window.connection()->state(), Connection::State::Live);
    QCOMPARE(window.feed()->fold().totalStepsExecuted(), 44);
    QCOMPARE(window.connection()->socket()->stats().duplicates, 0u);
    // Nothing more arrives late: a ping round trip after the last event finds 45 still.
    QSignalSpy pong(window.connection()->socket(), &EventSocket::pongReceived);
    QVERIFY(window.connection()->socket()->sendPing());
    QVERIFY(pong.wait(kWaitMs));
    QTRY_VERIFY(!window.feed()->hasPendingEvents());
    QCOMPARE(events->rowCount(), 45);
}

QTEST_MAIN(tst_AdminReconnect)
#include "tst_admin_reconnect.moc"

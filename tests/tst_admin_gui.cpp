// SPDX-License-Identifier: MIT
// The console as an operator uses it, against a real afwd process: a session appears
// live, is selected with the mouse, an event arrives in the stream and the tree
// follows, Pause is clicked and the daemon has the command queued, the session is
// deleted and vanishes; plus the keyboard, the dialogs, explained errors and the
// remembered layout.
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QJsonArray>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <memory>

#include "afwdprocess.h"
#include "apiwait.h"
#include "chaintreemodel.h"
#include "commanddialog.h"
#include "connection.h"
#include "consolesettings.h"
#include "demodata.h"
#include "eventfilterproxy.h"
#include "eventlistmodel.h"
#include "eventspane.h"
#include "mainwindow.h"
#include "noticebar.h"
#include "sessionfeed.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "sessionstore.h"
#include "sessionview.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::await;
using Afw::Test::makeEvent;

namespace {
constexpr int kWaitMs = 10000;

QToolButton *buttonNamed(QWidget *in, const QString &text)
{
    const auto buttons = in->findChildren<QToolButton *>();
    for (QToolButton *b : buttons) {
        if (b->text() == text && b->isVisible())
            return b;
    }
    return nullptr;
}
} // namespace

class tst_AdminGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void operatorFlow();
    void keyboard();
    void commandDialogPayload();
    void errorsAreExplained();
    void pausedStreamCountsNew();
    void layoutIsRemembered();
    void daemonStartsLater();

private:
    void openWindow(const QString &session = {});

    QTemporaryDir m_config;
    std::unique_ptr<AfwdProcess> m_afwd;
    std::unique_ptr<MainWindow> m_window;
    ApiClient m_api;
};

void tst_AdminGui::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
    QVERIFY(m_config.isValid());
    // Settings go to a directory of our own: nothing read from or left in the user's.
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_config.path()));
}

void tst_AdminGui::init()
{
    m_afwd = std::make_unique<AfwdProcess>();
    QVERIFY2(m_afwd->start(), qPrintable(m_afwd->errorString()));
    m_api.setBaseUrl(m_afwd->url());
}

void tst_AdminGui::cleanup()
{
    m_window.reset();
    m_afwd.reset();
}

void tst_AdminGui::openWindow(const QString &session)
{
    ConsoleOptions options;
    options.url = m_afwd->url();
    options.session = session;
    m_window = std::make_unique<MainWindow>(options);
    m_window->setConfirmHandler([](const QString &) { return true; });
    QSignalSpy done(m_window.get(), &MainWindow::firstLoadDone);
    m_window->show();
    m_window->start();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(done.count() == 1 || done.wait(kWaitMs));
}

void tst_AdminGui::operatorFlow()
{
    QVERIFY(!Test::seedDemo(m_api).isEmpty());
    openWindow();
    QTableView *table = m_window->sessionsPane()->table();
    QCOMPARE(table->model()->rowCount(), 9);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->connection()->state(), Connection::State::Live, kWaitMs);
    QVERIFY(m_window->statusText().contains(u"Live"_s));
    QVERIFY(m_window->statusText().contains(u"memory backend"_s));

    // A session appears live.
    const QString sid = u"gui-live"_s;
    QVERIFY(Test::postAll(
        m_api, {makeEvent(sid, u"session:started"_s, nowMs(), {{u"cwd"_s, u"/srv/gui"_s}})}));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->sessionModel()->contains(sid), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 10, kWaitMs);

    // Selected with the mouse: it is the newest, so the first row.
    const QModelIndex first = table->model()->index(0, 1);
    QCOMPARE(first.data().toString(), sid);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(first).center());
    QCOMPARE(m_window->currentSessionId(), sid);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->feed()->isReady(), kWaitMs);
    QCOMPARE(m_window->eventModel()->rowCount(), 1);

    // An event arrives in the stream, and the tree follows.
    QVERIFY(Test::postAll(m_api, {makeEvent(sid, u"step:started"_s, nowMs(),
                                            {{u"stepNumber"_s, 1}, {u"action"_s, u"deploy"_s}})}));
    QTableView *stream = m_window->sessionView()->eventsPane()->table();
    QTRY_COMPARE_WITH_TIMEOUT(stream->model()->rowCount(), 2, kWaitMs);
    QCOMPARE(stream->model()->index(1, EventListModel::TypeColumn).data().toString(),
             u"step:started"_s);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->chainModel()->rowCount(), 1, kWaitMs);
    QCOMPARE(m_window->chainModel()->runningStep().data().toString(), u"#1  deploy"_s);
    QVERIFY(m_window->sessionView()->chainTree()->isExpanded(m_window->chainModel()->index(0, 0)));

    // Pause, clicked; the daemon has it queued.
    QSignalSpy finished(m_window.get(), &MainWindow::actionFinished);
    QToolButton *pause = buttonNamed(m_window->sessionView(), u"Pause"_s);
    QVERIFY(pause);
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(m_window->globalNotice()->text().contains(u"queued"_s));
    const auto queued =
        await<QList<Command>>([&](QObject *c, auto cb) { m_api.takeCommands(sid, true, c, cb); });
    QVERIFY(queued.ok());
    QCOMPARE(queued.value.size(), 1);
    QCOMPARE(queued.value[0].type, CommandType::Pause);

    // Input, through the window's own path.
    finished.clear();
    m_window->sendInput(u"carry on"_s, u"Continue?"_s);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY(finished.first().at(0).toBool());
    const auto inputs =
        await<QList<Input>>([&](QObject *c, auto cb) { m_api.takeInput(sid, true, c, cb); });
    QVERIFY(inputs.ok());
    QCOMPARE(inputs.value.size(), 1);

    // Delete, confirmed; it vanishes here and on the daemon.
    finished.clear();
    QToolButton *remove = buttonNamed(m_window->sessionView(), u"Delete"_s);
    QVERIFY(remove);
    QTest::mouseClick(remove, Qt::LeftButton);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(!m_window->sessionModel()->contains(sid));
    QCOMPARE(table->model()->rowCount(), 9);
    const auto gone =
        await<SessionDetail>([&](QObject *c, auto cb) { m_api.getSession(sid, c, cb); });
    QCOMPARE(gone.error.kind, ApiError::NotFound);
    QVERIFY(m_window->currentSessionId() != sid);
}

void tst_AdminGui::keyboard()
{
    const QString main = Test::seedDemo(m_api);
    openWindow(main);
    QCOMPARE(m_window->currentSessionId(), main); // --session shown
    QVERIFY(m_window->feed()->isReady());

    // Ctrl+C on the sessions table copies the session id.
    QTableView *table = m_window->sessionsPane()->table();
    table->setFocus();
    QApplication::clipboard()->clear();
    QTest::keyClick(m_window.get(), Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), main);

    // Ctrl+C on the stream copies the selected event's JSON.
    QTableView *stream = m_window->sessionView()->eventsPane()->table();
    stream->setFocus();
    stream->selectRow(0);
    QTest::keyClick(m_window.get(), Qt::Key_C, Qt::ControlModifier);
    QVERIFY(QApplication::clipboard()->text().contains(u"\"session:started\""_s));

    // Ctrl+F finds in the pane that has the focus.
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), m_window->sessionView()->eventsPane()->searchField());
    QTest::keyClicks(QApplication::focusWidget(), u"haiku"_s);
    QTRY_COMPARE(stream->model()->rowCount(),
                 5); // both chains compiled with it, and #3 spawned, started, failed
    table->setFocus();
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), m_window->sessionsPane()->searchField());

    // F5 lists again (merged: the selection stays).
    QSignalSpy loaded(m_window->store(), &SessionStore::loaded);
    QTest::keyClick(m_window.get(), Qt::Key_F5);
    QVERIFY(loaded.wait(kWaitMs));
    QCOMPARE(m_window->currentSessionId(), main);
}

void tst_AdminGui::commandDialogPayload()
{
    CommandDialog dialog(u"s-1"_s, CommandType::Pause);
    dialog.typeBox()->setCurrentText(u"retry"_s);
    dialog.reasonField()->setText(u"flaky network"_s);
    dialog.payloadField()->setPlainText(u"{\"stepNumber\": 3"_s); // broken JSON: refused, explained
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    dialog.payloadField()->setPlainText(u"{\"stepNumber\": 3}"_s);
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.type(), CommandType::Retry);
    QCOMPARE(dialog.payload().toObject(),
             (QJsonObject{{u"stepNumber"_s, 3}, {u"reason"_s, u"flaky network"_s}}));

    InputDialog input(u"s-1"_s);
    input.inputField()->setPlainText(u"yes"_s);
    input.promptField()->setText(u" Deploy? "_s);
    QCOMPARE(input.input(), u"yes"_s);
    QCOMPARE(input.prompt(), u"Deploy?"_s);
}

void tst_AdminGui::errorsAreExplained()
{
    const QString main = Test::seedDemo(m_api);
    openWindow(main);
    // Deleted behind the console's back: the command is refused and the reason shown.
    QVERIFY(await<bool>([&](QObject *c, auto cb) { m_api.deleteSession(main, c, cb); }).ok());
    QSignalSpy finished(m_window.get(), &MainWindow::actionFinished);
    m_window->sendCommand(CommandType::Abort);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY(!finished.first().at(0).toBool());
    const QString message = finished.first().at(1).toString();
    QVERIFY2(message.contains(u"does not exist"_s) && message.contains(main), qPrintable(message));
    QCOMPARE(m_window->globalNotice()->kind(), NoticeBar::Kind::Error);

    // Daemon gone: the status bar says so and counts down to the next attempt.
    m_afwd->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->connection()->state(), Connection::State::Reconnecting,
                              kWaitMs);
    QVERIFY2(m_window->statusText().contains(u"reconnecting in"_s),
             qPrintable(m_window->statusText()));
    finished.clear();
    m_window->sendInput(u"hello"_s);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY2(finished.first().at(1).toString().contains(u"Cannot reach"_s),
             qPrintable(finished.first().at(1).toString()));
}

void tst_AdminGui::pausedStreamCountsNew()
{
    const QString main = Test::seedDemo(m_api);
    openWindow(main);
    EventsPane *pane = m_window->sessionView()->eventsPane();
    pane->setAutoScroll(false);
    QJsonArray burst;
    for (int i = 0; i < 3; ++i)
        burst.append(makeEvent(main, u"execution:log-created"_s, nowMs(),
                               {{u"message"_s, u"line %1"_s.arg(i)}}));
    QVERIFY(Test::postAll(m_api, burst));
    QTRY_COMPARE_WITH_TIMEOUT(pane->unseen(), 3, kWaitMs);
    const auto buttons = pane->findChildren<QPushButton *>();
    QVERIFY(std::any_of(buttons.begin(), buttons.end(), [](QPushButton *b) {
        return b->isVisible() && b->text().startsWith(u"3 new"_s);
    }));
    pane->setAutoScroll(true);
    QCOMPARE(pane->unseen(), 0);
}

void tst_AdminGui::layoutIsRemembered()
{
    openWindow();
    QSplitter *splitter = m_window->findChild<QSplitter *>();
    QVERIFY(splitter);
    m_window->resize(1200, 800);
    m_window->close();
    m_window.reset();
    ConsoleSettings settings;
    QVERIFY(!settings.layout(u"geometry"_s).isEmpty());
    QVERIFY(!settings.layout(u"eventsHeader"_s).isEmpty());
    QVERIFY(settings.recentUrls().contains(m_afwd->url().toString()));
    QVERIFY(!settings.rememberKey());
    openWindow();
    QCOMPARE(m_window->size(), QSize(1200, 800));
}

void tst_AdminGui::daemonStartsLater()
{
    // Started before its daemon: says it cannot reach it, then connects by itself.
    const quint16 port = AfwdProcess::freePort();
    ConsoleOptions options;
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(port));
    MainWindow window(options);
    window.connection()->setRecheckInterval(100);
    window.show();
    window.start();
    QTRY_COMPARE_WITH_TIMEOUT(window.connection()->state(), Connection::State::Failed, kWaitMs);
    QVERIFY2(window.globalNotice()->text().contains(u"Cannot reach"_s),
             qPrintable(window.globalNotice()->text()));
    AfwdProcess::Options o;
    o.port = port;
    AfwdProcess later(o);
    QVERIFY2(later.start(), qPrintable(later.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(window.connection()->state(), Connection::State::Live, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(window.isFirstLoadDone(), kWaitMs);
    QVERIFY(!window.globalNotice()->isVisible());
}

QTEST_MAIN(tst_AdminGui)
#include "tst_admin_gui.moc"

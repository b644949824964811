// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QSplitter>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include "chaintreemodel.h"
#include "connection.h"
#include "eventlistmodel.h"
#include "eventspane.h"
#include "keyscanner.h"
#include "keysmodel.h"
#include "keyspane.h"
#include "noticebar.h"
#include "sessionfeed.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "sessionstore.h"
#include "sessionview.h"
#include "statusstyle.h"
#include "ttlmodel.h"

namespace Afw {

MainWindow::MainWindow(const ConsoleOptions &options, QWidget *parent)
    : QMainWindow(parent), m_options(options), m_connection(new Connection(this)),
      m_sessions(new SessionListModel(this)), m_events(new EventListModel(this)),
      m_chains(new ChainTreeModel(this)), m_ttl(new TtlModel(this)), m_keys(new KeysModel(this)),
      m_store(new SessionStore(m_connection, m_sessions, this)),
      m_feed(new SessionFeed(m_connection, m_events, m_chains, m_ttl, this)),
      m_keyScanner(new KeyScanner(m_keys, this)), m_tabs(new QTabWidget(this)),
      m_sessionsPane(new SessionsPane(m_sessions, this)),
      m_sessionView(new SessionView(m_chains, m_ttl, m_events, this)),
      m_keysPane(new KeysPane(m_keys, m_keyScanner, this)),
      m_mainSplitter(new QSplitter(Qt::Horizontal, this)), m_notice(new NoticeBar(this)),
      m_connIcon(new QLabel(this)), m_connText(new QLabel(this)), m_serverText(new QLabel(this)),
      m_rateText(new QLabel(this)), m_countText(new QLabel(this)), m_pendingSession(options.session)
{
    Style::initResources();
    setWindowTitle(QStringLiteral("afw-admin"));
    setWindowIcon(Style::icon(QStringLiteral("afw-admin")));
    m_ttl->setKeyPrefix(options.redisPrefix);
    m_keysPane->setPrefix(options.redisPrefix);

    m_mainSplitter->addWidget(m_sessionsPane);
    m_mainSplitter->addWidget(m_sessionView);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);
    m_mainSplitter->setChildrenCollapsible(false);
    m_mainSplitter->setHandleWidth(10);
    auto *sessionsTab = new QWidget(this);
    auto *layout = new QVBoxLayout(sessionsTab);
    layout->setContentsMargins(10, 8, 10, 6);
    layout->setSpacing(8);
    layout->addWidget(m_notice);
    layout->addWidget(m_mainSplitter, 1);
    m_tabs->setDocumentMode(true);
    m_tabs->tabBar()->setAutoHide(true); // one tab until a Redis URL adds Keys
    m_tabs->addTab(sessionsTab, Style::icon(QStringLiteral("sessions")), tr("Sessions"));
    setCentralWidget(m_tabs);

    buildActions();
    buildStatusBar();

    connect(m_sessionsPane, &SessionsPane::currentSessionChanged, this,
            &MainWindow::onSessionSelected);
    connect(m_store, &SessionStore::loaded, this, &MainWindow::onSessionsLoaded);
    connect(m_store, &SessionStore::progress, this, &MainWindow::updateStatusBar);
    connect(m_store, &SessionStore::loadFailed, this, [this](const ApiError &e) {
        if (e.kind != ApiError::Unreachable && e.kind != ApiError::Timeout)
            m_notice->post(NoticeBar::Kind::Error,
                           tr("Listing sessions failed: %1").arg(e.describe()));
    });
    connect(m_feed, &SessionFeed::ready, this, &MainWindow::onFeedReady);
    connect(m_feed, &SessionFeed::eventsAppended, this, &MainWindow::updateHeader);
    connect(m_feed, &SessionFeed::loadingChanged, m_sessionView, &SessionView::setLoading);
    connect(m_feed, &SessionFeed::failed, this, [this](const ApiError &e) {
        if (e.kind != ApiError::Unreachable && e.kind != ApiError::Timeout)
            m_notice->post(NoticeBar::Kind::Error,
                           tr("Reading the session's events failed: %1").arg(e.describe()));
    });
    connect(m_sessions, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &from, const QModelIndex &to) {
                const int row = m_sessions->rowOf(currentSessionId());
                if (row >= from.row() && row <= to.row())
                    updateHeader();
            });
    connect(m_connection, &Connection::stateChanged, this, &MainWindow::updateStatusBar);
    connect(m_connection, &Connection::serverReady, this, [this] {
        if (m_notice->kind() == NoticeBar::Kind::Error)
            m_notice->hide();
        updateStatusBar();
    });
    connect(m_connection, &Connection::failed, this, [this](const ApiError &e) {
        m_notice->post(NoticeBar::Kind::Error,
                       e.describe() + tr("  Use Connect… (Ctrl+L) to change the URL or key."));
    });
    connect(m_sessionView, &SessionView::commandRequested, this,
            [this](CommandType t) { sendCommand(t); });
    connect(m_sessionView, &SessionView::commandDialogRequested, this, &MainWindow::commandDialog);
    connect(m_sessionView, &SessionView::inputRequested, this, &MainWindow::inputDialog);
    connect(m_sessionView, &SessionView::deleteRequested, this, &MainWindow::deleteCurrentSession);
    connect(m_keyScanner, &KeyScanner::connectedChanged, this, [this](bool up) {
        if (up && m_keys->rowCount() == 0 && !m_keyScanner->isScanning())
            m_keysPane->rescan();
    });

    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &MainWindow::tick);
    m_tick.start();

    resize(1400, 900);
    if (m_options.screenshot.isEmpty())
        restoreLayout();
    else
        m_mainSplitter->setSizes({600, 780});
    if (!m_options.redisUrl.isEmpty())
        setRedisUrl(m_options.redisUrl);
    updateStatusBar();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions()
{
    auto *connectAction =
        new QAction(Style::icon(QStringLiteral("connect")), tr("&Connect…"), this);
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(connectAction, &QAction::triggered, this, [this] { showConnectDialog(); });
    m_refreshAction = new QAction(Style::icon(QStringLiteral("refresh")), tr("&Refresh"), this);
    m_refreshAction->setShortcut(QKeySequence::Refresh); // F5
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refresh);
    auto *quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    auto *find = new QAction(tr("&Find"), this);
    find->setShortcut(QKeySequence::Find); // Ctrl+F
    connect(find, &QAction::triggered, this, &MainWindow::findInFocusedPane);
    auto *copy = new QAction(Style::icon(QStringLiteral("copy")), tr("&Copy"), this);
    copy->setShortcut(QKeySequence::Copy); // Ctrl+C; text fields keep theirs
    copy->setShortcutContext(Qt::WindowShortcut);
    connect(copy, &QAction::triggered, this, &MainWindow::copySelection);
    auto *pause = new QAction(Style::icon(QStringLiteral("pause")), tr("&Pause"), this);
    connect(pause, &QAction::triggered, this, [this] { sendCommand(CommandType::Pause); });
    auto *resume = new QAction(Style::icon(QStringLiteral("resume")), tr("&Resume"), this);
    connect(resume, &QAction::triggered, this, [this] { sendCommand(CommandType::Resume); });
    auto *command = new QAction(Style::icon(QStringLiteral("command")), tr("Co&mmand…"), this);
    connect(command, &QAction::triggered, this, &MainWindow::commandDialog);
    auto *input = new QAction(Style::icon(QStringLiteral("input")), tr("Send &input…"), this);
    input->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    connect(input, &QAction::triggered, this, &MainWindow::inputDialog);
    auto *remove = new QAction(Style::icon(QStringLiteral("delete")), tr("&Delete session…"), this);
    remove->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Delete));
    connect(remove, &QAction::triggered, this, &MainWindow::deleteCurrentSession);

    QMenu *file = menuBar()->addMenu(tr("&Connection"));
    file->addActions({connectAction, m_refreshAction});
    file->addSeparator();
    file->addAction(quit);
    QMenu *session = menuBar()->addMenu(tr("&Session"));
    session->addActions({pause, resume, command, input});
    session->addSeparator();
    session->addAction(remove);
    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addActions({find, copy});
    addActions({find, copy});

    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setIconSize(QSize(18, 18));
    bar->addActions({connectAction, m_refreshAction});
}

void MainWindow::buildStatusBar()
{
    m_connIcon->setFixedSize(16, 16);
    statusBar()->addWidget(m_connIcon);
    statusBar()->addWidget(m_connText, 1);
    for (QLabel *l : {m_countText, m_rateText, m_serverText}) {
        l->setContentsMargins(10, 0, 6, 0);
        statusBar()->addPermanentWidget(l);
    }
    statusBar()->setSizeGripEnabled(false);
}

void MainWindow::updateStatusBar()
{
    const Connection::State s = m_connection->state();
    const QString icon = s == Connection::State::Live ? QStringLiteral("conn-live")
                         : s == Connection::State::Failed || s == Connection::State::Disconnected
                             ? QStringLiteral("conn-down")
                             : QStringLiteral("conn-wait");
    m_connIcon->setPixmap(Style::icon(icon).pixmap(14, 14));
    QString text = m_connection->stateText();
    if (s == Connection::State::Live)
        text = tr("Live  ·  %1").arg(m_connection->url().toDisplayString());
    m_connText->setText(text);
    const ServerInfo &info = m_connection->server();
    m_serverText->setText(info.version.isEmpty()
                              ? QString()
                              : tr("afwd %1  ·  %2 backend%3")
                                    .arg(info.version, info.storage,
                                         info.degraded() ? tr(" (degraded)") : QString()));
    m_rateText->setText(tr("%1 events/s").arg(m_connection->eventsPerSecond(), 0, 'f', 1));
    const QLocale l;
    m_countText->setText(m_store->isLoading()
                             ? tr("loading sessions… %1").arg(l.toString(m_sessions->rowCount()))
                             : tr("%1 sessions").arg(l.toString(m_sessions->rowCount())));
}

QString MainWindow::statusText() const
{
    return QStringList{m_connText->text(), m_serverText->text(), m_rateText->text(),
                       m_countText->text()}
        .join(u'|');
}

void MainWindow::restoreLayout()
{
    restoreGeometry(m_settings.layout(QStringLiteral("geometry")));
    restoreState(m_settings.layout(QStringLiteral("state")));
    if (!m_mainSplitter->restoreState(m_settings.layout(QStringLiteral("mainSplitter"))))
        m_mainSplitter->setSizes({600, 780});
    m_sessionView->verticalSplitter()->restoreState(
        m_settings.layout(QStringLiteral("sessionSplitter")));
    m_sessionView->eventsPane()->splitter()->restoreState(
        m_settings.layout(QStringLiteral("eventsSplitter")));
    m_sessionsPane->table()->horizontalHeader()->restoreState(
        m_settings.layout(QStringLiteral("sessionsHeader")));
    m_sessionView->eventsPane()->table()->horizontalHeader()->restoreState(
        m_settings.layout(QStringLiteral("eventsHeader")));
    m_sessionView->chainTree()->header()->restoreState(
        m_settings.layout(QStringLiteral("chainsHeader")));
}

void MainWindow::saveLayout()
{
    m_settings.setLayout(QStringLiteral("geometry"), saveGeometry());
    m_settings.setLayout(QStringLiteral("state"), saveState());
    m_settings.setLayout(QStringLiteral("mainSplitter"), m_mainSplitter->saveState());
    m_settings.setLayout(QStringLiteral("sessionSplitter"),
                         m_sessionView->verticalSplitter()->saveState());
    m_settings.setLayout(QStringLiteral("eventsSplitter"),
                         m_sessionView->eventsPane()->splitter()->saveState());
    m_settings.setLayout(QStringLiteral("sessionsHeader"),
                         m_sessionsPane->table()->horizontalHeader()->saveState());
    m_settings.setLayout(QStringLiteral("eventsHeader"),
                         m_sessionView->eventsPane()->table()->horizontalHeader()->saveState());
    m_settings.setLayout(QStringLiteral("chainsHeader"),
                         m_sessionView->chainTree()->header()->saveState());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_options.screenshot.isEmpty())
        saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::tick()
{
    updateStatusBar();
    updateHeader();
    m_sessionView->tick();
    m_sessionsPane->table()->viewport()->update();
    if (m_tabs->currentWidget() == m_keysPane)
        m_keysPane->tick();
}

QString MainWindow::currentSessionId() const
{
    return m_sessionsPane->currentSessionId();
}

bool MainWindow::selectSession(const QString &id)
{
    return m_sessionsPane->selectSession(id);
}

void MainWindow::onSessionSelected(const QString &id)
{
    m_feed->setSession(id);
    updateHeader();
}

void MainWindow::updateHeader()
{
    const QString id = currentSessionId();
    m_sessionView->setSession(id.isEmpty() ? nullptr : m_sessions->find(id));
    if (!id.isEmpty())
        m_sessionView->setFoldCounters(m_feed->fold());
}

void MainWindow::refresh()
{
    m_store->reload();
    m_feed->reload();
    if (m_tabs->currentWidget() == m_keysPane)
        m_keysPane->rescan();
}

void MainWindow::setRedisUrl(const QString &url)
{
    QString why;
    if (url.isEmpty() || !m_keyScanner->setRedisUrl(url, &why)) {
        if (!why.isEmpty())
            m_notice->post(NoticeBar::Kind::Error, tr("Redis URL: %1").arg(why));
        return;
    }
    if (m_tabs->indexOf(m_keysPane) < 0)
        m_tabs->addTab(m_keysPane, Style::icon(QStringLiteral("keys")), tr("Keys"));
}

void MainWindow::markFirstLoadDone()
{
    if (m_firstLoadDone)
        return;
    m_firstLoadDone = true;
    Q_EMIT firstLoadDone();
}

} // namespace Afw

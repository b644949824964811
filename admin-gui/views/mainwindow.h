// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonValue>
#include <QMainWindow>
#include <QTimer>

#include <functional>

#include "consoleoptions.h"
#include "consolesettings.h"
#include "models.h"

class QAction;
class QLabel;
class QSplitter;
class QTabWidget;

namespace Afw {

class ChainTreeModel;
class Connection;
class EventListModel;
class KeyScanner;
class KeysModel;
class KeysPane;
class NoticeBar;
class SessionFeed;
class SessionListModel;
class SessionStore;
class SessionView;
class SessionsPane;
class TtlModel;
struct ApiError;

/**
 * afw-admin's window: sessions on the left, the selected session on the right, the
 * Keys tab when a Redis URL is known; a status bar with the connection, the daemon,
 * events/s and the session count. Owns the connection, the models and the stores that
 * fill them.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const ConsoleOptions &options, QWidget *parent = nullptr);
    ~MainWindow() override;

    /** Connects as the options (or the remembered settings) say; asks when neither does. */
    void start();

    using ConfirmHandler = std::function<bool(const QString &question)>;
    /** Replaces the question box before a delete (tests answer it themselves). */
    void setConfirmHandler(ConfirmHandler handler) { m_confirm = std::move(handler); }

    QString currentSessionId() const;
    bool selectSession(const QString &id);
    void sendCommand(CommandType type,
                     const QJsonValue &payload = QJsonValue(QJsonValue::Undefined));
    void sendInput(const QString &input, const QString &prompt = {});
    void deleteCurrentSession();
    void refresh();
    void setRedisUrl(const QString &url);
    /** Sessions listed, and the --session (if any) shown whole: tree, events, TTLs. */
    bool isFirstLoadDone() const { return m_firstLoadDone; }

    Connection *connection() const { return m_connection; }
    SessionStore *store() const { return m_store; }
    SessionFeed *feed() const { return m_feed; }
    KeyScanner *keyScanner() const { return m_keyScanner; }
    SessionListModel *sessionModel() const { return m_sessions; }
    EventListModel *eventModel() const { return m_events; }
    ChainTreeModel *chainModel() const { return m_chains; }
    TtlModel *ttlModel() const { return m_ttl; }
    KeysModel *keysModel() const { return m_keys; }
    SessionsPane *sessionsPane() const { return m_sessionsPane; }
    SessionView *sessionView() const { return m_sessionView; }
    KeysPane *keysPane() const { return m_keysPane; }
    QTabWidget *tabs() const { return m_tabs; }
    NoticeBar *globalNotice() const { return m_notice; }
    QString statusText() const;

Q_SIGNALS:
    void firstLoadDone();
    /** Every command, input and delete ends here, with what the operator was told. */
    void actionFinished(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildStatusBar();
    void restoreLayout();
    void saveLayout();
    void connectTo(const QUrl &url, const QString &apiKey);
    void showConnectDialog(const QString &error = {});
    void onSessionSelected(const QString &id);
    void onSessionsLoaded();
    void onFeedReady();
    void markFirstLoadDone();
    void updateStatusBar();
    void updateHeader();
    void tick();
    void findInFocusedPane();
    void copySelection();
    void commandDialog();
    void inputDialog();
    void report(bool ok, const QString &message);

    ConsoleOptions m_options;
    ConsoleSettings m_settings;
    Connection *m_connection;
    SessionListModel *m_sessions;
    EventListModel *m_events;
    ChainTreeModel *m_chains;
    TtlModel *m_ttl;
    KeysModel *m_keys;
    SessionStore *m_store;
    SessionFeed *m_feed;
    KeyScanner *m_keyScanner;
    QTabWidget *m_tabs;
    SessionsPane *m_sessionsPane;
    SessionView *m_sessionView;
    KeysPane *m_keysPane;
    QSplitter *m_mainSplitter;
    NoticeBar *m_notice;
    QLabel *m_connIcon;
    QLabel *m_connText;
    QLabel *m_serverText;
    QLabel *m_rateText;
    QLabel *m_countText;
    QAction *m_refreshAction = nullptr;
    QTimer m_tick;
    ConfirmHandler m_confirm;
    bool m_firstLoadDone = false;
    bool m_sessionsLoadedOnce = false;
    QString m_pendingSession; // --session, until it is shown
};

} // namespace Afw

// SPDX-License-Identifier: MIT
// MainWindow: connecting, the first load, and what the operator does (commands,
// input, delete, find, copy).
#include "mainwindow.h"

#include <QApplication>
#include <QClipboard>
#include <QJsonObject>
#include <QLineEdit>
#include <QMessageBox>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>

#include "chaintreemodel.h"
#include "commanddialog.h"
#include "connectdialog.h"
#include "connection.h"
#include "eventspane.h"
#include "guilog.h"
#include "keyscanner.h"
#include "keysmodel.h"
#include "keyspane.h"
#include "noticebar.h"
#include "sessionfeed.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "sessionstore.h"
#include "sessionview.h"
#include "ttlmodel.h"

namespace Afw {

void MainWindow::start()
{
    if (m_options.url.isValid() && !m_options.url.isEmpty()) {
        connectTo(m_options.url, m_options.apiKey);
        return;
    }
    const QStringList recent = m_settings.recentUrls();
    if (!recent.isEmpty()) {
        const QString key = m_options.apiKeyFromEnvironment || !m_options.apiKey.isEmpty()
                                ? m_options.apiKey
                                : m_settings.apiKey();
        connectTo(QUrl(recent.first()), key);
        return;
    }
    showConnectDialog();
}

void MainWindow::connectTo(const QUrl &url, const QString &apiKey)
{
    if (m_options.screenshot.isEmpty())
        m_settings.addRecentUrl(url.toString());
    m_sessions->clear();
    m_feed->setSession({});
    m_sessionsLoadedOnce = false;
    setWindowTitle(QStringLiteral("afw-admin — ") + url.toDisplayString());
    m_connection->connectTo(url, apiKey);
}

void MainWindow::showConnectDialog(const QString &error)
{
    ConnectDialog::Values current{m_connection->url().toString(), m_connection->apiKey(),
                                  m_settings.rememberKey(), m_keyScanner->redisUrl()};
    if (current.url.isEmpty() && !m_settings.recentUrls().isEmpty())
        current.url = m_settings.recentUrls().first();
    auto *dialog = new ConnectDialog(m_settings.recentUrls(), m_settings.recentRedisUrls(), current,
                                     m_settings.fileName(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setError(error);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const ConnectDialog::Values v = dialog->values();
        m_settings.setApiKey(v.apiKey, v.rememberKey);
        if (!v.redisUrl.isEmpty()) {
            m_settings.addRecentRedisUrl(v.redisUrl);
            if (v.redisUrl != m_keyScanner->redisUrl())
                setRedisUrl(v.redisUrl);
        }
        connectTo(QUrl::fromUserInput(v.url), v.apiKey);
    });
    dialog->open();
}

void MainWindow::onSessionsLoaded()
{
    updateStatusBar();
    if (m_sessionsLoadedOnce)
        return;
    m_sessionsLoadedOnce = true;
    if (m_pendingSession.isEmpty()) {
        markFirstLoadDone();
        return;
    }
    if (selectSession(m_pendingSession))
        return; // onFeedReady finishes the first load
    // Not in the listing (yet): ask for it by id.
    const QString id = m_pendingSession;
    m_connection->api()->getSession(id, this, [this, id](const ApiResult<SessionDetail> &r) {
        if (r.ok()) {
            SessionSummary s;
            s.session = r.value.session;
            s.chainsCount = int(r.value.chains.size());
            s.currentChainId = r.value.currentChainId;
            m_sessions->upsert({s});
            if (selectSession(id))
                return;
        }
        m_notice->post(NoticeBar::Kind::Error, r.error.kind == ApiError::NotFound
                                                   ? tr("Session %1 does not exist.").arg(id)
                                                   : r.error.describe());
        m_pendingSession.clear();
        markFirstLoadDone();
    });
}

void MainWindow::onFeedReady()
{
    updateHeader();
    if (!m_pendingSession.isEmpty() && m_feed->sessionId() == m_pendingSession) {
        m_pendingSession.clear();
        markFirstLoadDone();
    }
}

void MainWindow::report(bool ok, const QString &message)
{
    m_notice->post(ok ? NoticeBar::Kind::Success : NoticeBar::Kind::Error, message);
    qCInfo(lcGui).noquote() << message;
    Q_EMIT actionFinished(ok, message);
}

void MainWindow::sendCommand(CommandType type, const QJsonValue &payload)
{
    const QString id = currentSessionId();
    const QString name = commandTypeToString(type);
    if (id.isEmpty()) {
        report(false, tr("Select a session first."));
        return;
    }
    m_connection->api()->queueCommand(
        id, type, payload, this, [this, id, name](const ApiResult<Command> &r) {
            if (r.ok())
                report(
                    true,
                    tr("“%1” queued for %2 (command %3): the agent picks it up at its next poll.")
                        .arg(name, id, r.value.id));
            else
                report(false,
                       tr("Could not queue “%1” for %2. %3").arg(name, id, r.error.describe()));
        });
}

void MainWindow::sendInput(const QString &input, const QString &prompt)
{
    const QString id = currentSessionId();
    if (id.isEmpty()) {
        report(false, tr("Select a session first."));
        return;
    }
    m_connection->api()->queueInput(id, input, prompt, this, [this, id](const ApiResult<Input> &r) {
        if (r.ok())
            report(true, tr("Input queued for %1: the agent reads it at its next poll.").arg(id));
        else
            report(false, tr("Could not queue input for %1. %2").arg(id, r.error.describe()));
    });
}

void MainWindow::deleteCurrentSession()
{
    const QString id = currentSessionId();
    if (id.isEmpty()) {
        report(false, tr("Select a session first."));
        return;
    }
    const QString question =
        tr("Delete session %1 with its events, chains and queued commands and input?\n"
           "This cannot be undone.")
            .arg(id);
    const bool yes = m_confirm ? m_confirm(question)
                               : QMessageBox::question(this, tr("Delete session"), question,
                                                       QMessageBox::Yes | QMessageBox::Cancel,
                                                       QMessageBox::Cancel) == QMessageBox::Yes;
    if (!yes)
        return;
    m_connection->api()->deleteSession(id, this, [this, id](const ApiResult<bool> &r) {
        if (r.ok() || r.error.kind == ApiError::NotFound) {
            m_store->forget(id);
            if (m_feed->sessionId() == id)
                m_feed->setSession(currentSessionId());
            report(r.ok(), r.ok() ? tr("Session %1 deleted.").arg(id) : r.error.describe());
            return;
        }
        report(false, tr("Could not delete %1. %2").arg(id, r.error.describe()));
    });
}

void MainWindow::commandDialog()
{
    const QString id = currentSessionId();
    if (id.isEmpty()) {
        report(false, tr("Select a session first."));
        return;
    }
    auto *dialog = new CommandDialog(id, CommandType::Pause, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { sendCommand(dialog->type(), dialog->payload()); });
    dialog->open();
}

void MainWindow::inputDialog()
{
    const QString id = currentSessionId();
    if (id.isEmpty()) {
        report(false, tr("Select a session first."));
        return;
    }
    auto *dialog = new InputDialog(id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { sendInput(dialog->input(), dialog->prompt()); });
    dialog->open();
}

void MainWindow::findInFocusedPane()
{
    QLineEdit *field = m_sessionsPane->searchField();
    if (m_tabs->currentWidget() == m_keysPane)
        field = m_keysPane->filterField();
    else if (m_sessionView->isAncestorOf(QApplication::focusWidget()))
        field = m_sessionView->eventsPane()->searchField();
    field->setFocus(Qt::ShortcutFocusReason);
    field->selectAll();
}

void MainWindow::copySelection()
{
    QWidget *focus = QApplication::focusWidget();
    auto within = [focus](QWidget *w) { return focus && (focus == w || w->isAncestorOf(focus)); };
    QString text;
    if (within(m_sessionView->eventsPane()->table())) {
        text = m_sessionView->eventsPane()->selectedJson();
    } else if (within(m_sessionView->chainTree())) {
        text = m_sessionView->chainTree()
                   ->currentIndex()
                   .siblingAtColumn(0)
                   .data(ChainTreeModel::JsonRole)
                   .toString();
    } else if (within(m_keysPane->table())) {
        QStringList keys;
        const auto rows = m_keysPane->table()->selectionModel()->selectedRows(KeysModel::KeyColumn);
        for (const QModelIndex &i : rows)
            keys << i.data().toString();
        text = keys.join(u'\n');
    } else if (within(m_sessionView->ttlTable())) {
        const QModelIndex i = m_sessionView->ttlTable()->currentIndex();
        if (i.isValid()) {
            QStringList cells{m_ttl->partName(i.column())};
            for (int r = 0; r < TtlModel::RowCount; ++r)
                cells << i.siblingAtRow(r).data().toString();
            text = cells.join(u'\t');
        }
    } else {
        text = currentSessionId();
    }
    if (!text.isEmpty())
        QGuiApplication::clipboard()->setText(text);
}

} // namespace Afw

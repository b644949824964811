// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include "apitypes.h"

namespace Afw {

class Connection;
class SessionListModel;
struct ApiError;

/**
 * Keeps SessionListModel in step with the daemon: a paged listing (1,000 sessions per
 * request, one model insert per page) on connect and F5; live changes from the event
 * socket (a session's first event adds its row, session:started/ended change it, by the
 * daemon's own rules: shared/sessionrules), applied in batches; details of new or changed
 * sessions fetched a few at a time; the newest page re-read now and then for what events
 * do not tell (PUT, a session created without events).
 */
class SessionStore : public QObject
{
    Q_OBJECT

public:
    SessionStore(Connection *connection, SessionListModel *model, QObject *parent = nullptr);

    void reload();
    /** Forget a session deleted through the console (and ignore its late events). */
    void forget(const QString &id);

    bool isLoading() const { return m_loading; }
    bool hasLoaded() const { return m_loadedOnce; }
    void setPageSize(int n) { m_pageSize = n; }
    void setFlushInterval(int ms) { m_flushTimer.setInterval(ms); }
    void setHeadRefreshInterval(int ms);

Q_SIGNALS:
    void loadingChanged(bool loading);
    void progress(int sessions);
    void loaded(int total, qint64 elapsedMs);
    void loadFailed(const Afw::ApiError &error);

private:
    void requestPage();
    void finishLoad(bool complete);
    void onEvent(const QString &sessionId, qint64 seq, const QJsonObject &event);
    void flush();
    void refreshDirty();
    void refreshHead();
    const SessionSummary *known(const QString &id) const;

    Connection *m_connection;
    SessionListModel *m_model;
    int m_pageSize = 1000;
    // the listing in progress
    QPointer<QObject> m_loadContext;
    quint64 m_generation = 0;
    bool m_loading = false;
    bool m_loadedOnce = false;
    int m_offset = 0;
    QSet<QString> m_listed;
    QSet<QString> m_addedLive; // during the listing: not in it, yet real
    QElapsedTimer m_loadTimer;
    // live
    QHash<QString, SessionSummary> m_pending;
    QTimer m_flushTimer;
    QSet<QString> m_dirty;
    QHash<QString, qint64> m_refreshedAt; // ms
    int m_detailsInFlight = 0;
    QTimer m_dirtyTimer;
    QTimer m_headTimer;
    QHash<QString, qint64> m_deleted; // id -> when (ms): late events do not resurrect it
};

} // namespace Afw

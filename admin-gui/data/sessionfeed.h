// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "apitypes.h"
#include "fold.h"

namespace Afw {

class ChainTreeModel;
class Connection;
class EventListModel;
class TtlModel;
struct ApiError;

/**
 * Everything about the selected session: its events (read in pages of 1,000 with
 * after=<seq>, one model insert each), then live from the socket, which is subscribed
 * with afterSeq = the last seq read, so nothing falls between the pages and the live
 * stream and nothing arrives twice; the chains and steps folded from those events by
 * the shared ChainFold; and its TTLs, read again now and then.
 */
class SessionFeed : public QObject
{
    Q_OBJECT

public:
    SessionFeed(Connection *connection, EventListModel *events, ChainTreeModel *chains,
                TtlModel *ttl, QObject *parent = nullptr);

    void setSession(const QString &id);
    QString sessionId() const { return m_id; }
    void reload() { setSession(m_id); }
    void refreshTtl();

    bool isLoading() const { return m_loading; }
    /** Events read, subscribed, TTLs read: the view shows the whole session. */
    bool isReady() const { return m_ready; }
    const ChainFold &fold() const { return m_fold; }
    qint64 lastSeq() const { return m_lastSeq; }
    /** Live events received and not yet in the models (they go in batches). */
    bool hasPendingEvents() const { return !m_live.isEmpty(); }
    void setPageSize(int n) { m_pageSize = n; }
    void setFlushInterval(int ms) { m_flushTimer.setInterval(ms); }

Q_SIGNALS:
    void loadingChanged(bool loading);
    void eventsLoaded(int count, qint64 elapsedMs);
    void ready();
    void eventsAppended(int count);
    void failed(const Afw::ApiError &error);

private:
    void requestPage();
    void append(QList<EventRecord> events);
    void onEvent(const QString &sessionId, qint64 seq, const QJsonObject &event);
    void flush();
    void checkReady();

    Connection *m_connection;
    EventListModel *m_events;
    ChainTreeModel *m_chains;
    TtlModel *m_ttl;
    QString m_id;
    QPointer<QObject> m_context; // per session: dropping it drops that session's requests
    quint64 m_generation = 0;
    ChainFold m_fold;
    qint64 m_lastSeq = 0;
    int m_pageSize = 1000;
    bool m_loading = false;
    bool m_pageInFlight = false;
    bool m_eventsLoaded = false;
    bool m_subscribed = false;
    bool m_ttlLoaded = false;
    bool m_ready = false;
    QElapsedTimer m_loadTimer;
    QList<EventRecord> m_live;
    QTimer m_flushTimer;
    QTimer m_ttlTimer;
    QElapsedTimer m_ttlAge;
};

} // namespace Afw

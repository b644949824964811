// SPDX-License-Identifier: MIT
#include "sessionfeed.h"

#include "chaintreemodel.h"
#include "connection.h"
#include "eventlistmodel.h"
#include "guilog.h"
#include "ttlmodel.h"

namespace Afw {

namespace {
constexpr int kTtlRefreshMs = 20000;
constexpr int kTtlAfterEventsMs = 5000; // writes refresh TTLs: read them again, not too often
} // namespace

SessionFeed::SessionFeed(Connection *connection, EventListModel *events, ChainTreeModel *chains,
                         TtlModel *ttl, QObject *parent)
    : QObject(parent), m_connection(connection), m_events(events), m_chains(chains), m_ttl(ttl)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(50);
    connect(&m_flushTimer, &QTimer::timeout, this, &SessionFeed::flush);
    m_ttlTimer.setInterval(kTtlRefreshMs);
    connect(&m_ttlTimer, &QTimer::timeout, this, &SessionFeed::refreshTtl);
    EventSocket *socket = connection->socket();
    connect(socket, &EventSocket::eventReceived, this, &SessionFeed::onEvent);
    connect(socket, &EventSocket::subscriptionConfirmed, this, [this](const QString &id) {
        if (id == m_id && m_eventsLoaded) {
            m_subscribed = true;
            checkReady();
        }
    });
    connect(connection, &Connection::resumed, this, [this] {
        // The socket resumes the live part by itself; a page read cut by the outage
        // starts again where it stopped, and the TTLs may have moved.
        if (m_id.isEmpty())
            return;
        if (m_loading && !m_pageInFlight)
            requestPage();
        refreshTtl();
    });
}

void SessionFeed::setSession(const QString &id)
{
    if (!m_id.isEmpty() && m_id != id)
        m_connection->socket()->unsubscribe(m_id);
    delete m_context;
    ++m_generation;
    m_id = id;
    m_fold = ChainFold();
    m_lastSeq = 0;
    m_pageInFlight = false;
    m_live.clear();
    m_flushTimer.stop();
    m_eventsLoaded = m_subscribed = m_ttlLoaded = m_ready = false;
    m_events->clear();
    m_chains->clear();
    m_ttl->clear();
    m_ttlTimer.stop();
    if (id.isEmpty()) {
        if (m_loading) {
            m_loading = false;
            Q_EMIT loadingChanged(false);
        }
        return;
    }
    m_context = new QObject(this);
    m_loading = true;
    Q_EMIT loadingChanged(true);
    m_loadTimer.start();
    requestPage();
    refreshTtl();
    m_ttlTimer.start();
}

void SessionFeed::requestPage()
{
    EventsRequest q;
    q.afterSeq = m_lastSeq;
    q.limit = m_pageSize;
    const quint64 generation = m_generation;
    m_pageInFlight = true;
    m_connection->api()->events(
        m_id, q, m_context, [this, generation](const ApiResult<QList<EventRecord>> &r) {
            if (generation != m_generation)
                return;
            m_pageInFlight = false;
            if (!r.ok()) {
                // Connection trouble: resumed() asks again. Anything else: say so.
                qCInfo(lcGui).noquote() << "reading events failed:" << r.error.describe();
                Q_EMIT failed(r.error);
                return;
            }
            append(r.value);
            if (int(r.value.size()) == m_pageSize) {
                requestPage();
                return;
            }
            m_loading = false;
            m_eventsLoaded = true;
            const qint64 elapsed = m_loadTimer.elapsed();
            qCInfo(lcGui) << "session" << m_id << ":" << m_events->rowCount() << "events in"
                          << elapsed << "ms";
            // From here the socket carries the session, from exactly after what was read.
            m_connection->socket()->subscribe(m_id, m_lastSeq);
            if (!m_connection->socket()->isOpen())
                m_subscribed = true; // it subscribes when it opens; nothing to wait for now
            Q_EMIT loadingChanged(false);
            Q_EMIT eventsLoaded(m_events->rowCount(), elapsed);
            checkReady();
        });
}

void SessionFeed::append(QList<EventRecord> events)
{
    // Never twice, whichever way an event came.
    events.removeIf([this](const EventRecord &e) { return e.seq <= m_lastSeq; });
    if (events.isEmpty())
        return;
    m_events->append(events);
    for (const EventRecord &e : events)
        m_fold.apply(e.json, e.seq);
    m_lastSeq = events.last().seq;
    const Chain *current = m_fold.currentChain();
    m_chains->sync(m_fold.chains(), current ? current->id : QString());
    Q_EMIT eventsAppended(int(events.size()));
}

void SessionFeed::onEvent(const QString &sessionId, qint64 seq, const QJsonObject &event)
{
    // While pages are read, the last page and the afterSeq replay cover these.
    if (sessionId != m_id || !m_eventsLoaded || seq <= m_lastSeq
        || (!m_live.isEmpty() && seq <= m_live.last().seq))
        return;
    auto record = EventRecord::fromJson(event);
    if (!record)
        return;
    record->seq = seq;
    m_live.append(std::move(*record));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void SessionFeed::flush()
{
    const QList<EventRecord> batch = std::exchange(m_live, {});
    append(batch);
    if (m_ttlAge.isValid() && m_ttlAge.elapsed() > kTtlAfterEventsMs)
        refreshTtl();
}

void SessionFeed::refreshTtl()
{
    if (m_id.isEmpty())
        return;
    m_ttlAge.start();
    const quint64 generation = m_generation;
    m_connection->api()->sessionTtl(m_id, m_context,
                                    [this, generation](const ApiResult<TtlReport> &r) {
                                        if (generation != m_generation || !r.ok())
                                            return;
                                        m_ttl->setReport(r.value);
                                        m_ttlLoaded = true;
                                        checkReady();
                                    });
}

void SessionFeed::checkReady()
{
    if (m_ready || !m_eventsLoaded || !m_ttlLoaded || !m_subscribed)
        return;
    m_ready = true;
    Q_EMIT ready();
}

} // namespace Afw

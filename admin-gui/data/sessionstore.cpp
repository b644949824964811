// SPDX-License-Identifier: MIT
#include "sessionstore.h"

#include <QDateTime>

#include "connection.h"
#include "guilog.h"
#include "ids.h"
#include "sessionlistmodel.h"
#include "sessionrules.h"

namespace Afw {

namespace {
constexpr int kMaxDetailsInFlight = 6;
constexpr qint64 kTombstoneMs = 10000;
constexpr int kHeadPage = 200;
constexpr qint64 kMinRefreshGapMs = 2000;
} // namespace

SessionStore::SessionStore(Connection *connection, SessionListModel *model, QObject *parent)
    : QObject(parent), m_connection(connection), m_model(model)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(100);
    connect(&m_flushTimer, &QTimer::timeout, this, &SessionStore::flush);
    m_dirtyTimer.setInterval(1000);
    connect(&m_dirtyTimer, &QTimer::timeout, this, &SessionStore::refreshDirty);
    m_dirtyTimer.start();
    m_headTimer.setInterval(10000);
    connect(&m_headTimer, &QTimer::timeout, this, &SessionStore::refreshHead);
    connect(connection, &Connection::serverReady, this, [this] {
        reload();
        m_headTimer.start();
    });
    connect(connection, &Connection::resumed, this, &SessionStore::reload);
    connect(connection->socket(), &EventSocket::eventReceived, this, &SessionStore::onEvent);
}

void SessionStore::setHeadRefreshInterval(int ms)
{
    m_headTimer.setInterval(ms);
}

void SessionStore::reload()
{
    delete m_loadContext; // drops (and aborts) the listing in progress
    m_loadContext = new QObject(this);
    ++m_generation;
    m_offset = 0;
    m_listed.clear();
    m_addedLive.clear();
    m_loadTimer.start();
    if (!m_loading) {
        m_loading = true;
        Q_EMIT loadingChanged(true);
    }
    requestPage();
}

void SessionStore::requestPage()
{
    SessionQuery q;
    q.limit = m_pageSize;
    q.offset = m_offset;
    const quint64 generation = m_generation;
    m_connection->api()->listSessions(
        q, m_loadContext, [this, generation](const ApiResult<QList<SessionSummary>> &r) {
            if (generation != m_generation)
                return;
            if (!r.ok()) {
                qCInfo(lcGui).noquote() << "session listing failed:" << r.error.describe();
                m_loading = false;
                Q_EMIT loadingChanged(false);
                Q_EMIT loadFailed(r.error);
                return;
            }
            int fresh = 0;
            QList<SessionSummary> page;
            page.reserve(r.value.size());
            for (const SessionSummary &s : r.value) {
                if (m_deleted.contains(s.session.id))
                    continue;
                if (!m_listed.contains(s.session.id)) {
                    m_listed.insert(s.session.id);
                    ++fresh;
                }
                // What live events said since is newer than this listing: fetch it again.
                if (m_pending.contains(s.session.id))
                    m_dirty.insert(s.session.id);
                page.append(s);
            }
            m_model->upsert(page);
            Q_EMIT progress(int(m_listed.size()));
            if (int(r.value.size()) < m_pageSize) {
                finishLoad(true);
            } else if (fresh == 0) {
                // A daemon without ?offset answers the first page again: that is all it shows.
                qCInfo(lcGui) << "daemon does not page sessions; showing the newest"
                              << m_listed.size();
                finishLoad(false);
            } else {
                m_offset += int(r.value.size());
                requestPage();
            }
        });
}

void SessionStore::finishLoad(bool complete)
{
    if (complete) {
        // Whatever the complete listing does not name is gone (expired, deleted elsewhere).
        QSet<QString> keep = m_listed;
        keep.unite(m_addedLive);
        for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
            keep.insert(it.key());
        m_model->removeAllBut(keep);
    }
    m_loading = false;
    m_loadedOnce = true;
    m_loadContext->deleteLater(); // we are inside its callback
    const qint64 elapsed = m_loadTimer.elapsed();
    qCInfo(lcGui) << "sessions loaded:" << m_listed.size() << "in" << elapsed << "ms";
    Q_EMIT loadingChanged(false);
    Q_EMIT loaded(int(m_listed.size()), elapsed);
}

const SessionSummary *SessionStore::known(const QString &id) const
{
    const auto it = m_pending.constFind(id);
    return it != m_pending.cend() ? &*it : m_model->find(id);
}

void SessionStore::onEvent(const QString &sessionId, qint64, const QJsonObject &event)
{
    if (!isValidId(sessionId))
        return;
    if (auto it = m_deleted.find(sessionId); it != m_deleted.end()) {
        if (QDateTime::currentMSecsSinceEpoch() - *it < kTombstoneMs)
            return;
        m_deleted.erase(it);
    }
    const QString type = event.value(QLatin1String("type")).toString();
    const SessionSummary *current = known(sessionId);
    if (current && !eventCanChangeSession(type)) {
        // A chain may have been added: the count comes from the daemon.
        if (type == QLatin1String("chain:compiled") || type == QLatin1String("chain:started"))
            m_dirty.insert(sessionId);
        return;
    }
    // What the event does to the row is what the daemon did to the record: the same rules
    // (shared/sessionrules), on the event as the daemon validated it.
    const std::optional<IncomingEvent> in = validateEvent(event, {});
    if (!in || in->sessionId != sessionId)
        return;
    if (!current) {
        // Its first event: the row the daemon made from it, the rest fetched shortly.
        SessionSummary s;
        s.session = sessionFromEvent(*in);
        m_pending.insert(sessionId, s);
        if (m_loading)
            m_addedLive.insert(sessionId);
        m_dirty.insert(sessionId);
    } else {
        SessionSummary s = *current;
        if (!applySessionEvent(s.session, *in))
            return;
        m_pending.insert(sessionId, s);
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void SessionStore::flush()
{
    if (m_pending.isEmpty())
        return;
    const QList<SessionSummary> batch = m_pending.values();
    m_pending.clear();
    m_model->upsert(batch);
}

void SessionStore::refreshDirty()
{
    // A session's details carry all its chains (the daemon folds every event for them):
    // at most one read per session every few seconds, however busy it is.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_dirty.begin();
         it != m_dirty.end() && m_detailsInFlight < kMaxDetailsInFlight;) {
        const QString id = *it;
        if (now - m_refreshedAt.value(id, 0) < kMinRefreshGapMs) {
            ++it;
            continue;
        }
        it = m_dirty.erase(it);
        m_refreshedAt.insert(id, now);
        ++m_detailsInFlight;
        m_connection->api()->getSession(id, this, [this, id](const ApiResult<SessionDetail> &r) {
            --m_detailsInFlight;
            if (m_deleted.contains(id))
                return;
            if (r.error.kind == ApiError::NotFound) {
                m_pending.remove(id);
                m_model->remove(id);
                return;
            }
            if (!r.ok())
                return;
            SessionSummary s;
            s.session = r.value.session;
            s.chainsCount = int(r.value.chains.size());
            s.currentChainId = r.value.currentChainId;
            m_pending.insert(id, s);
            if (!m_flushTimer.isActive())
                m_flushTimer.start();
        });
    }
}

void SessionStore::refreshHead()
{
    if (m_loading || m_connection->state() != Connection::State::Live)
        return;
    SessionQuery q;
    q.limit = kHeadPage;
    m_connection->api()->listSessions(q, this, [this](const ApiResult<QList<SessionSummary>> &r) {
        if (!r.ok() || m_loading)
            return;
        QList<SessionSummary> page;
        for (const SessionSummary &s : r.value) {
            if (!m_deleted.contains(s.session.id) && !m_pending.contains(s.session.id))
                page.append(s);
        }
        m_model->upsert(page);
    });
}

void SessionStore::forget(const QString &id)
{
    m_deleted.insert(id, QDateTime::currentMSecsSinceEpoch());
    m_pending.remove(id);
    m_dirty.remove(id);
    m_refreshedAt.remove(id);
    m_model->remove(id);
}

} // namespace Afw

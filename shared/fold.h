// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

#include "event.h"
#include "models.h"

namespace Afw {

// Chains and steps are a fold over a session's events (API.md, "Chains and steps
// from events"). Pure: the daemon, the admin GUI and the tests share it.
class ChainFold
{
public:
    void apply(const QJsonObject &event, qint64 seq);
    void applyAll(const QList<StoredEvent> &events);
    // Stored chains (added through the storage API) win by id.
    void mergeStored(const QList<Chain> &stored);

    const QList<Chain> &chains() const { return m_chains; }
    QString currentChainId() const { return m_current; }
    int totalStepsExecuted() const { return m_stepsExecuted; }
    int totalChainsCompleted() const;
    int criticalErrors() const { return m_criticalErrors; }

    // Adds chains, currentChain and the derived counters to a session object.
    void decorateSession(QJsonObject &session) const;

private:
    Chain *chain(const QString &id);
    Chain &currentOrNew(qint64 seq);
    void applyStep(const QString &type, const QJsonObject &e, qint64 seq);
    void applyChain(const QString &type, const QJsonObject &e, qint64 seq);

    QList<Chain> m_chains;
    QString m_current;
    int m_stepsExecuted = 0;
    int m_criticalErrors = 0;
};

// The chain a chain:* event names, as the fold would call it (chainId when valid,
// chain-<seq> for a chain:compiled without one); empty for other events. Lets a
// backend count a session's chains without folding its events.
QString chainIdOf(const IncomingEvent &event, qint64 seq);
// The valid chainId a chain:* event carries, or empty.
QString namedChainId(const IncomingEvent &event);

// session:started creates a session from the event; nullopt for other types.
std::optional<Session> sessionFromStartedEvent(const IncomingEvent &event);
// session:started moves a pending session to in_progress, session:ended marks it
// completed; returns whether anything changed.
bool applySessionEvent(Session &session, const IncomingEvent &event);

} // namespace Afw

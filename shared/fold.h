// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

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
    // Stored chains (the Node original's chains:<id> list, read by the Redis backend) win
    // by id.
    void mergeStored(const QList<Chain> &stored);

    const QList<Chain> &chains() const { return m_chains; }
    // The chain the session is on now (API.md v1.1): the latest chain not yet completed
    // or failed, else the latest chain; nullptr when there is none. "Latest" is list
    // order: chains are listed as they first appear.
    const Chain *currentChain() const;
    int totalStepsExecuted() const { return m_stepsExecuted; }
    int totalChainsCompleted() const;
    const QStringList &criticalErrors() const { return m_criticalErrors; }

    // Adds chains, currentChain (an object) and the derived counters to a session object.
    void decorateSession(QJsonObject &session) const;

private:
    Chain *chain(const QString &id);
    Chain &currentOrNew(const QJsonObject &e, qint64 seq);
    Chain &added(const QString &id, const QJsonObject &e);
    void applyStep(const QString &type, const QJsonObject &e, qint64 seq);
    void applyChain(const QString &type, const QJsonObject &e, qint64 seq);

    QList<Chain> m_chains;
    QString m_current; // the chain step events apply to: the one a chain event last named
    int m_stepsExecuted = 0;
    QStringList m_criticalErrors; // the messages of error:occurred with severity critical
};

// A fold kept between requests (the session listing folds every session it lists) and
// extended with newer events only. It has folded events up to lastSeq; `last` holds the
// bytes of the event at lastSeq, by which a backend tells whether the events it stores
// still continue the ones folded (a deleted and re-created session does not).
struct FoldState
{
    ChainFold fold;
    qint64 lastSeq = 0; // 0: nothing folded
    QByteArray last;

    // Folds events[from..] (in seq order) onto what is folded.
    void extend(const QList<StoredEvent> &events, qsizetype from = 0);
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "fold.h"

#include <QJsonArray>
#include <QJsonDocument>

#include "ids.h"
#include "timeutil.h"

namespace Afw {

namespace {
const QLatin1String kTimestamp("timestamp");

void copyFields(QJsonObject &to, const QJsonObject &from, std::initializer_list<const char *> keys)
{
    for (const char *k : keys) {
        const QLatin1String key(k);
        const QJsonValue v = from.value(key);
        if (!v.isUndefined() && !v.isNull())
            to.insert(key, v);
    }
}

Status chainEndStatus(const QJsonObject &e)
{
    const QString overall = e.value(QLatin1String("overallStatus")).toString();
    if (overall == QLatin1String("failure") || overall == QLatin1String("failed"))
        return Status::Failed;
    if (const auto s = statusFromString(e.value(QLatin1String("status")).toString()))
        return *s;
    return Status::Completed;
}

qint64 durationBetween(const QJsonValue &from, const QJsonValue &to)
{
    const auto a = parseIsoTimestamp(from.toString());
    const auto b = parseIsoTimestamp(to.toString());
    return (a && b) ? *b - *a : -1;
}
} // namespace

Chain *ChainFold::chain(const QString &id)
{
    for (auto &c : m_chains) {
        if (c.id == id)
            return &c;
    }
    return nullptr;
}

Chain &ChainFold::currentOrNew(const QJsonObject &e, qint64 seq)
{
    if (Chain *c = chain(m_current))
        return *c;
    Chain &c = added(QStringLiteral("chain-") + QString::number(seq), e);
    c.status = Status::InProgress;
    m_current = c.id;
    return c;
}

Chain &ChainFold::added(const QString &id, const QJsonObject &e)
{
    // A chain no chain:compiled announced was made by this event: compiledAt is when.
    Chain c;
    c.id = id;
    c.fields.insert(QLatin1String("sessionId"), e.value(QLatin1String("sessionId")));
    c.fields.insert(QLatin1String("compiledAt"), e.value(kTimestamp));
    m_chains.append(c);
    return m_chains.last();
}

void ChainFold::applyChain(const QString &type, const QJsonObject &e, qint64 seq)
{
    // A chainId that is not a valid id is treated as absent: chain ids are ids (API.md).
    QString given = e.value(QLatin1String("chainId")).toString();
    if (!given.isEmpty() && !isValidId(given))
        given.clear();
    if (type == QLatin1String("chain:compiled")) {
        Chain c;
        c.id = given.isEmpty() ? QStringLiteral("chain-") + QString::number(seq) : given;
        copyFields(c.fields, e, {"title", "source", "ref", "executionMode", "totalSteps"});
        c.fields.insert(QLatin1String("compiledAt"), e.value(kTimestamp));
        c.fields.insert(QLatin1String("sessionId"), e.value(QLatin1String("sessionId")));
        const QJsonArray steps = e.value(QLatin1String("steps")).toArray();
        for (qsizetype i = 0; i < steps.size(); ++i) {
            ChainStep s;
            s.fields = steps.at(i).toObject();
            s.stepNumber = s.fields.value(QLatin1String("stepNumber")).toInt(int(i) + 1);
            s.fields.remove(QLatin1String("stepNumber"));
            s.fields.remove(QLatin1String("status"));
            c.steps.append(s);
        }
        if (Chain *existing = chain(c.id))
            *existing = c;
        else
            m_chains.append(c);
        m_current = c.id;
        return;
    }
    Chain *c = given.isEmpty() ? chain(m_current) : chain(given);
    if (!c)
        c = &added(given.isEmpty() ? QStringLiteral("chain-") + QString::number(seq) : given, e);
    m_current = c->id;
    copyFields(c->fields, e, {"title"});
    if (type == QLatin1String("chain:started")) {
        c->status = Status::InProgress;
        c->fields.insert(QLatin1String("startedAt"), e.value(kTimestamp));
        copyFields(c->fields, e, {"currentStep"});
        return;
    }
    // chain:completed
    c->status = chainEndStatus(e);
    c->fields.insert(QLatin1String("completedAt"), e.value(kTimestamp));
    copyFields(c->fields, e, {"duration", "successfulSteps", "failedSteps", "skippedSteps",
                              "totalSteps", "summary", "overallStatus"});
    if (!c->fields.contains(QLatin1String("duration"))) {
        const qint64 d = durationBetween(c->fields.value(QLatin1String("startedAt")),
                                         e.value(kTimestamp));
        if (d >= 0)
            c->fields.insert(QLatin1String("duration"), d);
    }
}

void ChainFold::applyStep(const QString &type, const QJsonObject &e, qint64 seq)
{
    const QJsonValue num = e.value(QLatin1String("stepNumber"));
    if (!num.isDouble())
        return;
    Chain &c = currentOrNew(e, seq);
    if (c.status == Status::Pending)
        c.status = Status::InProgress; // a step ran, whether or not chain:started came
    ChainStep *s = c.step(num.toInt());
    if (!s) {
        ChainStep fresh;
        fresh.stepNumber = num.toInt();
        c.steps.append(fresh);
        s = &c.steps.last();
    }
    copyFields(s->fields, e, {"action", "model", "description", "inputs", "waitsFor", "agentName"});
    const QJsonValue ts = e.value(kTimestamp);
    if (type == QLatin1String("step:spawned") || type == QLatin1String("step:started")) {
        s->status = Status::InProgress;
        if (!s->fields.contains(QLatin1String("startedAt")))
            s->fields.insert(QLatin1String("startedAt"), ts);
        return;
    }
    const bool failed = type == QLatin1String("step:failed");
    s->status = failed ? Status::Failed
                       : statusFromString(e.value(QLatin1String("status")).toString())
                             .value_or(Status::Completed);
    s->fields.insert(QLatin1String("completedAt"), ts);
    copyFields(s->fields, e, {"duration", "result", "error", "learning", "errorType"});
    if (!s->fields.contains(QLatin1String("duration"))) {
        const qint64 d = durationBetween(s->fields.value(QLatin1String("startedAt")), ts);
        if (d >= 0)
            s->fields.insert(QLatin1String("duration"), d);
    }
    ++m_stepsExecuted;
}

void ChainFold::apply(const QJsonObject &event, qint64 seq)
{
    const QString type = event.value(QLatin1String("type")).toString();
    if (type.startsWith(QLatin1String("chain:"))) {
        if (type == QLatin1String("chain:compiled") || type == QLatin1String("chain:started")
            || type == QLatin1String("chain:completed"))
            applyChain(type, event, seq);
    } else if (type == QLatin1String("step:spawned") || type == QLatin1String("step:started")
               || type == QLatin1String("step:completed")
               || type == QLatin1String("step:failed")) {
        applyStep(type, event, seq);
    } else if (type == QLatin1String("error:occurred")
               && event.value(QLatin1String("severity")).toString() == QLatin1String("critical")) {
        // The model's criticalErrors is a list of messages.
        const QString error = event.value(QLatin1String("error")).toString();
        m_criticalErrors.append(error.isEmpty() ? QStringLiteral("critical error") : error);
    }
}

void ChainFold::applyAll(const QList<StoredEvent> &events)
{
    for (const auto &e : events)
        apply(QJsonDocument::fromJson(e.json).object(), e.seq);
}

void ChainFold::mergeStored(const QList<Chain> &stored)
{
    for (const auto &s : stored) {
        if (Chain *c = chain(s.id))
            *c = s;
        else
            m_chains.append(s);
    }
}

int ChainFold::totalChainsCompleted() const
{
    int n = 0;
    for (const auto &c : m_chains)
        n += c.status == Status::Completed ? 1 : 0;
    return n;
}

const Chain *ChainFold::currentChain() const
{
    for (auto it = m_chains.crbegin(); it != m_chains.crend(); ++it) {
        if (it->status != Status::Completed && it->status != Status::Failed)
            return &*it;
    }
    return m_chains.isEmpty() ? nullptr : &m_chains.last();
}

void ChainFold::decorateSession(QJsonObject &session) const
{
    QJsonArray arr;
    for (const auto &c : m_chains)
        arr.append(c.toJson());
    session.insert(QLatin1String("chains"), arr);
    if (const Chain *current = currentChain())
        session.insert(QLatin1String("currentChain"), current->toJson());
    session.insert(QLatin1String("totalStepsExecuted"), m_stepsExecuted);
    session.insert(QLatin1String("totalChainsCompleted"), totalChainsCompleted());
    session.insert(QLatin1String("criticalErrors"), QJsonArray::fromStringList(m_criticalErrors));
}

void FoldState::extend(const QList<StoredEvent> &events, qsizetype from)
{
    for (qsizetype i = from; i < events.size(); ++i) {
        const StoredEvent &e = events.at(i);
        fold.apply(QJsonDocument::fromJson(e.json).object(), e.seq);
        lastSeq = e.seq;
        last = e.json;
    }
}

} // namespace Afw

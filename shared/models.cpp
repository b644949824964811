// SPDX-License-Identifier: MIT
#include "models.h"

#include <cstdio>

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

#include "jsonscan.h"
#include "timeutil.h"

namespace Afw {

namespace {
const char16_t *const kStatusNames[] = {u"pending", u"in_progress", u"completed", u"failed",
                                        u"skipped"};
const char16_t *const kCommandNames[] = {u"pause", u"resume", u"cancel",
                                         u"abort", u"retry",  u"skip"};

template <typename E, size_t N>
std::optional<E> lookup(const char16_t *const (&names)[N], QStringView s)
{
    for (size_t i = 0; i < N; ++i) {
        if (s == QStringView(names[i]))
            return static_cast<E>(i);
    }
    return std::nullopt;
}

void putIfSet(QJsonObject &o, QLatin1String key, const QString &v)
{
    if (!v.isEmpty())
        o.insert(key, v);
}

QString str(const QJsonObject &o, QLatin1String key)
{
    return o.value(key).toString();
}


// ,"key":"value"
void appendMember(QByteArray &out, const char *key, QStringView value)
{
    out += ",\"";
    out += key;
    out += "\":";
    appendJsonString(out, value);
}

void appendIfSet(QByteArray &out, const char *key, const QString &value)
{
    if (!value.isEmpty())
        appendMember(out, key, value);
}

// API.md v1.2: every chain and step is complete in the fields the dashboard's model
// requires; what the events did not say (or said as null, or as the wrong type) gets a
// default, so that a page reading step.waitsFor.length never meets undefined.
void defaultTo(QJsonObject &o, QLatin1String key, QJsonValue::Type type, const QJsonValue &def)
{
    if (o.value(key).type() != type)
        o.insert(key, def);
}
} // namespace

std::optional<Status> statusFromString(QStringView s)
{
    return lookup<Status>(kStatusNames, s);
}

QString statusToString(Status s)
{
    return QString::fromUtf16(kStatusNames[static_cast<int>(s)]);
}

std::optional<CommandType> commandTypeFromString(QStringView s)
{
    return lookup<CommandType>(kCommandNames, s);
}

QString commandTypeToString(CommandType t)
{
    return QString::fromUtf16(kCommandNames[static_cast<int>(t)]);
}

QStringList commandTypeNames()
{
    QStringList out;
    for (const auto *n : kCommandNames)
        out << QString::fromUtf16(n);
    return out;
}

QJsonObject ChainStep::toJson() const
{
    QJsonObject o = fields;
    o.insert(QLatin1String("stepNumber"), stepNumber);
    o.insert(QLatin1String("status"), statusToString(status));
    defaultTo(o, QLatin1String("action"), QJsonValue::String, QString());
    defaultTo(o, QLatin1String("model"), QJsonValue::String, QString());
    defaultTo(o, QLatin1String("inputs"), QJsonValue::Object, QJsonObject());
    defaultTo(o, QLatin1String("waitsFor"), QJsonValue::Array, QJsonArray());
    return o;
}

ChainStep *Chain::step(int stepNumber)
{
    for (auto &s : steps) {
        if (s.stepNumber == stepNumber)
            return &s;
    }
    return nullptr;
}

QJsonObject Chain::toJson() const
{
    QJsonObject o = fields;
    o.insert(QLatin1String("id"), id);
    o.insert(QLatin1String("status"), statusToString(status));
    defaultTo(o, QLatin1String("sessionId"), QJsonValue::String, QString());
    defaultTo(o, QLatin1String("title"), QJsonValue::String, QString());
    defaultTo(o, QLatin1String("compiledAt"), QJsonValue::String, QString());
    // The model's three sources; hooks send the raw text after "**Source:**", or null.
    const QString source = o.value(QLatin1String("source")).toString();
    if (source != QLatin1String("flow") && source != QLatin1String("composed") && source != QLatin1String("meta-task"))
        o.insert(QLatin1String("source"), QStringLiteral("composed"));
    QJsonArray arr;
    for (const auto &s : steps)
        arr.append(s.toJson());
    o.insert(QLatin1String("steps"), arr);
    return o;
}

std::optional<Chain> Chain::fromJson(const QJsonObject &o)
{
    Chain c;
    c.id = str(o, QLatin1String("id"));
    if (c.id.isEmpty())
        return std::nullopt;
    c.status = statusFromString(str(o, QLatin1String("status"))).value_or(Status::Pending);
    c.fields = o;
    c.fields.remove(QLatin1String("id"));
    c.fields.remove(QLatin1String("status"));
    c.fields.remove(QLatin1String("steps"));
    const QJsonArray steps = o.value(QLatin1String("steps")).toArray();
    for (const auto &v : steps) {
        QJsonObject so = v.toObject();
        ChainStep s;
        s.stepNumber = so.value(QLatin1String("stepNumber")).toInt();
        s.status = statusFromString(str(so, QLatin1String("status"))).value_or(Status::Pending);
        so.remove(QLatin1String("stepNumber"));
        so.remove(QLatin1String("status"));
        s.fields = so;
        c.steps.append(s);
    }
    return c;
}

QJsonObject Session::toJson() const
{
    QJsonObject o;
    o.insert(QLatin1String("id"), id);
    o.insert(QLatin1String("cwd"), cwd); // "" for a session an event created without one: the model requires it
    putIfSet(o, QLatin1String("hostname"), hostname);
    putIfSet(o, QLatin1String("platform"), platform);
    putIfSet(o, QLatin1String("user"), user);
    o.insert(QLatin1String("status"), statusToString(status));
    o.insert(QLatin1String("startedAt"), isoFromMs(startedAtMs));
    if (endedAtMs) {
        o.insert(QLatin1String("endedAt"), isoFromMs(*endedAtMs));
        o.insert(QLatin1String("duration"), *endedAtMs - startedAtMs);
    }
    putIfSet(o, QLatin1String("endReason"), endReason);
    putIfSet(o, QLatin1String("summary"), summary);
    if (!metadata.isEmpty())
        o.insert(QLatin1String("metadata"), metadata);
    return o;
}

QByteArray Session::toJsonBytes() const
{
    // Field for field what toJson() holds (tests/tst_fold.cpp compares the two).
    QByteArray out;
    out.reserve(128 + 3 * (id.size() + cwd.size() + hostname.size() + platform.size() + user.size()));
    out += "{\"id\":";
    appendJsonString(out, id);
    appendMember(out, "cwd", cwd); // always, as toJson()
    appendIfSet(out, "hostname", hostname);
    appendIfSet(out, "platform", platform);
    appendIfSet(out, "user", user);
    appendMember(out, "status", statusToString(status));
    appendMember(out, "startedAt", isoFromMs(startedAtMs));
    if (endedAtMs) {
        appendMember(out, "endedAt", isoFromMs(*endedAtMs));
        out += ",\"duration\":";
        out += QByteArray::number(*endedAtMs - startedAtMs);
    }
    appendIfSet(out, "endReason", endReason);
    appendIfSet(out, "summary", summary);
    if (!metadata.isEmpty()) {
        out += ",\"metadata\":";
        out += QJsonDocument(metadata).toJson(QJsonDocument::Compact);
    }
    out += '}';
    return out;
}

QJsonObject Session::toSummaryJson(int chainsCount) const
{
    QJsonObject o;
    o.insert(QLatin1String("id"), id);
    o.insert(QLatin1String("status"), statusToString(status));
    o.insert(QLatin1String("cwd"), cwd);
    putIfSet(o, QLatin1String("user"), user);
    putIfSet(o, QLatin1String("hostname"), hostname);
    putIfSet(o, QLatin1String("platform"), platform);
    o.insert(QLatin1String("startedAt"), isoFromMs(startedAtMs));
    if (endedAtMs)
        o.insert(QLatin1String("endedAt"), isoFromMs(*endedAtMs));
    o.insert(QLatin1String("chainsCount"), chainsCount);
    return o;
}

std::optional<Session> Session::fromJson(const QJsonObject &o)
{
    Session s;
    s.id = str(o, QLatin1String("id"));
    const auto started = parseIsoTimestamp(str(o, QLatin1String("startedAt")));
    if (s.id.isEmpty() || !started)
        return std::nullopt;
    s.startedAtMs = *started;
    s.cwd = str(o, QLatin1String("cwd"));
    s.hostname = str(o, QLatin1String("hostname"));
    s.platform = str(o, QLatin1String("platform"));
    s.user = str(o, QLatin1String("user"));
    s.status = statusFromString(str(o, QLatin1String("status"))).value_or(Status::Pending);
    if (const auto ended = parseIsoTimestamp(str(o, QLatin1String("endedAt"))))
        s.endedAtMs = *ended;
    s.endReason = str(o, QLatin1String("endReason"));
    s.summary = str(o, QLatin1String("summary"));
    s.metadata = o.value(QLatin1String("metadata")).toObject();
    return s;
}

void Session::setStatus(Status s, qint64 atMs)
{
    status = s;
    if ((s == Status::Completed || s == Status::Failed) && !endedAtMs)
        endedAtMs = atMs;
}

QJsonObject Command::toJson() const
{
    QJsonObject o;
    o.insert(QLatin1String("id"), id);
    o.insert(QLatin1String("type"), commandTypeToString(type));
    o.insert(QLatin1String("payload"), payload);
    o.insert(QLatin1String("timestamp"), timestamp);
    // API.md v1.2: the hooks of today act only on pending commands; a queued one is.
    o.insert(QLatin1String("status"), QStringLiteral("pending"));
    return o;
}

QJsonObject Input::toJson() const
{
    QJsonObject o;
    o.insert(QLatin1String("timestamp"), timestamp);
    o.insert(QLatin1String("input"), input);
    if (!prompt.isUndefined() && !prompt.isNull())
        o.insert(QLatin1String("prompt"), prompt);
    return o;
}

QString makeSessionId(qint64 nowMs)
{
    return QStringLiteral("session-") + QString::number(nowMs) + u'-'
           + QString::number(QRandomGenerator::global()->generate() % 0x7fffffffu, 36);
}

QString makeRandomId(QStringView prefix)
{
    // <prefix>-<ms>-<random base36>: unique across instances without coordination.
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "-%lld-", static_cast<long long>(nowMs()));
    quint64 r = QRandomGenerator::global()->generate64() % 0x7fffffffffffull;
    char rnd[16];
    int k = 0;
    do {
        rnd[k++] = "0123456789abcdefghijklmnopqrstuvwxyz"[r % 36];
        r /= 36;
    } while (r && k < 16);
    QString out;
    out.reserve(prefix.size() + n + k);
    out.append(prefix);
    out.append(QLatin1String(buf, n));
    while (k)
        out.append(QLatin1Char(rnd[--k]));
    return out;
}

} // namespace Afw

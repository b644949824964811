// SPDX-License-Identifier: MIT
#include "apitypes.h"

#include <QDateTime>
#include <QJsonArray>

#include "timeutil.h"

namespace Afw {

namespace {
int intOf(const QJsonObject &o, QLatin1String key)
{
    return int(o.value(key).toInteger());
}
} // namespace

std::optional<ServerInfo> ServerInfo::fromJson(const QJsonObject &o)
{
    if (!o.value(QLatin1String("status")).isString() ||
        !o.value(QLatin1String("storage")).isString())
        return std::nullopt;
    ServerInfo s;
    s.status = o.value(QLatin1String("status")).toString();
    s.storage = o.value(QLatin1String("storage")).toString();
    s.version = o.value(QLatin1String("version")).toString();
    s.reason = o.value(QLatin1String("reason")).toString();
    s.uptimeSeconds = o.value(QLatin1String("uptime")).toDouble();
    return s;
}

std::optional<SessionSummary> SessionSummary::fromJson(const QJsonObject &o)
{
    const auto session = Session::fromJson(o);
    if (!session)
        return std::nullopt;
    SessionSummary s;
    s.session = *session;
    s.chainsCount = intOf(o, QLatin1String("chainsCount"));
    const QJsonValue current = o.value(QLatin1String("currentChain"));
    if (current.isString()) {
        s.currentChainId = current.toString();
    } else if (current.isObject()) {
        s.currentChain = Chain::fromJson(current.toObject());
        if (s.currentChain)
            s.currentChainId = s.currentChain->id;
    }
    return s;
}

std::optional<SessionDetail> SessionDetail::fromJson(const QJsonObject &o)
{
    const auto session = Session::fromJson(o);
    if (!session)
        return std::nullopt;
    SessionDetail d;
    d.session = *session;
    const QJsonArray chains = o.value(QLatin1String("chains")).toArray();
    for (const auto &v : chains) {
        if (auto c = Chain::fromJson(v.toObject()))
            d.chains.append(std::move(*c));
    }
    const QJsonValue current = o.value(QLatin1String("currentChain"));
    d.currentChainId = current.isObject() ? current.toObject().value(QLatin1String("id")).toString()
                                          : current.toString();
    d.totalStepsExecuted = intOf(o, QLatin1String("totalStepsExecuted"));
    d.totalChainsCompleted = intOf(o, QLatin1String("totalChainsCompleted"));
    d.criticalErrors = int(o.value(QLatin1String("criticalErrors")).toArray().size());
    return d;
}

std::optional<EventRecord> EventRecord::fromJson(const QJsonObject &o)
{
    EventRecord e;
    e.type = o.value(QLatin1String("type")).toString();
    e.sessionId = o.value(QLatin1String("sessionId")).toString();
    if (e.type.isEmpty() || e.sessionId.isEmpty())
        return std::nullopt;
    e.seq = o.value(QLatin1String("seq")).toInteger();
    e.eventId = o.value(QLatin1String("eventId")).toString();
    e.timestampMs = parseIsoTimestamp(o.value(QLatin1String("timestamp")).toString()).value_or(0);
    e.json = o;
    return e;
}

QList<std::pair<QString, qint64>> TtlReport::parts() const
{
    return {{QStringLiteral("session"), session},
            {QStringLiteral("events"), events},
            {QStringLiteral("chains"), chains},
            {QStringLiteral("commands"), commands},
            {QStringLiteral("input"), input}};
}

std::optional<TtlReport> TtlReport::fromJson(const QJsonObject &o)
{
    const QJsonValue ttl = o.value(QLatin1String("ttl"));
    if (!ttl.isObject())
        return std::nullopt;
    const QJsonObject t = ttl.toObject();
    TtlReport r;
    r.sessionId = o.value(QLatin1String("sessionId")).toString();
    r.storage = o.value(QLatin1String("storage")).toString();
    auto part = [&t](const char *name) {
        const QJsonValue v = t.value(QLatin1String(name));
        return v.isDouble() ? v.toInteger() : kAbsent;
    };
    r.session = part("session");
    r.events = part("events");
    r.chains = part("chains");
    r.commands = part("commands");
    r.input = part("input");
    r.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
    return r;
}

std::optional<UserInfo> UserInfo::fromJson(const QJsonObject &o)
{
    UserInfo u;
    u.user = o.value(QLatin1String("user")).toString();
    u.id = o.value(QLatin1String("id")).toString(u.user); // v1.0 has no id
    if (u.user.isEmpty())
        return std::nullopt;
    u.sessionCount = intOf(o, QLatin1String("sessionCount"));
    u.isOnline = o.value(QLatin1String("isOnline")).toBool();
    const QJsonArray sessions = o.value(QLatin1String("sessions")).toArray();
    for (const auto &v : sessions)
        u.sessionIds << v.toObject().value(QLatin1String("id")).toString();
    return u;
}

std::optional<Command> commandFromJson(const QJsonObject &o)
{
    const auto type = commandTypeFromString(o.value(QLatin1String("type")).toString());
    const QString id = o.value(QLatin1String("id")).toString();
    if (!type || id.isEmpty())
        return std::nullopt;
    Command c;
    c.id = id;
    c.type = *type;
    c.payload = o.value(QLatin1String("payload"));
    c.timestamp = o.value(QLatin1String("timestamp")).toString();
    return c;
}

std::optional<Input> inputFromJson(const QJsonObject &o)
{
    if (!o.contains(QLatin1String("input")))
        return std::nullopt;
    Input in;
    in.input = o.value(QLatin1String("input"));
    in.prompt = o.value(QLatin1String("prompt"));
    in.timestamp = o.value(QLatin1String("timestamp")).toString();
    return in;
}

} // namespace Afw

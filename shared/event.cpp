// SPDX-License-Identifier: MIT
#include "event.h"

#include <QJsonDocument>

#include "ids.h"
#include "models.h"
#include "timeutil.h"

namespace Afw {

std::optional<IncomingEvent> validateEvent(const QJsonObject &object, QByteArray raw, QString *why)
{
    auto fail = [why](const char *reason) -> std::optional<IncomingEvent> {
        if (why)
            *why = QString::fromLatin1(reason);
        return std::nullopt;
    };
    const QJsonValue sid = object.value(QLatin1String("sessionId"));
    const QJsonValue type = object.value(QLatin1String("type"));
    const QJsonValue ts = object.value(QLatin1String("timestamp"));
    if (!sid.isString() || !type.isString() || !ts.isString())
        return fail("sessionId, type and timestamp must be strings");
    IncomingEvent e;
    e.sessionId = sid.toString();
    if (!isValidId(e.sessionId))
        return fail("sessionId is not a valid id");
    e.type = type.toString();
    if (e.type.isEmpty() || e.type.size() > 128)
        return fail("type must be a non-empty string of at most 128 characters");
    const auto ms = parseIsoTimestamp(ts.toString());
    if (!ms)
        return fail("timestamp must be an ISO-8601 date-time with a zone");
    e.timestampMs = *ms;
    e.object = object;
    e.raw = std::move(raw);
    return e;
}

StampedEvent stampEvent(const IncomingEvent &event, qint64 seq)
{
    StampedEvent out;
    const QJsonValue clientId = event.object.value(QLatin1String("eventId"));
    const bool keepId = clientId.isString() && !clientId.toString().isEmpty();
    out.eventId = keepId ? clientId.toString() : makeRandomId(u"evt");

    // Fast path: append to the client's own bytes; it cannot hold a "seq" key
    // we would duplicate, and its eventId is either kept or absent.
    const QByteArray raw = event.raw.trimmed();
    const bool rawUsable = raw.endsWith('}') && !event.object.contains(QLatin1String("seq"))
                           && (keepId || !event.object.contains(QLatin1String("eventId")));
    if (rawUsable) {
        out.json.reserve(raw.size() + 64);
        out.json.append(raw.constData(), raw.size() - 1);
        if (!keepId)
            out.json.append(",\"eventId\":\"").append(out.eventId.toLatin1()).append('"');
        out.json.append(",\"seq\":").append(QByteArray::number(seq)).append('}');
        return out;
    }
    QJsonObject o = event.object;
    o.insert(QLatin1String("eventId"), out.eventId);
    o.insert(QLatin1String("seq"), seq);
    out.json = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return out;
}

QByteArray joinEventsArray(const QList<StoredEvent> &events)
{
    qsizetype total = 2;
    for (const auto &e : events)
        total += e.json.size() + 1;
    QByteArray out;
    out.reserve(total);
    out.append('[');
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (i)
            out.append(',');
        out.append(events.at(i).json);
    }
    out.append(']');
    return out;
}

} // namespace Afw

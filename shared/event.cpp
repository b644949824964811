// SPDX-License-Identifier: MIT
#include "event.h"

#include <QJsonDocument>

#include "ids.h"
#include "jsonscan.h"
#include "models.h"
#include "timeutil.h"

namespace Afw {

namespace {
// The rules shared by both entry points, on the already extracted fields.
bool checkFields(IncomingEvent &e, const QJsonValue &sid, const QJsonValue &type, const QJsonValue &ts,
                 QString *why)
{
    auto fail = [why](const char *reason) {
        if (why)
            *why = QString::fromLatin1(reason);
        return false;
    };
    if (!sid.isString() || !type.isString() || !ts.isString())
        return fail("sessionId, type and timestamp must be strings");
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
    return true;
}

// `user`, or `userId` when `user` is not a string.
QString userOf(const QJsonValue &user, const QJsonValue &userId)
{
    return user.isString() ? user.toString() : userId.toString();
}

QJsonValue memberValue(const JsonScan::Member &m)
{
    if (!m.present)
        return QJsonValue(QJsonValue::Undefined);
    return m.isString ? QJsonValue(m.value) : QJsonValue(QJsonValue::Null);
}
} // namespace

QJsonObject IncomingEvent::object() const
{
    return QJsonDocument::fromJson(raw).object();
}

std::optional<IncomingEvent> validateEvent(const QJsonObject &object, QByteArray raw, QString *why)
{
    IncomingEvent e;
    if (!checkFields(e, object.value(QLatin1String("sessionId")), object.value(QLatin1String("type")),
                     object.value(QLatin1String("timestamp")), why))
        return std::nullopt;
    const QJsonValue id = object.value(QLatin1String("eventId"));
    e.rawHasEventId = !id.isUndefined();
    e.clientEventId = id.toString();
    e.rawHasSeq = object.contains(QLatin1String("seq"));
    e.cwd = object.value(QLatin1String("cwd")).toString();
    e.hostname = object.value(QLatin1String("hostname")).toString();
    e.platform = object.value(QLatin1String("platform")).toString();
    e.user = userOf(object.value(QLatin1String("user")), object.value(QLatin1String("userId")));
    e.raw = raw.isEmpty() ? QJsonDocument(object).toJson(QJsonDocument::Compact) : std::move(raw);
    return e;
}

std::optional<IncomingEvent> parseEvent(const QByteArray &raw, QString *jsonError, QString *why)
{
    JsonScan scan({"sessionId", "type", "timestamp", "eventId", "seq", "cwd", "hostname", "platform",
                   "user", "userId"});
    if (!scan.scan(raw)) {
        *jsonError = scan.error() + QStringLiteral(" at offset ") + QString::number(scan.errorOffset());
        return std::nullopt;
    }
    if (!scan.isObject()) {
        *why = QStringLiteral("expected a JSON object");
        return std::nullopt;
    }
    IncomingEvent e;
    if (!checkFields(e, memberValue(scan.member(0)), memberValue(scan.member(1)),
                     memberValue(scan.member(2)), why))
        return std::nullopt;
    const JsonScan::Member &id = scan.member(3);
    e.rawHasEventId = id.present;
    if (id.isString)
        e.clientEventId = id.value;
    e.rawHasSeq = scan.member(4).present;
    e.cwd = scan.member(5).value;
    e.hostname = scan.member(6).value;
    e.platform = scan.member(7).value;
    e.user = userOf(memberValue(scan.member(8)), memberValue(scan.member(9)));
    e.raw = raw;
    return e;
}

StampedEvent stampPrefix(const IncomingEvent &event)
{
    StampedEvent out;
    const bool keepId = !event.clientEventId.isEmpty();
    out.eventId = keepId ? event.clientEventId : makeRandomId(u"evt");

    // Fast path: append to the client's own bytes; it cannot hold a "seq" key we would
    // duplicate, and its eventId is either kept or absent.
    const QByteArray raw = event.raw.trimmed();
    if (raw.endsWith('}') && !event.rawHasSeq && (keepId || !event.rawHasEventId)) {
        out.json.reserve(raw.size() + 64);
        out.json.append(raw.constData(), raw.size() - 1);
        if (!keepId)
            out.json.append(",\"eventId\":\"").append(out.eventId.toLatin1()).append('"');
        return out;
    }
    // Re-encoded without seq, so seq is appended last as on the fast path. The object
    // always holds sessionId, type and timestamp, so the prefix is never a bare "{".
    QJsonObject o = event.object();
    o.remove(QLatin1String("seq"));
    o.insert(QLatin1String("eventId"), out.eventId);
    out.json = QJsonDocument(o).toJson(QJsonDocument::Compact);
    out.json.chop(1);
    return out;
}

StampedEvent stampEvent(const IncomingEvent &event, qint64 seq)
{
    StampedEvent out = stampPrefix(event);
    out.json.append(",\"seq\":").append(QByteArray::number(seq)).append('}');
    return out;
}

QByteArray joinEventsArray(const QList<StoredEvent> &events, QByteArrayView prefix, QByteArrayView suffix)
{
    qsizetype total = prefix.size() + suffix.size() + 2;
    for (const auto &e : events)
        total += e.json.size() + 1;
    QByteArray out;
    out.reserve(total);
    out.append(prefix);
    out.append('[');
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (i)
            out.append(',');
        out.append(events.at(i).json);
    }
    out.append(']');
    out.append(suffix);
    return out;
}

} // namespace Afw

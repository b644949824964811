// SPDX-License-Identifier: MIT
// What the two channels deliver, from the writes of every instance (this one included)
// and of the Node original: the storage's change signals come from here.
#include "redisstorage.h"

#include <QJsonDocument>

#include "ids.h"
#include "internal.h"
#include "logging.h"

namespace Afw {

using namespace RedisDetail;

void RedisStorage::onEventMessage(const QByteArray &payload)
{
    // {"sessionId":"<id>","event":{...},"timestamp":"..."}, by our script or the Node
    // original (JSON.stringify keeps that order): the event is sliced out verbatim.
    static constexpr QByteArrayView head = R"({"sessionId":")";
    static constexpr QByteArrayView mid = R"(","event":)";
    static constexpr QByteArrayView tail = R"(,"timestamp":)";
    QString sessionId;
    QByteArray event;
    if (payload.startsWith(head)) {
        const qsizetype idEnd = payload.indexOf('"', head.size());
        const qsizetype evStart = idEnd + mid.size();
        const qsizetype tsAt = payload.lastIndexOf(tail);
        if (idEnd > 0 && QByteArrayView(payload).sliced(idEnd).startsWith(mid) && tsAt > evStart &&
            payload.at(evStart) == '{' && payload.at(tsAt - 1) == '}' && payload.endsWith('}')) {
            sessionId = QString::fromUtf8(payload.constData() + head.size(), idEnd - head.size());
            event = payload.sliced(evStart, tsAt - evStart);
        }
    }
    if (event.isEmpty()) {
        const QJsonObject o = QJsonDocument::fromJson(payload).object();
        sessionId = o.value(QLatin1String("sessionId")).toString();
        if (o.value(QLatin1String("event")).isObject())
            event = compact(o.value(QLatin1String("event")).toObject());
    }
    if (event.isEmpty() || !isValidId(sessionId)) {
        qCWarning(lcStorage) << "ignoring malformed message on" << m_keys.eventsChannel();
        return;
    }
    Q_EMIT eventAdded(sessionId, seqOf(event), event);
}

void RedisStorage::onCommandMessage(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    const QString kind = o.value(QLatin1String("kind")).toString();
    const QString sessionId = o.value(QLatin1String("sessionId")).toString();
    const QJsonValue body = o.value(QLatin1String("payload"));
    if (!body.isObject() || (!sessionId.isEmpty() && !isValidId(sessionId))) {
        qCWarning(lcStorage) << "ignoring malformed message on" << m_keys.commandsChannel();
        return;
    }
    const QByteArray json = compact(body.toObject());
    if (kind == QLatin1String("command"))
        Q_EMIT commandQueued(sessionId, json);
    else if (kind == QLatin1String("input"))
        Q_EMIT inputQueued(sessionId, json);
    else if (kind == QLatin1String("ack"))
        Q_EMIT commandAcked(sessionId, json);
}

} // namespace Afw

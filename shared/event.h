// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace Afw {

// An event as a client posted it, validated. Events are stored as the client sent
// them (unknown fields verbatim) plus eventId and seq, as bytes: serving a list of
// events is then concatenation, not re-encoding.
struct IncomingEvent
{
    QJsonObject object;
    QByteArray raw; // the client's bytes for this object, when available (single POST)
    QString sessionId;
    QString type;
    qint64 timestampMs = 0;
};

// nullopt and a reason when the object is not a valid event.
std::optional<IncomingEvent> validateEvent(const QJsonObject &object, QByteArray raw,
                                           QString *why = nullptr);

struct StampedEvent
{
    QByteArray json;
    QString eventId;
};

// The stored bytes: the event plus eventId (kept if the client sent one) and seq.
StampedEvent stampEvent(const IncomingEvent &event, qint64 seq);

// A stored event with the fields storage filters on, kept next to its bytes.
struct StoredEvent
{
    qint64 seq = 0;
    qint64 timestampMs = 0;
    QByteArray json;
};

// Joins stored events into a JSON array without re-encoding them.
QByteArray joinEventsArray(const QList<StoredEvent> &events);

} // namespace Afw

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
    QByteArray raw; // the event object's JSON: the client's own bytes for a single POST
    QString sessionId;
    QString type;
    qint64 timestampMs = 0;
    QString clientEventId;      // a non-empty string eventId the client sent, kept
    bool rawHasEventId = false; // any "eventId" key (string or not)
    bool rawHasSeq = false;     // any "seq" key: replaced by ours
    // The string members a session is created from when the event's session does not
    // exist (API.md v1.1); empty when absent or not strings. `user` falls back to userId.
    QString cwd;
    QString hostname;
    QString platform;
    QString user;

    // The whole object, parsed on demand (session events, re-encoding); the hot path
    // never needs it.
    QJsonObject object() const;
};

// nullopt and a reason when the object is not a valid event. `raw` may be empty: the
// object is then serialised.
std::optional<IncomingEvent> validateEvent(const QJsonObject &object, QByteArray raw,
                                           QString *why = nullptr);

// The same from bytes, without building a DOM (POST /api/events). *jsonError is set
// (and nullopt returned) when the bytes are not JSON at all, *why when they are JSON
// but not a valid event.
std::optional<IncomingEvent> parseEvent(const QByteArray &raw, QString *jsonError, QString *why);

struct StampedEvent
{
    QByteArray json;
    QString eventId;
};

// The stored bytes: the event plus eventId (kept if the client sent one) and seq,
// always as the last key.
StampedEvent stampEvent(const IncomingEvent &event, qint64 seq);

// The stored bytes up to, not including, `,"seq":N}`: what stampEvent builds before it
// knows the seq. Lets a backend that assigns seq elsewhere (the Redis script) finish
// the bytes with the same rule. `json` holds the prefix.
StampedEvent stampPrefix(const IncomingEvent &event);

// A stored event with the fields storage filters on, kept next to its bytes.
struct StoredEvent
{
    qint64 seq = 0;
    qint64 timestampMs = 0;
    QByteArray json;
};

// prefix + a JSON array of the stored events + suffix, without re-encoding them and
// in one allocation (a GET of 1,000 events is ~600 KiB).
QByteArray joinEventsArray(const QList<StoredEvent> &events, QByteArrayView prefix = {},
                           QByteArrayView suffix = {});

} // namespace Afw

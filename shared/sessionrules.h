// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringView>

#include <optional>

#include "event.h"
#include "models.h"

namespace Afw {

// What decides about a session record from the events and the input clients send, in one
// place: REST, WebSocket, both storage backends and the console follow these rules, so
// they cannot drift apart.

// The session an event creates when its session does not exist (API.md v1.1): in
// progress since the event's timestamp, with the event's cwd, hostname, platform and
// user (a user that is not a valid id is left out); a session:ended creates it ended.
Session sessionFromEvent(const IncomingEvent &event);

// session:started moves a pending session to in_progress and fills in the cwd, host,
// platform and user an earlier event could not give it; session:ended marks it
// completed; returns whether anything changed.
bool applySessionEvent(Session &session, const IncomingEvent &event);

// Whether an event of this type can change a session record that exists: for every other
// type applySessionEvent changes nothing, so a backend need not read the record back and
// the console need not touch its row.
bool eventCanChangeSession(QStringView type);

// The input of POST /api/sessions/:id/input and of a WebSocket `input` message: `input`
// must be a string, `prompt` absent, null or a string. nullopt (and *why) otherwise. The
// timestamp is left empty: the caller stamps the moment it queues the input.
std::optional<Input> validateInput(const QJsonValue &input, const QJsonValue &prompt,
                                   QString *why = nullptr);

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "sessionrules.h"

#include <QJsonObject>

#include "ids.h"

namespace Afw {

namespace {
const QLatin1String kStarted("session:started");
const QLatin1String kEnded("session:ended");
} // namespace

bool eventCanChangeSession(QStringView type)
{
    return type == kStarted || type == kEnded;
}

Session sessionFromEvent(const IncomingEvent &event)
{
    Session s;
    s.id = event.sessionId;
    s.cwd = event.cwd;
    s.hostname = event.hostname;
    s.platform = event.platform;
    // user is an id (API.md): POST /api/sessions refuses such a userId, and
    // /api/users/:userId must accept every user /api/users lists.
    if (isValidId(event.user))
        s.user = event.user;
    s.status = Status::InProgress;
    s.startedAtMs = event.timestampMs;
    applySessionEvent(s, event);
    return s;
}

bool applySessionEvent(Session &session, const IncomingEvent &event)
{
    if (event.type == kStarted) {
        // A session created through POST /api/sessions, now actually running; or one an
        // earlier event created (hooks that post step events first), which learns where
        // and whose it is now. What the record has is kept.
        bool changed = false;
        const auto fill = [&changed](QString &field, const QString &value) {
            if (field.isEmpty() && !value.isEmpty()) {
                field = value;
                changed = true;
            }
        };
        fill(session.cwd, event.cwd);
        fill(session.hostname, event.hostname);
        fill(session.platform, event.platform);
        if (isValidId(event.user))
            fill(session.user, event.user);
        if (session.status == Status::Pending) {
            session.status = Status::InProgress;
            changed = true;
        }
        return changed;
    }
    if (event.type != kEnded)
        return false;
    // Parsed only here: every other event leaves the record alone without a DOM.
    const QJsonObject e = event.object();
    session.setStatus(Status::Completed, event.timestampMs);
    const QString summary = e.value(QLatin1String("summary")).toString();
    const QString reason = e.value(QLatin1String("endReason")).toString();
    if (!summary.isEmpty())
        session.summary = summary;
    if (!reason.isEmpty())
        session.endReason = reason;
    return true;
}

std::optional<Input> validateInput(const QJsonValue &input, const QJsonValue &prompt, QString *why)
{
    if (!input.isString() || !(prompt.isUndefined() || prompt.isNull() || prompt.isString())) {
        if (why)
            *why = QStringLiteral("input must be a string, prompt an optional string");
        return std::nullopt;
    }
    Input in;
    in.input = input;
    in.prompt = prompt;
    return in;
}

} // namespace Afw

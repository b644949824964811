// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

// The text frames of /ws (API.md "WebSocket /ws"), built as bytes where they carry
// stored JSON (no re-encoding of events, commands, acks).
namespace Afw::WsFrames {

// Envelope framing: {"type":..,"sessionId":..,"payload":<payload>} (no sessionId when null).
QString envelope(const char *type, const QString &sessionId, const QByteArray &payloadJson);
// Events framing: type, sessionId and timestamp at the top, as the dashboard checks.
QString events(const char *type, const QString &sessionId, const QString &timestamp,
               const QByteArray &payloadJson);
// The timestamp a command or ack carries (when it was made), else now.
QString timestampOf(const QByteArray &json);
QString object(const QJsonObject &o);

} // namespace Afw::WsFrames

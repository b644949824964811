// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include "storage/storage.h"

namespace Afw {

// What can go wrong with a request, by the stable `error` text API.md promises.
enum class Problem {
    BadRequest,         // 400: framing Qt accepts but a proxy could read differently
    InvalidJson,        // 400
    InvalidBody,        // 400: JSON, but not the object expected
    InvalidId,          // 400
    InvalidField,       // 400
    MissingField,       // 400
    InvalidQuery,       // 400: a query parameter out of range or malformed
    InvalidStatus,      // 400
    InvalidEvent,       // 400
    InvalidBatch,       // 400
    InvalidCommandType, // 400
    InvalidInput,       // 400
    UpgradeExpected,    // 400: GET /ws without an upgrade
    Unauthorized,       // 401
    NotFound,           // 404: a route or resource
    SessionNotFound,    // 404
    MethodNotAllowed,   // 405
    RequestTimeout,     // 408
    PayloadTooLarge,    // 413
    TooManyConnections, // 503
    TooManyPipelined,   // 503
    StorageUnavailable, // 503
    StorageFailed,      // 500
};

// A status and the JSON body that says why: `error` plus context fields.
struct ErrorReply
{
    int status = 500;
    QJsonObject body;

    QByteArray json() const;
};

// The one place where problems, storage errors included, become HTTP statuses and
// bodies: every route, the refusals of requests Qt never handed over, and the WebSocket
// error frames about storage all go through these.
ErrorReply errorReply(Problem problem, QJsonObject extra = {});
// sessionId: the session the operation was about (NotFound then says "Session not found").
ErrorReply errorReply(const StorageError &error, const QString &sessionId = {});

// The reason phrase of a status line we write ourselves (refusals, the connection cap).
QByteArray reasonPhrase(int status);
// A whole HTTP/1.1 answer that closes the connection, for requests that have no
// QHttpServerRequest (hence no QHttpServerResponder) to answer through.
QByteArray rawErrorAnswer(const ErrorReply &reply, const QByteArray &corsOrigin);

} // namespace Afw

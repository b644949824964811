// SPDX-License-Identifier: MIT
#include "errors.h"

#include <QJsonDocument>

namespace Afw {

namespace {
struct Entry
{
    int status;
    const char *error;
};

Entry entryOf(Problem p)
{
    switch (p) {
    case Problem::BadRequest:
        return {400, "Bad request"};
    case Problem::InvalidJson:
        return {400, "Invalid JSON"};
    case Problem::InvalidBody:
        return {400, "Invalid body"};
    case Problem::InvalidId:
        return {400, "Invalid id"};
    case Problem::InvalidField:
        return {400, "Invalid field"};
    case Problem::MissingField:
        return {400, "Missing required field"};
    case Problem::InvalidQuery:
        return {400, "Invalid query parameter"};
    case Problem::InvalidStatus:
        return {400, "Invalid status"};
    case Problem::InvalidEvent:
        return {400, "Invalid event format"};
    case Problem::InvalidBatch:
        return {400, "Invalid batch"};
    case Problem::InvalidCommandType:
        return {400, "Invalid command type"};
    case Problem::InvalidInput:
        return {400, "Invalid input"};
    case Problem::UpgradeExpected:
        return {400, "WebSocket upgrade expected"};
    case Problem::Unauthorized:
        return {401, "Unauthorized"};
    case Problem::NotFound:
        return {404, "Not found"};
    case Problem::SessionNotFound:
        return {404, "Session not found"};
    case Problem::MethodNotAllowed:
        return {405, "Method not allowed"};
    case Problem::RequestTimeout:
        return {408, "Request timeout"};
    case Problem::PayloadTooLarge:
        return {413, "Payload too large"};
    case Problem::TooManyConnections:
        return {503, "Too many connections"};
    case Problem::TooManyPipelined:
        return {503, "Too many pipelined requests"};
    case Problem::StorageUnavailable:
        return {503, "Storage unavailable"};
    case Problem::StorageFailed:
        return {500, "Storage error"};
    }
    return {500, "Internal error"};
}
} // namespace

QByteArray ErrorReply::json() const
{
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

ErrorReply errorReply(Problem problem, QJsonObject extra)
{
    const Entry e = entryOf(problem);
    extra.insert(QStringLiteral("error"), QLatin1String(e.error));
    return {e.status, extra};
}

ErrorReply errorReply(const StorageError &error, const QString &sessionId)
{
    const QJsonObject detail{{QStringLiteral("message"), error.message}};
    switch (error.code) {
    case StorageError::NotFound:
        if (sessionId.isEmpty())
            return errorReply(Problem::NotFound);
        return errorReply(Problem::SessionNotFound, {{QStringLiteral("sessionId"), sessionId}});
    case StorageError::Unavailable:
    case StorageError::Timeout:
        return errorReply(Problem::StorageUnavailable, detail);
    case StorageError::None: // not an error: a caller's mistake, answered as one
    case StorageError::BadData:
    case StorageError::RedisError:
        break;
    }
    return errorReply(Problem::StorageFailed, detail);
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        return QByteArrayLiteral("Error");
    }
}

QByteArray rawErrorAnswer(const ErrorReply &reply, const QByteArray &corsOrigin)
{
    const QByteArray body = reply.json();
    return "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + reasonPhrase(reply.status) +
           "\r\nContent-Type: application/json\r\nAccess-Control-Allow-Origin: " + corsOrigin +
           "\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\n\r\n" + body;
}

} // namespace Afw

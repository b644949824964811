// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>
#include <QUrl>

namespace Afw {

/**
 * Why a call to the daemon did not give what was asked, as a value. Errors never
 * cross the event loop as exceptions.
 */
struct ApiError
{
    enum Kind {
        None,
        Unreachable,  ///< no TCP connection / connection lost before an answer
        Timeout,      ///< no complete answer within the client's time-out
        Unauthorized, ///< 401: missing or wrong API key
        NotFound,     ///< 404: unknown session or route
        BadRequest,   ///< other 4xx: the daemon refused the input
        Unavailable,  ///< 503: the daemon's storage (Redis) is down
        ServerError,  ///< other 5xx
        WrongServer,  ///< something answered, but not an afwd (not JSON, no /health shape)
        BadResponse,  ///< JSON from afwd, but not the shape API.md promises
    };

    Kind kind = None;
    int httpStatus = 0; ///< 0 when there was no HTTP answer
    QString error;      ///< the daemon's "error" field, or the network error text
    QString message;    ///< the daemon's "message" field, when it sent one
    QJsonObject body;   ///< the whole error body (validTypes, sessionId, ...)
    QUrl url;           ///< the request, for messages

    bool isError() const { return kind != None; }
    /** One sentence an operator can act on ("Cannot reach ...: Connection refused"). */
    QString describe() const;
    static QString kindName(Kind kind);
};

template <typename T> struct ApiResult
{
    T value{};
    ApiError error;

    bool ok() const { return !error.isError(); }
};

} // namespace Afw

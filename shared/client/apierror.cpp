// SPDX-License-Identifier: MIT
#include "apierror.h"

namespace Afw {

namespace {
QString where(const QUrl &url)
{
    return url.adjusted(QUrl::RemoveQuery | QUrl::RemoveUserInfo).toDisplayString();
}

QString server(const QUrl &url)
{
    return url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveUserInfo)
        .toDisplayString();
}
} // namespace

QString ApiError::kindName(Kind kind)
{
    switch (kind) {
    case None:
        return QStringLiteral("ok");
    case Unreachable:
        return QStringLiteral("unreachable");
    case Timeout:
        return QStringLiteral("timeout");
    case Unauthorized:
        return QStringLiteral("unauthorized");
    case NotFound:
        return QStringLiteral("not found");
    case BadRequest:
        return QStringLiteral("bad request");
    case Unavailable:
        return QStringLiteral("storage unavailable");
    case ServerError:
        return QStringLiteral("server error");
    case WrongServer:
        return QStringLiteral("wrong server");
    case BadResponse:
        return QStringLiteral("bad response");
    }
    return {};
}

QString ApiError::describe() const
{
    const QString detail = message.isEmpty() ? QString() : QStringLiteral(": ") + message;
    switch (kind) {
    case None:
        return QStringLiteral("OK");
    case Unreachable:
        return QStringLiteral("Cannot reach %1 (%2). Is afwd running there?")
            .arg(server(url), error);
    case Timeout:
        return QStringLiteral("%1 did not answer in time.").arg(server(url));
    case Unauthorized:
        return QStringLiteral("%1 refused the API key (401). Set it with --api-key or AFW_API_KEY, "
                              "or in the Connect dialog.")
            .arg(server(url));
    case NotFound:
        if (body.contains(QLatin1String("sessionId")))
            return QStringLiteral("Session %1 does not exist (any more).")
                .arg(body.value(QLatin1String("sessionId")).toString());
        return QStringLiteral("Not found: %1 (404 %2).").arg(where(url), error);
    case BadRequest:
        return QStringLiteral("The daemon refused the request (%1 %2%3).")
            .arg(httpStatus)
            .arg(error, detail);
    case Unavailable:
        return QStringLiteral("The daemon's storage is unavailable (503%1). Is Redis down?")
            .arg(detail);
    case ServerError:
        return QStringLiteral("The daemon failed (%1 %2%3).").arg(httpStatus).arg(error, detail);
    case WrongServer:
        return QStringLiteral("%1 is not an afwd daemon (%2).").arg(server(url), error);
    case BadResponse:
        return QStringLiteral("Unexpected answer from %1: %2.").arg(where(url), error);
    }
    return error;
}

} // namespace Afw

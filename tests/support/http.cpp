// SPDX-License-Identifier: MIT
#include "http.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>

namespace Afw::Test {

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

HttpResult http(QNetworkAccessManager &nam, const QByteArray &method, const QUrl &url,
                const QByteArray &body, const QList<std::pair<QByteArray, QByteArray>> &headers,
                int timeoutMs)
{
    QNetworkRequest req(url);
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &[k, v] : headers)
        req.setRawHeader(k, v);
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult r;
    if (!reply->isFinished() && !finished.wait(timeoutMs)) {
        r.networkError = QStringLiteral("timed out");
        reply->abort();
        reply->deleteLater();
        return r;
    }
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.headers = reply->rawHeaderPairs();
    if (reply->error() != QNetworkReply::NoError && r.status == 0)
        r.networkError = reply->errorString();
    reply->deleteLater();
    return r;
}

} // namespace Afw::Test

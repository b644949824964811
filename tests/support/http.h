// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QUrl>

namespace Afw::Test {

struct HttpResult
{
    int status = 0; // 0: no HTTP answer (connection error or time-out)
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QString networkError;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray jsonArray() const { return QJsonDocument::fromJson(body).array(); }
    QByteArray header(const QByteArray &name) const;
};

// One real HTTP request over loopback, waited for with QSignalSpy (bounded).
HttpResult http(QNetworkAccessManager &nam, const QByteArray &method, const QUrl &url,
                const QByteArray &body = {},
                const QList<std::pair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 10000);

} // namespace Afw::Test

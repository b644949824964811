// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrlQuery>

namespace Afw {

enum class Method { Get, Post, Put, Delete, Options, Other };

// One parsed HTTP/1.1 request. Header names are lower-case.
struct HttpRequest
{
    Method method = Method::Other;
    QByteArray target; // as sent: path and query
    QByteArray rawPath;
    QByteArray rawQuery;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray bodyBytes;
    bool keepAlive = true;

    QByteArray value(const QByteArray &lowerName) const
    {
        for (const auto &[k, v] : headers) {
            if (k == lowerName)
                return v;
        }
        return {};
    }
    const QByteArray &body() const { return bodyBytes; }
    QString path() const { return QString::fromUtf8(QByteArray::fromPercentEncoding(rawPath)); }
    QUrlQuery query() const { return QUrlQuery(QString::fromUtf8(rawQuery)); }
};

} // namespace Afw

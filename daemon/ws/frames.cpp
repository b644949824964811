// SPDX-License-Identifier: MIT
#include "frames.h"

#include <QJsonDocument>

#include "jsonscan.h"
#include "timeutil.h"

namespace Afw::WsFrames {

QString envelope(const char *type, const QString &sessionId, const QByteArray &payloadJson)
{
    QByteArray out;
    out.reserve(payloadJson.size() + sessionId.size() + 48);
    out += R"({"type":")";
    out += type;
    out += '"';
    if (!sessionId.isNull()) {
        out += R"(,"sessionId":")";
        out += sessionId.toUtf8();
        out += '"';
    }
    out += R"(,"payload":)";
    out += payloadJson;
    out += '}';
    return QString::fromUtf8(out);
}

QString events(const char *type, const QString &sessionId, const QString &timestamp,
               const QByteArray &payloadJson)
{
    QByteArray out;
    out.reserve(payloadJson.size() + sessionId.size() + 80);
    out += R"({"type":")";
    out += type;
    out += R"(","sessionId":")";
    out += sessionId.toUtf8();
    out += R"(","timestamp":")";
    out += timestamp.toUtf8();
    out += R"(","payload":)";
    out += payloadJson;
    out += '}';
    return QString::fromUtf8(out);
}

QString timestampOf(const QByteArray &json)
{
    JsonScan scan({"timestamp"});
    if (scan.scan(json) && scan.member(0).isString && !scan.member(0).value.isEmpty())
        return scan.member(0).value;
    return nowIso();
}

QString object(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace Afw::WsFrames

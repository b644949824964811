// SPDX-License-Identifier: MIT
#include "eventsummary.h"

#include <QJsonArray>

#include "statusstyle.h"

namespace Afw {

namespace {
QString str(const QJsonObject &e, const char *key)
{
    const QJsonValue v = e.value(QLatin1String(key));
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble());
    if (v.isObject() || v.isArray())
        return QString(); // structured values belong in the JSON pane
    return QString();
}

QString firstOf(const QJsonObject &e, std::initializer_list<const char *> keys)
{
    for (const char *k : keys) {
        QString v = str(e, k);
        if (!v.isEmpty())
            return v;
    }
    return {};
}

QString oneLine(QString s)
{
    s.replace(u'\n', u' ');
    return s.size() > 200 ? s.left(199) + QChar(0x2026) : s;
}
} // namespace

QString eventSummary(const QJsonObject &e)
{
    const QString type = e.value(QLatin1String("type")).toString();
    QString out;
    if (type.startsWith(QLatin1String("step:"))) {
        out = QStringLiteral("#") + str(e, "stepNumber");
        const QString action = firstOf(e, {"action", "agentName", "description"});
        if (!action.isEmpty())
            out += u' ' + action;
        const QString model = str(e, "model");
        if (!model.isEmpty())
            out += QStringLiteral(" (") + model + u')';
        const QString tail = type == QLatin1String("step:failed")
                                 ? firstOf(e, {"error", "errorType"})
                                 : firstOf(e, {"result", "learning"});
        if (!tail.isEmpty())
            out += QStringLiteral(" — ") + tail;
    } else if (type == QLatin1String("chain:compiled")) {
        out = firstOf(e, {"title", "chainId"});
        const int steps = int(e.value(QLatin1String("steps")).toArray().size());
        if (steps)
            out += QStringLiteral(" — %1 steps").arg(steps);
    } else if (type.startsWith(QLatin1String("chain:"))) {
        out = firstOf(e, {"title", "chainId"});
        const QString tail = firstOf(e, {"overallStatus", "summary"});
        if (!tail.isEmpty())
            out += (out.isEmpty() ? QString() : QStringLiteral(" — ")) + tail;
    } else if (type == QLatin1String("session:started")) {
        out = firstOf(e, {"cwd", "hostname"});
    } else if (type == QLatin1String("session:ended")) {
        out = firstOf(e, {"summary", "endReason"});
    } else if (type.startsWith(QLatin1String("file:"))) {
        out = firstOf(e, {"path", "filePath", "file"});
    } else if (type.startsWith(QLatin1String("interaction:"))) {
        out = firstOf(e, {"prompt", "question", "input", "message"});
    } else {
        out = firstOf(e, {"message", "error", "description", "summary", "title", "line", "path"});
    }
    return oneLine(out);
}

QColor eventTypeColor(const QString &type)
{
    if (type == QLatin1String("step:failed") || type.startsWith(QLatin1String("error:")))
        return Style::criticalColor();
    if (type.startsWith(QLatin1String("warning:")) ||
        type == QLatin1String("interaction:awaiting-input"))
        return Style::warningColor();
    if (type.endsWith(QLatin1String(":completed")) || type == QLatin1String("session:ended"))
        return Style::statusColor(Status::Completed);
    if (type.endsWith(QLatin1String(":started")) || type == QLatin1String("step:spawned"))
        return Style::statusColor(Status::InProgress);
    return {};
}

} // namespace Afw

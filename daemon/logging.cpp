// SPDX-License-Identifier: MIT
#include "logging.h"

Q_LOGGING_CATEGORY(lcHttp, "afw.http")
Q_LOGGING_CATEGORY(lcWs, "afw.ws")
Q_LOGGING_CATEGORY(lcStorage, "afw.storage")
Q_LOGGING_CATEGORY(lcDaemon, "afw.daemon")

namespace Afw {

void setupLogging(const QString &level)
{
    QString rules;
    const bool debug = level == QLatin1String("debug");
    const bool info = debug || level == QLatin1String("info");
    const bool warning = info || level == QLatin1String("warning");
    rules += QStringLiteral("afw.*.debug=%1\n").arg(debug ? u"true" : u"false");
    rules += QStringLiteral("afw.*.info=%1\n").arg(info ? u"true" : u"false");
    rules += QStringLiteral("afw.*.warning=%1\n").arg(warning ? u"true" : u"false");
    // Qt's own HTTP server warns on every refused WebSocket upgrade; that is our 401.
    rules += QStringLiteral("qt.httpserver.warning=false\n");
    QLoggingCategory::setFilterRules(rules);
    if (qEnvironmentVariableIsSet("JOURNAL_STREAM"))
        qSetMessagePattern(QStringLiteral("%{category}[%{type}] %{message}"));
    else
        qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{category}[%{type}] %{message}"));
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace Afw {

// afw-admin's command line: flags < nothing else (the Connect dialog and the
// remembered settings fill what is not given).
struct ConsoleOptions
{
    QUrl url;
    QString apiKey;
    bool apiKeyFromEnvironment = false; // AFW_API_KEY, not --api-key
    QString session;
    QString redisUrl;
    QString redisPrefix = QStringLiteral("afw:");
    QString screenshot; // render to this PNG after the first load, then exit
    int screenshotTimeoutMs = 60000;

    // nullopt and the reason (or the --help/--version text with *exitNow) otherwise.
    static std::optional<ConsoleOptions>
    parse(const QStringList &args, const QProcessEnvironment &env, QString *message, bool *exitNow);
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcWs)
Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcDaemon)

namespace Afw {
// LOG_LEVEL (debug|info|warning|error) -> filter rules for the afw.* categories;
// under systemd (JOURNAL_STREAM set) lines carry no timestamp.
void setupLogging(const QString &level);
}

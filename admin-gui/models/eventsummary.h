// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QJsonObject>
#include <QString>

namespace Afw {

/** One line about an event for the stream ("#2 review — failed: timeout"). */
QString eventSummary(const QJsonObject &event);
/** Red for failures and errors, amber for warnings, green for completions; invalid otherwise. */
QColor eventTypeColor(const QString &type);

} // namespace Afw

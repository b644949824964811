// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

#include "models.h"

namespace Afw::Style {

/** Loads the icons compiled into afw_admin_lib; safe to call more than once. */
void initResources();

QColor statusColor(Status s);
QIcon statusIcon(Status s);
QString statusLabel(Status s); // "in progress"
/** A resource icon by base name: icon("refresh") is :/icons/refresh.svg. */
QIcon icon(const QString &name);

QColor warningColor();  // amber: expiring soon
QColor criticalColor(); // red: about to expire, errors
QColor mutedColor();    // absent, no value

/** "3d 4h", "2h 05m", "4m 09s", "12s". */
QString formatDuration(qint64 ms);
/** Local date-time as yyyy-MM-dd HH:mm:ss. */
QString formatLocal(qint64 msSinceEpoch);
QString formatUtc(qint64 msSinceEpoch, bool withSuffix = true);
/** Time of day for today, "Nov 25 14:03" before. */
QString formatShort(qint64 msSinceEpoch);
/** Bytes as B / KiB / MiB. */
QString formatBytes(qint64 bytes);

} // namespace Afw::Style

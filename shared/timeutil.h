// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

namespace Afw {

// Milliseconds since the epoch for an ISO-8601 date-time that carries a zone
// ("Z" or an offset); nullopt for anything else, including zone-less times.
std::optional<qint64> parseIsoTimestamp(QStringView text);

// ISO-8601 UTC with milliseconds: 2026-11-25T21:04:17.123Z
QString isoFromMs(qint64 msSinceEpoch);
QString nowIso();
qint64 nowMs();

} // namespace Afw

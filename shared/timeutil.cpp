// SPDX-License-Identifier: MIT
#include "timeutil.h"

#include <QDateTime>

namespace Afw {

namespace {
bool hasZone(QStringView t)
{
    const qsizetype tPos = t.indexOf(u'T');
    if (tPos < 0)
        return false;
    if (t.endsWith(u'Z') || t.endsWith(u'z'))
        return true;
    // An offset: +HH:MM, +HHMM or +HH after the time part.
    const QStringView time = t.mid(tPos + 1);
    const qsizetype sign = std::max(time.lastIndexOf(u'+'), time.lastIndexOf(u'-'));
    return sign > 0;
}
} // namespace

std::optional<qint64> parseIsoTimestamp(QStringView text)
{
    if (text.size() < 16 || text.size() > 40 || !hasZone(text))
        return std::nullopt;
    const QDateTime dt = QDateTime::fromString(text.toString(), Qt::ISODateWithMs);
    if (!dt.isValid())
        return std::nullopt;
    return dt.toMSecsSinceEpoch();
}

QString isoFromMs(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString nowIso()
{
    return isoFromMs(nowMs());
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace Afw

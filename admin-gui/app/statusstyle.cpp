// SPDX-License-Identifier: MIT
#include "statusstyle.h"

#include <QDateTime>
#include <QHash>
#include <QLocale>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initAfwResources()
{
    Q_INIT_RESOURCE(afwadmin);
}

namespace Afw::Style {

void initResources()
{
    static const bool done = (initAfwResources(), true);
    Q_UNUSED(done);
}

QColor statusColor(Status s)
{
    switch (s) {
    case Status::Pending:
        return QColor(0x8a, 0x8f, 0x98);
    case Status::InProgress:
        return QColor(0x2f, 0x7d, 0xe1);
    case Status::Completed:
        return QColor(0x2e, 0x9d, 0x57);
    case Status::Failed:
        return QColor(0xd6, 0x45, 0x45);
    case Status::Skipped:
        return QColor(0xb5, 0x8a, 0x2e);
    }
    return {};
}

QIcon icon(const QString &name)
{
    // QIcon caches its pixmaps; one instance per name keeps that cache warm.
    static QHash<QString, QIcon> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        initResources();
        it = cache.insert(name, QIcon(QStringLiteral(":/icons/") + name + QStringLiteral(".svg")));
    }
    return *it;
}

QIcon statusIcon(Status s)
{
    return icon(QStringLiteral("status-") + statusToString(s));
}

QString statusLabel(Status s)
{
    return statusToString(s).replace(u'_', u' ');
}

QColor warningColor()
{
    return QColor(0xc7, 0x7d, 0x12);
}

QColor criticalColor()
{
    return QColor(0xd6, 0x45, 0x45);
}

QColor mutedColor()
{
    return QColor(0x8a, 0x8f, 0x98);
}

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        ms = 0;
    const qint64 s = ms / 1000;
    if (s < 60)
        return ms < 10000 && ms % 1000 ? QStringLiteral("%1s").arg(double(ms) / 1000.0, 0, 'f', 1)
                                       : QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    if (s < 86400)
        return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10,
                                                           QLatin1Char('0'));
    return QStringLiteral("%1d %2h").arg(s / 86400).arg((s % 86400) / 3600);
}

QString formatLocal(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString formatUtc(qint64 msSinceEpoch, bool withSuffix)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC)
        .toString(withSuffix ? QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'")
                             : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString formatShort(qint64 msSinceEpoch)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(msSinceEpoch);
    if (t.date() == QDate::currentDate())
        return t.toString(QStringLiteral("HH:mm:ss"));
    return QLocale().toString(t, QStringLiteral("MMM d HH:mm"));
}

QString formatBytes(qint64 bytes)
{
    if (bytes < 0)
        return QString();
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

} // namespace Afw::Style

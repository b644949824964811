// SPDX-License-Identifier: MIT
#include "ttlmodel.h"

#include <QDateTime>
#include <QFont>

#include "statusstyle.h"

namespace Afw {

TtlModel::TtlModel(QObject *parent) : QAbstractTableModel(parent)
{
}

int TtlModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_parts.isEmpty() ? 0 : RowCount;
}

int TtlModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_parts.size());
}

QVariant TtlModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= m_parts.size())
            return {};
        if (role == Qt::DisplayRole)
            return m_parts.at(section).name;
        if (role == Qt::ToolTipRole)
            return keyOf(m_parts.at(section));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case LeftRow:
        return tr("Expires in");
    case LocalRow:
        return tr("At (local)");
    case UtcRow:
        return tr("At (UTC)");
    }
    return {};
}

qint64 TtlModel::secondsLeft(int part) const
{
    const Part &p = m_parts.at(part);
    if (p.ttl < 0)
        return p.ttl;
    return std::max<qint64>(0, (p.deadlineMs - QDateTime::currentMSecsSinceEpoch() + 999) / 1000);
}

QString TtlModel::keyOf(const Part &p) const
{
    if (m_storage != QLatin1String("redis"))
        return tr("%1: kept in the daemon's memory").arg(p.name);
    return m_prefix + (p.name == QLatin1String("session") ? QStringLiteral("sessions") : p.name) +
           u':' + m_sessionId;
}

QVariant TtlModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Part &p = m_parts.at(index.column());
    const qint64 left = secondsLeft(index.column());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.row()) {
        case LeftRow:
            if (left == TtlReport::kAbsent)
                return tr("absent");
            if (left == TtlReport::kNoExpiry)
                return tr("no expiry");
            return left == 0 ? tr("expired") : Style::formatDuration(left * 1000);
        case LocalRow:
            return p.ttl >= 0 ? Style::formatLocal(p.deadlineMs) : QString();
        case UtcRow:
            return p.ttl >= 0 ? Style::formatUtc(p.deadlineMs, false)
                              : QString(); // the row says UTC
        }
        return {};
    case Qt::ForegroundRole:
        if (left < 0)
            return Style::mutedColor();
        if (index.row() == LeftRow) {
            if (left <= kCriticalSeconds)
                return Style::criticalColor();
            if (left <= kWarnSeconds)
                return Style::warningColor();
        }
        return {};
    case Qt::FontRole:
        if (index.row() == LeftRow && left >= 0) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ToolTipRole:
        if (left == TtlReport::kAbsent)
            return tr("Nothing stored for %1.").arg(p.name);
        if (left == TtlReport::kNoExpiry)
            return tr("%1 has no time to live: kept until deleted.").arg(p.name);
        return tr("%1 — %2 s left at the last check").arg(keyOf(p)).arg(p.ttl);
    case DeadlineRole:
        return p.deadlineMs;
    case SecondsLeftRole:
        return left;
    }
    return {};
}

void TtlModel::setReport(const TtlReport &report)
{
    QList<Part> parts;
    for (const auto &[name, ttl] : report.parts())
        parts.append({name, ttl, ttl >= 0 ? report.receivedAtMs + ttl * 1000 : 0});
    if (report.sessionId != m_sessionId || m_parts.size() != parts.size()) {
        beginResetModel(); // another session: nothing to keep
        m_sessionId = report.sessionId;
        m_storage = report.storage;
        m_parts = parts;
        endResetModel();
        return;
    }
    m_storage = report.storage;
    m_parts = parts;
    Q_EMIT dataChanged(index(0, 0), index(RowCount - 1, int(m_parts.size()) - 1));
}

void TtlModel::clear()
{
    beginResetModel();
    m_sessionId.clear();
    m_parts.clear();
    endResetModel();
}

} // namespace Afw

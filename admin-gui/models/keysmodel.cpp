// SPDX-License-Identifier: MIT
#include "keysmodel.h"

#include <QDateTime>
#include <QLocale>

#include <limits>

#include "statusstyle.h"
#include "ttlmodel.h"

namespace Afw {

KeysModel::KeysModel(QObject *parent) : QAbstractTableModel(parent)
{
}

int KeysModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int KeysModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant KeysModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn:
        return tr("Key");
    case TypeColumn:
        return tr("Type");
    case TtlColumn:
        return tr("TTL");
    case LengthColumn:
        return tr("Length");
    case MemoryColumn:
        return tr("Memory");
    }
    return {};
}

qint64 KeysModel::secondsLeft(const Row &r) const
{
    if (r.pttlMs < 0)
        return r.pttlMs;
    return std::max<qint64>(0, (r.deadlineMs - QDateTime::currentMSecsSinceEpoch() + 999) / 1000);
}

QVariant KeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KeyColumn:
            return r.key;
        case TypeColumn:
            return r.type;
        case TtlColumn: {
            const qint64 left = secondsLeft(r);
            if (left == -1)
                return tr("no expiry");
            if (left == -2)
                return tr("gone");
            return left == 0 ? tr("expired") : Style::formatDuration(left * 1000);
        }
        case LengthColumn:
            return QLocale().toString(r.length);
        case MemoryColumn:
            return Style::formatBytes(r.memory);
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == TtlColumn) {
            const qint64 left = secondsLeft(r);
            if (left < 0)
                return Style::mutedColor();
            if (left <= TtlModel::kCriticalSeconds)
                return Style::criticalColor();
            if (left <= TtlModel::kWarnSeconds)
                return Style::warningColor();
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() >= TtlColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
                                           : QVariant();
    case Qt::ToolTipRole:
        if (index.column() == TtlColumn && r.pttlMs >= 0)
            return QString(Style::formatLocal(r.deadlineMs) + QStringLiteral("  /  ") +
                           Style::formatUtc(r.deadlineMs));
        return index.column() == KeyColumn ? QVariant(r.key) : QVariant();
    case SortRole:
        switch (index.column()) {
        case KeyColumn:
            return r.key;
        case TypeColumn:
            return r.type;
        // No expiry sorts after every deadline.
        case TtlColumn:
            return r.pttlMs < 0 ? std::numeric_limits<qint64>::max() + r.pttlMs : r.deadlineMs;
        case LengthColumn:
            return r.length;
        case MemoryColumn:
            return r.memory;
        }
        return {};
    }
    return {};
}

void KeysModel::append(const QList<Row> &rows)
{
    if (rows.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(rows.size()) - 1);
    for (const Row &r : rows)
        m_memory += std::max<qint64>(0, r.memory);
    m_rows.append(rows);
    endInsertRows();
}

void KeysModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_memory = 0;
    endResetModel();
}

} // namespace Afw

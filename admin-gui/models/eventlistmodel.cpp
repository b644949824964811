// SPDX-License-Identifier: MIT
#include "eventlistmodel.h"

#include <QDateTime>
#include <QJsonDocument>

#include "eventsummary.h"
#include "statusstyle.h"

namespace Afw {

EventListModel::EventListModel(QObject *parent) : QAbstractTableModel(parent)
{
}

int EventListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EventListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeqColumn:
        return tr("Seq");
    case TimeColumn:
        return tr("Time");
    case TypeColumn:
        return tr("Type");
    case SummaryColumn:
        return tr("Summary");
    }
    return {};
}

QVariant EventListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeqColumn:
            return r.seq;
        case TimeColumn:
            return r.timestampMs ? QDateTime::fromMSecsSinceEpoch(r.timestampMs)
                                       .toString(QStringLiteral("HH:mm:ss.zzz"))
                                 : QString();
        case TypeColumn:
            return r.type;
        case SummaryColumn:
            return r.summary;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn && r.timestampMs)
            return QString(Style::formatLocal(r.timestampMs) + QStringLiteral("  /  ") +
                           Style::formatUtc(r.timestampMs));
        if (index.column() == SummaryColumn)
            return r.summary;
        return {};
    case Qt::ForegroundRole:
        if (index.column() == TypeColumn) {
            const QColor c = eventTypeColor(r.type);
            return c.isValid() ? QVariant(c) : QVariant();
        }
        if (index.column() == SeqColumn)
            return Style::mutedColor();
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == SeqColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
                                           : QVariant();
    case SeqRole:
        return r.seq;
    case TypeRole:
        return r.type;
    case JsonRole:
        return QString::fromUtf8(r.json);
    case TimestampRole:
        return r.timestampMs;
    }
    return {};
}

void EventListModel::append(const QList<EventRecord> &events)
{
    if (events.isEmpty())
        return;
    bool newType = false;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(events.size()) - 1);
    m_rows.reserve(m_rows.size() + events.size());
    for (const EventRecord &e : events) {
        Row r;
        r.seq = e.seq;
        r.timestampMs = e.timestampMs;
        r.type = e.type;
        r.summary = eventSummary(e.json);
        r.json = QJsonDocument(e.json).toJson(QJsonDocument::Compact);
        r.folded = r.json.toLower();
        if (m_typeCounts[r.type]++ == 0)
            newType = true;
        m_rows.append(std::move(r));
    }
    endInsertRows();
    if (newType)
        Q_EMIT typesChanged();
}

void EventListModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_typeCounts.clear();
    endResetModel();
    Q_EMIT typesChanged();
}

QStringList EventListModel::types() const
{
    QStringList out = m_typeCounts.keys();
    out.sort();
    return out;
}

} // namespace Afw

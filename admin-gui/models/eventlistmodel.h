// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QStringList>

#include "apitypes.h"

namespace Afw {

/**
 * The events of one session in seq order. Grows only at the end and in batches (one
 * insert per page or per burst), so 10,000 events and a live stream cost the view
 * one layout step per batch, never a reset. Each row keeps its compact JSON as UTF-8
 * (for the detail pane) and a lower-cased copy (for the search) rather than a parsed
 * object: half the memory of a QString, and a search over 10,000 rows is a memory scan.
 */
class EventListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { SeqColumn, TimeColumn, TypeColumn, SummaryColumn, ColumnCount };
    enum Role { SeqRole = Qt::UserRole + 1, TypeRole, JsonRole, TimestampRole };

    struct Row
    {
        qint64 seq = 0;
        qint64 timestampMs = 0;
        QString type;
        QString summary;
        QByteArray json;   // compact UTF-8
        QByteArray folded; // json with ASCII lower-cased: what the search scans
    };

    explicit EventListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const QList<EventRecord> &events);
    void clear();
    const Row &at(int row) const { return m_rows.at(row); }
    qint64 lastSeq() const { return m_rows.isEmpty() ? 0 : m_rows.last().seq; }
    /** Distinct event types seen, sorted. */
    QStringList types() const;

Q_SIGNALS:
    void typesChanged();

private:
    QList<Row> m_rows;
    QHash<QString, int> m_typeCounts;
};

} // namespace Afw

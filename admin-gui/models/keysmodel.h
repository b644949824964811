// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QList>

namespace Afw {

/**
 * Redis keys as SCAN finds them, with type, TTL, length and MEMORY USAGE. Rows are
 * appended a page at a time; the TTL column is a countdown computed at paint time.
 */
class KeysModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { KeyColumn, TypeColumn, TtlColumn, LengthColumn, MemoryColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    struct Row
    {
        QString key;
        QString type;
        qint64 pttlMs = -1;    // as reported: -1 no expiry, -2 gone
        qint64 deadlineMs = 0; // when pttlMs >= 0
        qint64 length = 0;
        qint64 memory = -1; // bytes, -1 unknown
    };

    explicit KeysModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const QList<Row> &rows);
    void clear();
    const Row &at(int row) const { return m_rows.at(row); }
    qint64 totalMemory() const { return m_memory; }

private:
    qint64 secondsLeft(const Row &r) const;

    QList<Row> m_rows;
    qint64 m_memory = 0;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>

#include "apitypes.h"

namespace Afw {

/**
 * Every session the console knows, one row each, in arrival order (views sort through
 * a proxy). Changes come in batches: new sessions are appended with one insert, known
 * ones are updated in place, so a live update never resets the view or its selection.
 */
class SessionListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        StatusColumn,
        IdColumn,
        UserColumn,
        HostColumn,
        CwdColumn,
        StartedColumn,
        DurationColumn,
        ChainsColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value to sort by
        IdRole,
        StatusRole,    // Afw::Status as int
        SearchTextRole // id, user, host, cwd in one lower-case string
    };

    explicit SessionListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /** Adds unknown sessions (one insert), updates known ones; returns how many were new. */
    int upsert(const QList<SessionSummary> &sessions);
    bool remove(const QString &id);
    /** Removes every session not in @p keep (a complete listing arrived). */
    int removeAllBut(const QSet<QString> &keep);
    void clear();

    int rowOf(const QString &id) const { return m_rows.value(id, -1); }
    bool contains(const QString &id) const { return m_rows.contains(id); }
    const SessionSummary *find(const QString &id) const;
    const SessionSummary &at(int row) const { return m_sessions.at(row); }
    QStringList users() const;

Q_SIGNALS:
    void usersChanged();

private:
    void reindex();
    QVariant display(const SessionSummary &s, int column) const;

    QList<SessionSummary> m_sessions;
    QHash<QString, int> m_rows;
    QHash<QString, int> m_userCounts;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractItemModel>
#include <QList>

#include "models.h"

namespace Afw {

/**
 * Chains (top level) and their steps (children), as ChainFold computes them. sync()
 * brings the tree to a new fold state with inserts, removals and dataChanged only,
 * so expanded chains and the selection survive every live event.
 */
class ChainTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        StatusColumn,
        ModelColumn,
        DurationColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role { StatusRole = Qt::UserRole + 1, IsCurrentRole, JsonRole, KindRole };
    enum Kind { ChainKind, StepKind };

    explicit ChainTreeModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void sync(const QList<Chain> &chains, const QString &currentChainId);
    void clear();

    const QList<Chain> &chains() const { return m_chains; }
    QString currentChainId() const { return m_current; }
    /** The step running now in the current chain (or the last running anywhere); invalid if none.
     */
    QModelIndex runningStep() const;

private:
    void syncSteps(int chainRow, const Chain &fresh);
    QVariant chainData(const Chain &c, int column, int role) const;
    QVariant stepData(const ChainStep &s, int column, int role) const;

    QList<Chain> m_chains;
    QString m_current;
};

} // namespace Afw

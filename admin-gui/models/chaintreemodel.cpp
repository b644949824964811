// SPDX-License-Identifier: MIT
#include "chaintreemodel.h"

#include <QDateTime>
#include <QFont>
#include <QJsonArray>
#include <QJsonDocument>

#include "statusstyle.h"
#include "timeutil.h"

namespace Afw {

namespace {
// Steps carry their chain's row + 1 as internal id; chains carry 0.
constexpr quintptr kChainId = 0;

QString field(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble());
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    return {};
}

// Finished: the recorded duration; running: time since it started (the view repaints).
QString durationText(const QJsonObject &fields, Status status)
{
    const QJsonValue d = fields.value(QLatin1String("duration"));
    if (d.isDouble())
        return Style::formatDuration(d.toInteger());
    if (status == Status::InProgress) {
        const auto started = parseIsoTimestamp(fields.value(QLatin1String("startedAt")).toString());
        if (started)
            return Style::formatDuration(QDateTime::currentMSecsSinceEpoch() - *started) +
                   QStringLiteral("…");
    }
    return {};
}

bool sameStep(const ChainStep &a, const ChainStep &b)
{
    return a.stepNumber == b.stepNumber && a.status == b.status && a.fields == b.fields;
}
} // namespace

ChainTreeModel::ChainTreeModel(QObject *parent) : QAbstractItemModel(parent)
{
}

QModelIndex ChainTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kChainId);
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex ChainTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kChainId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kChainId);
}

int ChainTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_chains.size());
    if (parent.internalId() != kChainId || parent.column() != 0)
        return 0;
    return int(m_chains.at(parent.row()).steps.size());
}

int ChainTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant ChainTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Chain / step");
    case StatusColumn:
        return tr("Status");
    case ModelColumn:
        return tr("Model");
    case DurationColumn:
        return tr("Duration");
    case DetailColumn:
        return tr("Result / error");
    }
    return {};
}

QVariant ChainTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() == kChainId)
        return chainData(m_chains.at(index.row()), index.column(), role);
    const Chain &c = m_chains.at(int(index.internalId() - 1));
    return stepData(c.steps.at(index.row()), index.column(), role);
}

QVariant ChainTreeModel::chainData(const Chain &c, int column, int role) const
{
    const bool current = c.id == m_current;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn: {
            const QString title = field(c.fields, "title");
            return title.isEmpty() ? c.id : title;
        }
        case StatusColumn:
            return Style::statusLabel(c.status);
        case ModelColumn:
            return QString(); // steps name their models; the chain has none
        case DurationColumn:
            return durationText(c.fields, c.status);
        case DetailColumn: {
            int done = 0;
            for (const auto &s : c.steps)
                done += s.status == Status::Completed ? 1 : 0;
            QString text = tr("%1/%2 steps").arg(done).arg(c.steps.size());
            const QString summary = field(c.fields, "summary");
            return summary.isEmpty() ? text : QString(text + QStringLiteral(" — ") + summary);
        }
        }
        return {};
    case Qt::DecorationRole:
        return column == NameColumn ? QVariant(Style::statusIcon(c.status)) : QVariant();
    case Qt::ForegroundRole:
        return column == StatusColumn ? QVariant(Style::statusColor(c.status)) : QVariant();
    case Qt::FontRole: {
        QFont f;
        f.setBold(true);
        return f;
    }
    case Qt::ToolTipRole: {
        QString tip = c.id + (current ? tr(" (current chain)") : QString());
        const QString mode = field(c.fields, "executionMode");
        return mode.isEmpty() ? tip : QString(tip + QStringLiteral(", ") + mode);
    }
    case StatusRole:
        return int(c.status);
    case IsCurrentRole:
        return current;
    case KindRole:
        return int(ChainKind);
    case JsonRole:
        return QString::fromUtf8(QJsonDocument(c.toJson()).toJson(QJsonDocument::Indented));
    }
    return {};
}

QVariant ChainTreeModel::stepData(const ChainStep &s, int column, int role) const
{
    const bool running = s.status == Status::InProgress;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn: {
            const QString action = field(s.fields, "action");
            const QString what = action.isEmpty() ? field(s.fields, "description") : action;
            return QStringLiteral("#%1  %2").arg(s.stepNumber).arg(what);
        }
        case StatusColumn:
            return Style::statusLabel(s.status);
        case ModelColumn:
            return field(s.fields, "model");
        case DurationColumn:
            return durationText(s.fields, s.status);
        case DetailColumn: {
            const QString error = field(s.fields, "error");
            return error.isEmpty() ? field(s.fields, "result") : error;
        }
        }
        return {};
    case Qt::DecorationRole:
        return column == NameColumn ? QVariant(Style::statusIcon(s.status)) : QVariant();
    case Qt::ForegroundRole:
        if (column == StatusColumn)
            return Style::statusColor(s.status);
        if (column == DetailColumn && s.fields.contains(QLatin1String("error")))
            return Style::criticalColor();
        return {};
    case Qt::FontRole:
        if (running) { // the running step stands out at a glance
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ToolTipRole: {
        const QString description = field(s.fields, "description");
        return description.isEmpty() ? QVariant() : QVariant(description);
    }
    case StatusRole:
        return int(s.status);
    case IsCurrentRole:
        return running;
    case KindRole:
        return int(StepKind);
    case JsonRole:
        return QString::fromUtf8(QJsonDocument(s.toJson()).toJson(QJsonDocument::Indented));
    }
    return {};
}

void ChainTreeModel::sync(const QList<Chain> &chains, const QString &currentChainId)
{
    const QString oldCurrent = m_current;
    m_current = currentChainId;
    const int common = int(std::min(chains.size(), m_chains.size()));
    for (int i = 0; i < common; ++i) {
        const Chain &fresh = chains.at(i);
        Chain &old = m_chains[i];
        if (old.id != fresh.id) {
            // Not something the fold does (chains only append); replace the row's steps.
            if (!old.steps.isEmpty()) {
                beginRemoveRows(index(i, 0), 0, int(old.steps.size()) - 1);
                old.steps.clear();
                endRemoveRows();
            }
            old.id = fresh.id;
        }
        syncSteps(i, fresh);
        const bool currentMoved = (old.id == oldCurrent) != (old.id == m_current);
        if (old.status != fresh.status || old.fields != fresh.fields || currentMoved) {
            old.status = fresh.status;
            old.fields = fresh.fields;
            Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
        }
    }
    if (chains.size() > m_chains.size()) {
        beginInsertRows({}, int(m_chains.size()), int(chains.size()) - 1);
        for (qsizetype i = m_chains.size(); i < chains.size(); ++i)
            m_chains.append(chains.at(i));
        endInsertRows();
    } else if (chains.size() < m_chains.size()) {
        beginRemoveRows({}, int(chains.size()), int(m_chains.size()) - 1);
        m_chains.resize(chains.size());
        endRemoveRows();
    }
}

void ChainTreeModel::syncSteps(int chainRow, const Chain &fresh)
{
    Chain &old = m_chains[chainRow];
    const QModelIndex parent = index(chainRow, 0);
    const int oldCount = int(old.steps.size());
    const int newCount = int(fresh.steps.size());
    if (newCount < oldCount) {
        beginRemoveRows(parent, newCount, oldCount - 1);
        old.steps.resize(newCount);
        endRemoveRows();
    }
    for (int j = 0; j < std::min(oldCount, newCount); ++j) {
        if (!sameStep(old.steps.at(j), fresh.steps.at(j))) {
            old.steps[j] = fresh.steps.at(j);
            Q_EMIT dataChanged(index(j, 0, parent), index(j, ColumnCount - 1, parent));
        }
    }
    if (newCount > oldCount) {
        beginInsertRows(parent, oldCount, newCount - 1);
        for (int j = oldCount; j < newCount; ++j)
            old.steps.append(fresh.steps.at(j));
        endInsertRows();
    }
}

void ChainTreeModel::clear()
{
    beginResetModel();
    m_chains.clear();
    m_current.clear();
    endResetModel();
}

QModelIndex ChainTreeModel::runningStep() const
{
    QModelIndex found;
    for (int i = 0; i < m_chains.size(); ++i) {
        const Chain &c = m_chains.at(i);
        for (int j = 0; j < c.steps.size(); ++j) {
            if (c.steps.at(j).status != Status::InProgress)
                continue;
            found = index(j, 0, index(i, 0));
            if (c.id == m_current)
                return found;
        }
    }
    return found;
}

} // namespace Afw

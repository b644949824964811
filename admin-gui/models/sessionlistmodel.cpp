// SPDX-License-Identifier: MIT
#include "sessionlistmodel.h"

#include <QDateTime>
#include <QFont>
#include <QLocale>

#include "statusstyle.h"

namespace Afw {

namespace {
qint64 durationMs(const Session &s)
{
    const qint64 end = s.endedAtMs ? *s.endedAtMs : QDateTime::currentMSecsSinceEpoch();
    return end - s.startedAtMs;
}

bool sameRow(const SessionSummary &x, const SessionSummary &y)
{
    const Session &a = x.session;
    const Session &b = y.session;
    return a.status == b.status && a.endedAtMs == b.endedAtMs && x.chainsCount == y.chainsCount &&
           x.currentChainId == y.currentChainId && a.cwd == b.cwd && a.hostname == b.hostname &&
           a.user == b.user && a.platform == b.platform && a.startedAtMs == b.startedAtMs &&
           a.summary == b.summary && a.endReason == b.endReason && a.metadata == b.metadata;
}
} // namespace

SessionListModel::SessionListModel(QObject *parent) : QAbstractTableModel(parent)
{
}

int SessionListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_sessions.size());
}

int SessionListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StatusColumn:
        return tr("Status");
    case IdColumn:
        return tr("Session");
    case UserColumn:
        return tr("User");
    case HostColumn:
        return tr("Host");
    case CwdColumn:
        return tr("Directory");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    case ChainsColumn:
        return tr("Chains");
    }
    return {};
}

QVariant SessionListModel::display(const SessionSummary &row, int column) const
{
    const Session &s = row.session;
    switch (column) {
    case StatusColumn:
        return Style::statusLabel(s.status);
    case IdColumn:
        return s.id;
    case UserColumn:
        return s.user;
    case HostColumn:
        return s.hostname;
    case CwdColumn: {
        // The project is what tells sessions apart; the whole path is in the tooltip.
        const qsizetype slash = s.cwd.lastIndexOf(u'/', s.cwd.endsWith(u'/') ? -2 : -1);
        return slash < 0 ? s.cwd : s.cwd.mid(slash + 1);
    }
    case StartedColumn:
        return Style::formatShort(s.startedAtMs);
    case DurationColumn:
        return Style::formatDuration(durationMs(s));
    case ChainsColumn:
        return row.chainsCount;
    }
    return {};
}

QVariant SessionListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SessionSummary &row = m_sessions.at(index.row());
    const Session &s = row.session;
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case Qt::DecorationRole:
        return column == StatusColumn ? QVariant(Style::statusIcon(s.status)) : QVariant();
    case Qt::ForegroundRole:
        return column == StatusColumn ? QVariant(Style::statusColor(s.status)) : QVariant();
    case Qt::TextAlignmentRole:
        return column == ChainsColumn || column == DurationColumn
                   ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
                   : QVariant();
    case Qt::ToolTipRole:
        if (column == StartedColumn)
            return QString(Style::formatLocal(s.startedAtMs) + QStringLiteral("  /  ") +
                           Style::formatUtc(s.startedAtMs));
        if (column == CwdColumn)
            return s.cwd;
        if (column == IdColumn)
            return s.id;
        if (column == StatusColumn && !s.summary.isEmpty())
            return s.summary;
        return {};
    case SortRole:
        switch (column) {
        case StatusColumn:
            return int(s.status);
        case StartedColumn:
            return s.startedAtMs;
        case DurationColumn:
            return durationMs(s);
        case ChainsColumn:
            return row.chainsCount;
        case CwdColumn:
            return s.cwd.toLower();
        default:
            return display(row, column).toString().toLower();
        }
    case IdRole:
        return s.id;
    case StatusRole:
        return int(s.status);
    case SearchTextRole:
        return QString(s.id + u'\n' + s.user + u'\n' + s.hostname + u'\n' + s.cwd).toLower();
    }
    return {};
}

int SessionListModel::upsert(const QList<SessionSummary> &sessions)
{
    QList<SessionSummary> fresh;
    bool usersDirty = false;
    for (const SessionSummary &s : sessions) {
        const auto it = m_rows.constFind(s.session.id);
        if (it == m_rows.cend()) {
            // Twice in one batch: the later one wins.
            auto dup = std::find_if(fresh.begin(), fresh.end(), [&s](const SessionSummary &f) {
                return f.session.id == s.session.id;
            });
            if (dup != fresh.end())
                *dup = s;
            else
                fresh.append(s);
            continue;
        }
        SessionSummary &old = m_sessions[*it];
        if (sameRow(old, s))
            continue;
        if (old.session.user != s.session.user) {
            --m_userCounts[old.session.user];
            ++m_userCounts[s.session.user];
            usersDirty = true;
        }
        old = s;
        Q_EMIT dataChanged(index(*it, 0), index(*it, ColumnCount - 1));
    }
    if (!fresh.isEmpty()) {
        const int first = int(m_sessions.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        for (SessionSummary &s : fresh) {
            m_rows.insert(s.session.id, int(m_sessions.size()));
            if (m_userCounts[s.session.user]++ == 0)
                usersDirty = true;
            m_sessions.append(std::move(s));
        }
        endInsertRows();
    }
    if (usersDirty)
        Q_EMIT usersChanged();
    return int(fresh.size());
}

bool SessionListModel::remove(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return false;
    beginRemoveRows({}, row, row);
    --m_userCounts[m_sessions.at(row).session.user];
    m_sessions.removeAt(row);
    reindex();
    endRemoveRows();
    Q_EMIT usersChanged();
    return true;
}

int SessionListModel::removeAllBut(const QSet<QString> &keep)
{
    int removed = 0;
    // Back to front, one contiguous block at a time.
    for (int row = int(m_sessions.size()) - 1; row >= 0;) {
        if (keep.contains(m_sessions.at(row).session.id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !keep.contains(m_sessions.at(first - 1).session.id))
            --first;
        beginRemoveRows({}, first, row);
        for (int r = first; r <= row; ++r)
            --m_userCounts[m_sessions.at(r).session.user];
        m_sessions.remove(first, row - first + 1);
        endRemoveRows();
        removed += row - first + 1;
        row = first - 1;
    }
    if (removed) {
        reindex();
        Q_EMIT usersChanged();
    }
    return removed;
}

void SessionListModel::clear()
{
    beginResetModel();
    m_sessions.clear();
    m_rows.clear();
    m_userCounts.clear();
    endResetModel();
    Q_EMIT usersChanged();
}

const SessionSummary *SessionListModel::find(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_sessions.at(row);
}

QStringList SessionListModel::users() const
{
    QStringList out;
    for (auto it = m_userCounts.cbegin(); it != m_userCounts.cend(); ++it) {
        if (it.value() > 0 && !it.key().isEmpty())
            out << it.key();
    }
    out.sort(Qt::CaseInsensitive);
    return out;
}

void SessionListModel::reindex()
{
    m_rows.clear();
    m_rows.reserve(m_sessions.size());
    for (int i = 0; i < m_sessions.size(); ++i)
        m_rows.insert(m_sessions.at(i).session.id, i);
}

} // namespace Afw

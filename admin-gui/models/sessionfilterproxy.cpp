// SPDX-License-Identifier: MIT
#include "sessionfilterproxy.h"

#include "sessionlistmodel.h"

namespace Afw {

SessionFilterProxy::SessionFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(SessionListModel::SortRole);
    setDynamicSortFilter(true);
}

void SessionFilterProxy::setStatus(std::optional<Status> status)
{
    m_status = status;
    invalidateRowsFilter();
}

void SessionFilterProxy::setUser(const QString &user)
{
    m_user = user;
    invalidateRowsFilter();
}

void SessionFilterProxy::setText(const QString &text)
{
    m_text = text.trimmed().toLower();
    invalidateRowsFilter();
}

bool SessionFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const auto *model = static_cast<const SessionListModel *>(sourceModel());
    if (sourceParent.isValid() || sourceRow >= model->rowCount())
        return false;
    const Session &s = model->at(sourceRow).session;
    if (m_status && s.status != *m_status)
        return false;
    if (!m_user.isEmpty() && s.user != m_user)
        return false;
    if (m_text.isEmpty())
        return true;
    return s.id.contains(m_text, Qt::CaseInsensitive) ||
           s.user.contains(m_text, Qt::CaseInsensitive) ||
           s.hostname.contains(m_text, Qt::CaseInsensitive) ||
           s.cwd.contains(m_text, Qt::CaseInsensitive);
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "eventfilterproxy.h"

#include "eventlistmodel.h"

namespace Afw {

EventFilterProxy::EventFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
}

void EventFilterProxy::setType(const QString &type)
{
    m_type = type;
    invalidate();
}

void EventFilterProxy::setText(const QString &text)
{
    m_text = text.trimmed();
    m_matcher.setPattern(m_text.toUtf8().toLower());
    // One layout change, not a removal signal per scattered run of rows.
    invalidate();
}

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const auto *model = static_cast<const EventListModel *>(sourceModel());
    if (sourceParent.isValid() || sourceRow >= model->rowCount())
        return false;
    const EventListModel::Row &r = model->at(sourceRow);
    if (!m_type.isEmpty() && r.type != m_type)
        return false;
    return m_text.isEmpty() || m_matcher.indexIn(r.folded) >= 0;
}

} // namespace Afw

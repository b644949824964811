// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayMatcher>
#include <QSortFilterProxyModel>

namespace Afw {

// The event stream's filters: one type (or all) and free text over the whole JSON,
// case-insensitive for ASCII (non-ASCII letters match as typed). Keeps the source
// order: only new rows are filtered when a batch arrives.
class EventFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit EventFilterProxy(QObject *parent = nullptr);

    void setType(const QString &type); // empty: every type
    void setText(const QString &text);
    QString type() const { return m_type; }
    QString text() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_type;
    QString m_text;
    QByteArrayMatcher m_matcher;
};

} // namespace Afw

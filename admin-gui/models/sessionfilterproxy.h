// SPDX-License-Identifier: MIT
#pragma once

#include <QSortFilterProxyModel>

#include <optional>

#include "models.h"

namespace Afw {

// The sessions table's sorting and filters: status, user and free text over id, user,
// host and cwd.
class SessionFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit SessionFilterProxy(QObject *parent = nullptr);

    void setStatus(std::optional<Status> status);
    void setUser(const QString &user); // empty: everyone
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    std::optional<Status> m_status;
    QString m_user;
    QString m_text;
};

} // namespace Afw

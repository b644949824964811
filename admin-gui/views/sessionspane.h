// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace Afw {

class SessionFilterProxy;
class SessionListModel;

// The sessions table with its filters (free text, status, user) and a count.
class SessionsPane : public QWidget
{
    Q_OBJECT

public:
    SessionsPane(SessionListModel *model, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QLineEdit *searchField() const { return m_search; }
    SessionFilterProxy *proxy() const { return m_proxy; }
    QString currentSessionId() const;
    /** Selects the session (clearing filters that hide it); false if unknown. */
    bool selectSession(const QString &id);

Q_SIGNALS:
    void currentSessionChanged(const QString &id);

private:
    void updateUsers();
    void updateCount();

    SessionListModel *m_model;
    SessionFilterProxy *m_proxy;
    QLineEdit *m_search;
    QComboBox *m_status;
    QComboBox *m_user;
    QLabel *m_count;
    QTableView *m_table;
    QString m_current;
};

} // namespace Afw

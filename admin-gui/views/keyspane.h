// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace Afw {

class KeyScanner;
class KeysModel;

// The Keys tab: the daemon's Redis keys, found with SCAN under the prefix (or only one
// session's), with type, live TTL, length and memory; a local filter over the names.
class KeysPane : public QWidget
{
    Q_OBJECT

public:
    KeysPane(KeysModel *model, KeyScanner *scanner, QWidget *parent = nullptr);

    void setPrefix(const QString &prefix);
    void setSession(const QString &sessionId);
    void rescan();
    QTableView *table() const { return m_table; }
    QLineEdit *filterField() const { return m_filter; }
    QLineEdit *sessionField() const { return m_session; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QString statusText() const;
    void tick();

private:
    void updateStatus();

    KeysModel *m_model;
    KeyScanner *m_scanner;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_prefix;
    QLineEdit *m_session;
    QLineEdit *m_filter;
    QPushButton *m_scan;
    QPushButton *m_stop;
    QLabel *m_status;
    QTableView *m_table;
    QString m_error;
    qint64 m_lastElapsed = -1;
};

} // namespace Afw

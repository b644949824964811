// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableView;
class QToolButton;

namespace Afw {

class EventFilterProxy;
class EventListModel;
class JsonView;

/**
 * The live event stream of one session: type filter, search, auto-scroll that can be
 * paused ("N new" counts what arrived meanwhile), and the selected event as
 * pretty-printed JSON with a copy button.
 */
class EventsPane : public QWidget
{
    Q_OBJECT

public:
    EventsPane(EventListModel *model, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QLineEdit *searchField() const { return m_search; }
    QComboBox *typeFilter() const { return m_type; }
    EventFilterProxy *proxy() const { return m_proxy; }
    JsonView *detail() const { return m_json; }
    QSplitter *splitter() const { return m_splitter; }

    bool autoScroll() const { return m_autoScroll; }
    void setAutoScroll(bool on);
    int unseen() const { return m_unseen; }
    /** The selected event's JSON, pretty-printed; empty if none. */
    QString selectedJson() const;
    void copySelected() const;

private:
    void onRowsInserted(int count);
    void showDetail();
    void updateTypes();
    void updateCount();

    EventListModel *m_model;
    EventFilterProxy *m_proxy;
    QComboBox *m_type;
    QLineEdit *m_search;
    QToolButton *m_follow;
    QPushButton *m_newButton;
    QLabel *m_count;
    QTableView *m_table;
    QSplitter *m_splitter;
    QLabel *m_detailTitle;
    QToolButton *m_copy;
    JsonView *m_json;
    bool m_autoScroll = true;
    int m_unseen = 0;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QPersistentModelIndex>
#include <QWidget>

#include "apitypes.h"

class QLabel;
class QSplitter;
class QStackedWidget;
class QTableView;
class QToolButton;
class QTreeView;

namespace Afw {

class ChainFold;
class ChainTreeModel;
class EventListModel;
class EventsPane;
class TtlModel;

/**
 * The selected session: a header (status, where and who, counters, actions), a strip
 * with what each stored part has left to live, the chain/step tree, and the event
 * stream below it.
 */
class SessionView : public QWidget
{
    Q_OBJECT

public:
    SessionView(ChainTreeModel *chains, TtlModel *ttl, EventListModel *events,
                QWidget *parent = nullptr);

    /** nullptr: nothing selected (a hint is shown instead). */
    void setSession(const SessionSummary *session);
    void setFoldCounters(const ChainFold &fold);
    void setLoading(bool loading);

    EventsPane *eventsPane() const { return m_events; }
    QTreeView *chainTree() const { return m_tree; }
    QTableView *ttlTable() const { return m_ttl; }
    QSplitter *verticalSplitter() const { return m_vertical; }
    /** Repaints what counts down or runs (durations, TTLs). */
    void tick();

Q_SIGNALS:
    void commandRequested(Afw::CommandType type);
    void commandDialogRequested();
    void inputRequested();
    void deleteRequested();

private:
    QWidget *buildHeader();
    void revealRunningStep();

    ChainTreeModel *m_chainModel;
    QStackedWidget *m_stack;
    QLabel *m_title;
    QLabel *m_status;
    QLabel *m_meta;
    QLabel *m_counters;
    QLabel *m_loading;
    QTreeView *m_tree;
    QTableView *m_ttl;
    EventsPane *m_events;
    QSplitter *m_vertical;
    QPersistentModelIndex m_lastRunning;
};

} // namespace Afw

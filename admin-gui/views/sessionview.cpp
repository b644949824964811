// SPDX-License-Identifier: MIT
#include "sessionview.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include "chaintreemodel.h"
#include "eventspane.h"
#include "fold.h"
#include "statusstyle.h"
#include "ttlmodel.h"

namespace Afw {

namespace {
QToolButton *actionButton(const QString &icon, const QString &text, const QString &tip,
                          QWidget *parent)
{
    auto *b = new QToolButton(parent);
    b->setIcon(Style::icon(icon));
    b->setText(text);
    b->setToolTip(tip);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setAutoRaise(false);
    return b;
}

QLabel *caption(const QString &text, QWidget *parent)
{
    auto *l = new QLabel(text, parent);
    QFont f = l->font();
    f.setBold(true);
    l->setFont(f);
    return l;
}
} // namespace

SessionView::SessionView(ChainTreeModel *chains, TtlModel *ttl, EventListModel *events,
                         QWidget *parent)
    : QWidget(parent), m_chainModel(chains), m_stack(new QStackedWidget(this)),
      m_title(new QLabel(this)), m_status(new QLabel(this)), m_meta(new QLabel(this)),
      m_counters(new QLabel(this)), m_loading(new QLabel(this)), m_tree(new QTreeView(this)),
      m_ttl(new QTableView(this)), m_events(new EventsPane(events, this)),
      m_vertical(new QSplitter(Qt::Vertical, this))
{
    auto *hint =
        new QLabel(tr("Select a session on the left to see its chains, events and TTLs."), this);
    hint->setAlignment(Qt::AlignCenter);
    hint->setForegroundRole(QPalette::PlaceholderText);

    m_tree->setModel(chains);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->header()->setStretchLastSection(true);
    const QFontMetrics fm = m_tree->fontMetrics();
    QFont boldFont = m_tree->font();
    boldFont.setBold(true);
    const QFontMetrics bold(boldFont); // chains and the running step are bold
    m_tree->setColumnWidth(ChainTreeModel::NameColumn,
                           bold.horizontalAdvance(QStringLiteral("Refactor auth middleware")) + 56);
    m_tree->setColumnWidth(ChainTreeModel::StatusColumn,
                           bold.horizontalAdvance(QStringLiteral("in progress")) + 14);
    m_tree->setColumnWidth(ChainTreeModel::ModelColumn,
                           fm.horizontalAdvance(QStringLiteral("claude-sonnet-4")) + 14);
    m_tree->setColumnWidth(ChainTreeModel::DurationColumn,
                           bold.horizontalAdvance(QStringLiteral("00m 00s…")) + 14);
    // New chains open, so the running step is in sight without a click.
    connect(chains, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (!parent.isValid()) {
                    for (int r = first; r <= last; ++r)
                        m_tree->expand(m_chainModel->index(r, 0));
                }
                revealRunningStep();
            });
    connect(chains, &QAbstractItemModel::dataChanged, this, &SessionView::revealRunningStep);

    // The TTLs as a strip: one column per stored part, three short rows.
    m_ttl->setModel(ttl);
    m_ttl->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_ttl->setWordWrap(false);
    m_ttl->setFocusPolicy(Qt::ClickFocus);
    m_ttl->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_ttl->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_ttl->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_ttl->horizontalHeader()->setHighlightSections(false);
    m_ttl->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_ttl->verticalHeader()->setDefaultSectionSize(fm.height() + 6);
    m_ttl->verticalHeader()->setHighlightSections(false);
    m_ttl->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    // The header's own hint is too small before the model has columns: measure the font.
    m_ttl->setFixedHeight(fm.height() + 12 + TtlModel::RowCount * (fm.height() + 6) +
                          2 * m_ttl->frameWidth() + 2);

    auto *treeBox = new QWidget(this);
    auto *treeLayout = new QVBoxLayout(treeBox);
    treeLayout->setContentsMargins(0, 0, 0, 0);
    treeLayout->setSpacing(4);
    treeLayout->addWidget(caption(tr("Chains and steps"), treeBox));
    treeLayout->addWidget(m_tree, 1);

    auto *eventsBox = new QWidget(this);
    auto *eventsLayout = new QVBoxLayout(eventsBox);
    eventsLayout->setContentsMargins(0, 4, 0, 0);
    eventsLayout->setSpacing(4);
    eventsLayout->addWidget(caption(tr("Events"), eventsBox));
    eventsLayout->addWidget(m_events, 1);
    m_vertical->addWidget(treeBox);
    m_vertical->addWidget(eventsBox);
    m_vertical->setStretchFactor(0, 2);
    m_vertical->setStretchFactor(1, 3);
    m_vertical->setChildrenCollapsible(false);

    auto *ttlBox = new QWidget(this);
    auto *ttlLayout = new QVBoxLayout(ttlBox);
    ttlLayout->setContentsMargins(0, 0, 0, 0);
    ttlLayout->setSpacing(4);
    ttlLayout->addWidget(caption(tr("Stored data expires"), ttlBox));
    ttlLayout->addWidget(m_ttl);

    auto *page = new QWidget(this);
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->setSpacing(8);
    pageLayout->addWidget(buildHeader());
    pageLayout->addWidget(ttlBox);
    pageLayout->addWidget(m_vertical, 1);

    m_stack->addWidget(hint);
    m_stack->addWidget(page);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
}

QWidget *SessionView::buildHeader()
{
    auto *header = new QWidget(this);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.35);
    big.setBold(true);
    m_title->setFont(big);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    m_counters->setForegroundRole(QPalette::PlaceholderText);
    m_loading->setForegroundRole(QPalette::PlaceholderText);

    auto *pause =
        actionButton(QStringLiteral("pause"), tr("Pause"), tr("Queue a pause command"), header);
    auto *resume =
        actionButton(QStringLiteral("resume"), tr("Resume"), tr("Queue a resume command"), header);
    auto *command =
        actionButton(QStringLiteral("command"), tr("Command"), tr("Queue any command"), header);
    auto *menu = new QMenu(command);
    for (const QString &name : commandTypeNames()) {
        const CommandType type = *commandTypeFromString(name);
        menu->addAction(name, this, [this, type] { Q_EMIT commandRequested(type); });
    }
    menu->addSeparator();
    menu->addAction(tr("With reason or payload…"), this,
                    [this] { Q_EMIT commandDialogRequested(); });
    command->setMenu(menu);
    command->setPopupMode(QToolButton::InstantPopup);
    auto *input = actionButton(QStringLiteral("input"), tr("Input…"),
                               tr("Send text input to the agent"), header);
    auto *remove = actionButton(QStringLiteral("delete"), tr("Delete"),
                                tr("Delete the session and its data"), header);
    connect(pause, &QToolButton::clicked, this,
            [this] { Q_EMIT commandRequested(CommandType::Pause); });
    connect(resume, &QToolButton::clicked, this,
            [this] { Q_EMIT commandRequested(CommandType::Resume); });
    connect(input, &QToolButton::clicked, this, &SessionView::inputRequested);
    connect(remove, &QToolButton::clicked, this, &SessionView::deleteRequested);

    auto *titleRow = new QHBoxLayout;
    titleRow->setSpacing(10);
    titleRow->addWidget(m_title);
    titleRow->addWidget(m_status);
    titleRow->addWidget(m_loading);
    titleRow->addStretch(1);
    for (QToolButton *b : {pause, resume, command, input, remove})
        titleRow->addWidget(b);
    auto *layout = new QVBoxLayout(header);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(titleRow);
    layout->addWidget(m_meta);
    layout->addWidget(m_counters);
    return header;
}

void SessionView::setSession(const SessionSummary *summary)
{
    if (!summary) {
        m_stack->setCurrentIndex(0);
        return;
    }
    m_stack->setCurrentIndex(1);
    const Session &s = summary->session;
    m_title->setText(s.id);
    const QColor c = Style::statusColor(s.status);
    m_status->setText(QStringLiteral("<span style='color:%1; font-weight:600'>%2</span>")
                          .arg(c.name(), Style::statusLabel(s.status).toHtmlEscaped()));
    QStringList parts;
    if (!s.cwd.isEmpty())
        parts << s.cwd;
    QString who = s.user;
    if (!s.hostname.isEmpty())
        who += (who.isEmpty() ? QString() : QStringLiteral("@")) + s.hostname;
    if (!who.isEmpty())
        parts << who;
    if (!s.platform.isEmpty())
        parts << s.platform;
    parts << tr("started %1").arg(Style::formatLocal(s.startedAtMs));
    const qint64 end = s.endedAtMs ? *s.endedAtMs : QDateTime::currentMSecsSinceEpoch();
    parts << (s.endedAtMs ? tr("ran %1") : tr("running for %1"))
                 .arg(Style::formatDuration(end - s.startedAtMs));
    if (!s.summary.isEmpty())
        parts << s.summary;
    m_meta->setText(parts.join(QStringLiteral("  ·  ")));
    m_meta->setToolTip(tr("Started %1").arg(Style::formatUtc(s.startedAtMs)));
}

void SessionView::setFoldCounters(const ChainFold &fold)
{
    const auto count = [](qsizetype n, const QString &one, const QString &many) -> QString {
        return QString::number(n) + u' ' + (n == 1 ? one : many);
    };
    m_counters->setText(tr("%1 (%2 completed)  ·  %3 executed  ·  %4")
                            .arg(count(fold.chains().size(), tr("chain"), tr("chains")))
                            .arg(fold.totalChainsCompleted())
                            .arg(count(fold.totalStepsExecuted(), tr("step"), tr("steps")))
                            .arg(count(int(fold.criticalErrors().size()), tr("critical error"), tr("critical errors"))));
}

void SessionView::setLoading(bool loading)
{
    m_loading->setText(loading ? tr("loading…") : QString());
}

void SessionView::tick()
{
    m_tree->viewport()->update();
    m_ttl->viewport()->update();
}

void SessionView::revealRunningStep()
{
    // Only when another step starts running: the operator may be reading elsewhere.
    const QPersistentModelIndex running = m_chainModel->runningStep();
    if (running == m_lastRunning)
        return;
    m_lastRunning = running;
    if (running.isValid())
        m_tree->scrollTo(running);
}

} // namespace Afw

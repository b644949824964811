// SPDX-License-Identifier: MIT
#include "sessionspane.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QTableView>
#include <QVBoxLayout>

#include "sessionfilterproxy.h"
#include "sessionlistmodel.h"
#include "statusstyle.h"

namespace Afw {

SessionsPane::SessionsPane(SessionListModel *model, QWidget *parent)
    : QWidget(parent), m_model(model), m_proxy(new SessionFilterProxy(this)),
      m_search(new QLineEdit(this)), m_status(new QComboBox(this)), m_user(new QComboBox(this)),
      m_count(new QLabel(this)), m_table(new QTableView(this))
{
    m_proxy->setSourceModel(model);

    m_search->setPlaceholderText(tr("Search id, user, host, directory  (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_status->addItem(tr("All statuses"));
    for (Status s :
         {Status::InProgress, Status::Pending, Status::Completed, Status::Failed, Status::Skipped})
        m_status->addItem(Style::statusIcon(s), Style::statusLabel(s), int(s));
    m_user->addItem(tr("All users"));
    m_user->setMinimumContentsLength(10);
    m_count->setForegroundRole(QPalette::PlaceholderText);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(6);
    filters->addWidget(m_search, 1);
    filters->addWidget(m_status);
    filters->addWidget(m_user);

    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SessionListModel::StartedColumn, Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setWordWrap(false);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setTextElideMode(Qt::ElideMiddle);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(SessionListModel::IdColumn, QHeaderView::Stretch);
    // Widths from the font: the status with its icon, ids elided in the middle.
    const QFontMetrics fm = m_table->fontMetrics();
    auto fit = [&fm](const QString &sample) { return fm.horizontalAdvance(sample) + 12; };
    m_table->setColumnWidth(SessionListModel::StatusColumn,
                            fit(QStringLiteral("in progress")) + 22);
    m_table->setColumnWidth(SessionListModel::CwdColumn, fit(QStringLiteral("payments-api")));
    m_table->setColumnWidth(SessionListModel::UserColumn, fit(QStringLiteral("dana_")));
    m_table->setColumnWidth(SessionListModel::HostColumn, fit(QStringLiteral("ci-runner-7")));
    m_table->setColumnWidth(SessionListModel::StartedColumn, fit(QStringLiteral("00:00:00")));
    m_table->setColumnWidth(SessionListModel::DurationColumn, fit(QStringLiteral("00m 00s")));
    m_table->setColumnWidth(SessionListModel::ChainsColumn, fit(QStringLiteral("Chains")));
    // Duration is in the session's header; the column is one right-click away.
    m_table->setColumnHidden(SessionListModel::DurationColumn, true);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this,
            [this, header](const QPoint &at) {
                QMenu menu;
                for (int c = 0; c < SessionListModel::ColumnCount; ++c) {
                    QAction *a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
                    a->setCheckable(true);
                    a->setChecked(!m_table->isColumnHidden(c));
                    a->setEnabled(c != SessionListModel::IdColumn);
                    connect(a, &QAction::toggled, this,
                            [this, c](bool on) { m_table->setColumnHidden(c, !on); });
                }
                menu.exec(header->mapToGlobal(at));
            });
    header->setMinimumSectionSize(fm.horizontalAdvance(QStringLiteral("Dir")) + 12);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_count);

    connect(m_search, &QLineEdit::textChanged, m_proxy, &SessionFilterProxy::setText);
    connect(m_status, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant v = m_status->currentData();
        m_proxy->setStatus(v.isValid() ? std::optional<Status>(Status(v.toInt())) : std::nullopt);
    });
    connect(m_user, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_proxy->setUser(i <= 0 ? QString() : m_user->itemText(i)); });
    connect(model, &SessionListModel::usersChanged, this, &SessionsPane::updateUsers);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_proxy, signal, this, &SessionsPane::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &SessionsPane::updateCount);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &SessionsPane::updateCount);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                const QString id = current.data(SessionListModel::IdRole).toString();
                if (id == m_current)
                    return;
                m_current = id;
                Q_EMIT currentSessionChanged(id);
            });
    updateCount();
}

QString SessionsPane::currentSessionId() const
{
    return m_current;
}

bool SessionsPane::selectSession(const QString &id)
{
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0)
        return false;
    QModelIndex index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    if (!index.isValid()) {
        m_search->clear();
        m_status->setCurrentIndex(0);
        m_user->setCurrentIndex(0);
        index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    }
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void SessionsPane::updateUsers()
{
    const QString chosen = m_user->currentIndex() > 0 ? m_user->currentText() : QString();
    const QStringList users = m_model->users();
    QStringList shown;
    for (int i = 1; i < m_user->count(); ++i)
        shown << m_user->itemText(i);
    if (shown == users)
        return;
    const QSignalBlocker block(m_user);
    m_user->clear();
    m_user->addItem(tr("All users"));
    m_user->addItems(users);
    const int at = m_user->findText(chosen);
    m_user->setCurrentIndex(at < 0 ? 0 : at);
    if (at < 0 && !chosen.isEmpty())
        m_proxy->setUser({});
}

void SessionsPane::updateCount()
{
    const QLocale locale;
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    m_count->setText(
        shown == total
            ? tr("%1 sessions").arg(locale.toString(total))
            : tr("%1 of %2 sessions").arg(locale.toString(shown), locale.toString(total)));
}

} // namespace Afw

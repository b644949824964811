// SPDX-License-Identifier: MIT
#include "eventspane.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "eventfilterproxy.h"
#include "eventlistmodel.h"
#include "jsonview.h"
#include "statusstyle.h"

namespace Afw {

EventsPane::EventsPane(EventListModel *model, QWidget *parent)
    : QWidget(parent), m_model(model), m_proxy(new EventFilterProxy(this)),
      m_type(new QComboBox(this)), m_search(new QLineEdit(this)), m_follow(new QToolButton(this)),
      m_newButton(new QPushButton(this)), m_count(new QLabel(this)), m_table(new QTableView(this)),
      m_splitter(new QSplitter(Qt::Horizontal, this)), m_detailTitle(new QLabel(this)),
      m_copy(new QToolButton(this)), m_json(new JsonView(this))
{
    m_proxy->setSourceModel(model);
    m_type->addItem(tr("All event types"));
    m_type->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_search->setPlaceholderText(tr("Search events (JSON)"));
    m_search->setClearButtonEnabled(true);
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setText(tr("Follow"));
    m_follow->setToolTip(tr("Keep the newest event in view; off pauses scrolling"));
    m_follow->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_follow->setIcon(Style::icon(QStringLiteral("resume")));
    m_newButton->setFlat(false);
    m_newButton->hide();
    m_count->setForegroundRole(QPalette::PlaceholderText);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(6);
    filters->addWidget(m_type);
    filters->addWidget(m_search, 1);
    filters->addWidget(m_newButton);
    filters->addWidget(m_follow);

    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(true);
    const QFontMetrics fm = m_table->fontMetrics();
    m_table->setColumnWidth(EventListModel::SeqColumn,
                            fm.horizontalAdvance(QStringLiteral("10000")) + 14);
    m_table->setColumnWidth(EventListModel::TimeColumn,
                            fm.horizontalAdvance(QStringLiteral("00:00:00.000")) + 14);
    m_table->setColumnWidth(EventListModel::TypeColumn,
                            fm.horizontalAdvance(QStringLiteral("step:completed__")) + 14);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->setSpacing(6);
    leftLayout->addLayout(filters);
    leftLayout->addWidget(m_table, 1);
    leftLayout->addWidget(m_count);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(6);
    auto *titleRow = new QHBoxLayout;
    QFont bold = m_detailTitle->font();
    bold.setBold(true);
    m_detailTitle->setFont(bold);
    m_detailTitle->setText(tr("Event"));
    m_copy->setIcon(Style::icon(QStringLiteral("copy")));
    m_copy->setText(tr("Copy"));
    m_copy->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_copy->setToolTip(tr("Copy the event's JSON (Ctrl+C)"));
    m_copy->setEnabled(false);
    titleRow->addWidget(m_detailTitle, 1);
    titleRow->addWidget(m_copy);
    rightLayout->addLayout(titleRow);
    rightLayout->addWidget(m_json, 1);
    m_json->setPlaceholderText(tr("Select an event to see its JSON."));

    m_splitter->addWidget(left);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);

    connect(m_search, &QLineEdit::textChanged, m_proxy, &EventFilterProxy::setText);
    connect(m_type, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_proxy->setType(i <= 0 ? QString() : m_type->itemText(i)); });
    connect(m_follow, &QToolButton::toggled, this, &EventsPane::setAutoScroll);
    connect(m_newButton, &QPushButton::clicked, this, [this] { setAutoScroll(true); });
    connect(m_copy, &QToolButton::clicked, this, &EventsPane::copySelected);
    connect(model, &EventListModel::typesChanged, this, &EventsPane::updateTypes);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onRowsInserted(last - first + 1); });
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &EventsPane::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] {
        m_unseen = 0;
        m_newButton->hide();
        showDetail();
        updateCount();
    });
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &EventsPane::updateCount);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EventsPane::showDetail);
    // Scrolling up by hand pauses following; coming back to the end resumes it.
    connect(m_table->verticalScrollBar(), &QScrollBar::sliderMoved, this,
            [this](int value) { setAutoScroll(value >= m_table->verticalScrollBar()->maximum()); });
    updateCount();
}

void EventsPane::setAutoScroll(bool on)
{
    m_autoScroll = on;
    {
        const QSignalBlocker block(m_follow);
        m_follow->setChecked(on);
    }
    m_follow->setIcon(Style::icon(on ? QStringLiteral("resume") : QStringLiteral("pause")));
    if (on) {
        m_unseen = 0;
        m_newButton->hide();
        m_table->scrollToBottom();
    }
}

void EventsPane::onRowsInserted(int count)
{
    updateCount();
    if (m_autoScroll) {
        // After the layout of the new rows, not before it.
        QTimer::singleShot(0, m_table, [this] {
            if (m_autoScroll)
                m_table->scrollToBottom();
        });
        return;
    }
    m_unseen += count;
    m_newButton->setText(tr("%1 new ↓").arg(QLocale().toString(m_unseen)));
    m_newButton->show();
}

void EventsPane::showDetail()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_detailTitle->setText(tr("Event"));
        m_json->clear();
        m_copy->setEnabled(false);
        return;
    }
    m_detailTitle->setText(tr("Event #%1 · %2")
                               .arg(current.data(EventListModel::SeqRole).toLongLong())
                               .arg(current.data(EventListModel::TypeRole).toString()));
    m_json->setJson(current.data(EventListModel::JsonRole).toString());
    m_copy->setEnabled(true);
}

QString EventsPane::selectedJson() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? m_json->json() : QString();
}

void EventsPane::copySelected() const
{
    const QString json = selectedJson();
    if (!json.isEmpty())
        QGuiApplication::clipboard()->setText(json);
}

void EventsPane::updateTypes()
{
    const QString chosen = m_type->currentIndex() > 0 ? m_type->currentText() : QString();
    const QSignalBlocker block(m_type);
    m_type->clear();
    m_type->addItem(tr("All event types"));
    m_type->addItems(m_model->types());
    const int at = m_type->findText(chosen);
    m_type->setCurrentIndex(at < 0 ? 0 : at);
    if (at < 0 && !chosen.isEmpty())
        m_proxy->setType({});
}

void EventsPane::updateCount()
{
    const QLocale locale;
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    m_count->setText(
        shown == total ? tr("%1 events").arg(locale.toString(total))
                       : tr("%1 of %2 events").arg(locale.toString(shown), locale.toString(total)));
}

} // namespace Afw

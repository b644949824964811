// SPDX-License-Identifier: MIT
#include "keyspane.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "keyscanner.h"
#include "keysmodel.h"
#include "statusstyle.h"

namespace Afw {

KeysPane::KeysPane(KeysModel *model, KeyScanner *scanner, QWidget *parent)
    : QWidget(parent), m_model(model), m_scanner(scanner), m_proxy(new QSortFilterProxyModel(this)),
      m_prefix(new QLineEdit(QStringLiteral("afw:"), this)), m_session(new QLineEdit(this)),
      m_filter(new QLineEdit(this)),
      m_scan(new QPushButton(Style::icon(QStringLiteral("refresh")), tr("Scan"), this)),
      m_stop(new QPushButton(tr("Stop"), this)), m_status(new QLabel(this)),
      m_table(new QTableView(this))
{
    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(KeysModel::SortRole);
    m_proxy->setFilterKeyColumn(KeysModel::KeyColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_prefix->setMaximumWidth(m_prefix->fontMetrics().horizontalAdvance(u'M') * 8);
    m_prefix->setToolTip(tr("Key prefix of the daemon (REDIS_PREFIX)"));
    m_session->setPlaceholderText(tr("Only this session's keys (id)"));
    m_session->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Filter key names"));
    m_filter->setClearButtonEnabled(true);
    m_stop->setEnabled(false);
    m_status->setForegroundRole(QPalette::PlaceholderText);

    auto *row = new QHBoxLayout;
    row->setSpacing(6);
    row->addWidget(new QLabel(tr("Prefix"), this));
    row->addWidget(m_prefix);
    row->addWidget(m_session, 1);
    row->addWidget(m_filter, 1);
    row->addWidget(m_scan);
    row->addWidget(m_stop);

    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder); // SCAN order until asked
    m_table->setSortingEnabled(true);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(KeysModel::KeyColumn, QHeaderView::Stretch);
    const int em = m_table->fontMetrics().horizontalAdvance(u'M');
    for (int c = KeysModel::TypeColumn; c < KeysModel::ColumnCount; ++c)
        m_table->setColumnWidth(c, em * 7);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(6);
    layout->addLayout(row);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);

    connect(m_scan, &QPushButton::clicked, this, &KeysPane::rescan);
    connect(m_session, &QLineEdit::returnPressed, this, &KeysPane::rescan);
    connect(m_prefix, &QLineEdit::returnPressed, this, &KeysPane::rescan);
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_scanner->stop();
        updateStatus();
    });
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(scanner, &KeyScanner::progress, this, &KeysPane::updateStatus);
    connect(scanner, &KeyScanner::finished, this, [this](qint64, qint64 elapsedMs) {
        m_lastElapsed = elapsedMs;
        updateStatus();
    });
    connect(scanner, &KeyScanner::failed, this, [this](const QString &message) {
        m_error = message;
        updateStatus();
    });
    connect(scanner, &KeyScanner::connectedChanged, this, &KeysPane::updateStatus);
    updateStatus();
}

void KeysPane::setPrefix(const QString &prefix)
{
    m_prefix->setText(prefix);
}

void KeysPane::setSession(const QString &sessionId)
{
    m_session->setText(sessionId);
}

void KeysPane::rescan()
{
    m_error.clear();
    m_lastElapsed = -1;
    m_scanner->scan(m_prefix->text(), m_session->text().trimmed());
    updateStatus();
}

QString KeysPane::statusText() const
{
    return m_status->text();
}

void KeysPane::tick()
{
    m_table->viewport()->update();
}

void KeysPane::updateStatus()
{
    const QLocale l;
    const bool scanning = m_scanner->isScanning();
    m_scan->setEnabled(!scanning);
    m_stop->setEnabled(scanning);
    QString text;
    if (!m_error.isEmpty())
        text = m_error;
    else if (!m_scanner->isConnected() && !m_scanner->redisUrl().isEmpty())
        text = tr("Connecting to Redis…");
    else if (scanning)
        text = tr("Scanning… %1 keys so far").arg(l.toString(m_scanner->scanned()));
    else if (m_lastElapsed >= 0)
        text = tr("%1 keys, %2 in all (SCAN, %3 ms)")
                   .arg(l.toString(m_model->rowCount()), Style::formatBytes(m_model->totalMemory()))
                   .arg(m_lastElapsed);
    else
        text = tr("Press Scan to list the keys.");
    m_status->setText(text);
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "noticebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

#include "statusstyle.h"

namespace Afw {

NoticeBar::NoticeBar(QWidget *parent)
    : QFrame(parent), m_icon(new QLabel(this)), m_text(new QLabel(this)),
      m_close(new QToolButton(this))
{
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 6, 6);
    row->setSpacing(8);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setToolTip(tr("Close"));
    row->addWidget(m_icon);
    row->addWidget(m_text, 1);
    row->addWidget(m_close);
    connect(m_close, &QToolButton::clicked, this, &QWidget::hide);
    m_hide.setSingleShot(true);
    connect(&m_hide, &QTimer::timeout, this, &QWidget::hide);
    setObjectName(QStringLiteral("notice"));
    hide();
}

void NoticeBar::post(Kind kind, const QString &text)
{
    m_kind = kind;
    const Status look = kind == Kind::Error     ? Status::Failed
                        : kind == Kind::Success ? Status::Completed
                                                : Status::InProgress;
    const QColor c = Style::statusColor(look);
    setStyleSheet(
        QStringLiteral("#notice { background: %1; border: 1px solid %2; border-radius: 4px; }")
            .arg(QColor(c.red(), c.green(), c.blue(), 28).name(QColor::HexArgb), c.name()));
    m_icon->setPixmap(Style::statusIcon(look).pixmap(16, 16));
    m_text->setText(text);
    QFrame::show();
    if (kind == Kind::Error)
        m_hide.stop();
    else
        m_hide.start(8000);
}

QString NoticeBar::text() const
{
    return isVisible() ? m_text->text() : QString();
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "commanddialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "statusstyle.h"

namespace Afw {

CommandDialog::CommandDialog(const QString &sessionId, CommandType initial, QWidget *parent)
    : QDialog(parent), m_type(new QComboBox(this)), m_reason(new QLineEdit(this)),
      m_payload(new QPlainTextEdit(this)), m_error(new QLabel(this))
{
    setWindowTitle(tr("Send a command to %1").arg(sessionId));
    m_type->addItems(commandTypeNames());
    m_type->setCurrentIndex(int(initial));
    m_reason->setPlaceholderText(tr("optional, shown to the agent"));
    m_payload->setPlaceholderText(tr("optional JSON object, e.g. {\"stepNumber\": 3}"));
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setTabChangesFocus(true);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(Style::criticalColor().name()));
    m_error->setWordWrap(true);
    m_error->hide();
    auto *form = new QFormLayout;
    form->addRow(tr("Command"), m_type);
    form->addRow(tr("Reason"), m_reason);
    form->addRow(tr("Payload"), m_payload);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Send"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &CommandDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

CommandType CommandDialog::type() const
{
    return commandTypeFromString(m_type->currentText()).value_or(CommandType::Pause);
}

void CommandDialog::accept()
{
    QJsonObject payload;
    const QString text = m_payload->toPlainText().trimmed();
    if (!text.isEmpty()) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            m_error->setText(err.error != QJsonParseError::NoError
                                 ? tr("Payload is not JSON: %1 at offset %2")
                                       .arg(err.errorString())
                                       .arg(err.offset)
                                 : tr("Payload must be a JSON object."));
            m_error->show();
            return;
        }
        payload = doc.object();
    }
    if (!m_reason->text().trimmed().isEmpty())
        payload.insert(QStringLiteral("reason"), m_reason->text().trimmed());
    m_payloadValue = payload.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(payload);
    QDialog::accept();
}

InputDialog::InputDialog(const QString &sessionId, QWidget *parent)
    : QDialog(parent), m_input(new QPlainTextEdit(this)), m_prompt(new QLineEdit(this))
{
    setWindowTitle(tr("Send input to %1").arg(sessionId));
    m_input->setPlaceholderText(tr("What the agent reads as the answer"));
    m_input->setTabChangesFocus(true);
    m_prompt->setPlaceholderText(tr("optional: the question this answers"));
    auto *form = new QFormLayout;
    form->addRow(tr("Input"), m_input);
    form->addRow(tr("Prompt"), m_prompt);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Send"));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    connect(m_input, &QPlainTextEdit::textChanged, this, [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)
            ->setEnabled(!m_input->toPlainText().trimmed().isEmpty());
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString InputDialog::input() const
{
    return m_input->toPlainText();
}

QString InputDialog::prompt() const
{
    return m_prompt->text().trimmed();
}

} // namespace Afw

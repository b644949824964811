// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>
#include <QJsonValue>

#include "models.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace Afw {

// A command for the agent: its type, an optional reason and an optional JSON payload
// (the reason goes into the payload as "reason").
class CommandDialog : public QDialog
{
    Q_OBJECT

public:
    CommandDialog(const QString &sessionId, CommandType initial, QWidget *parent = nullptr);

    CommandType type() const;
    /** The payload to send; undefined when there is none. Valid only after accept. */
    QJsonValue payload() const { return m_payloadValue; }

    QComboBox *typeBox() const { return m_type; }
    QLineEdit *reasonField() const { return m_reason; }
    QPlainTextEdit *payloadField() const { return m_payload; }
    void accept() override;

private:
    QComboBox *m_type;
    QLineEdit *m_reason;
    QPlainTextEdit *m_payload;
    QLabel *m_error;
    QJsonValue m_payloadValue = QJsonValue(QJsonValue::Undefined);
};

// Text input for the agent's prompt, with the prompt it answers (optional).
class InputDialog : public QDialog
{
    Q_OBJECT

public:
    explicit InputDialog(const QString &sessionId, QWidget *parent = nullptr);
    QString input() const;
    QString prompt() const;
    QPlainTextEdit *inputField() const { return m_input; }
    QLineEdit *promptField() const { return m_prompt; }

private:
    QPlainTextEdit *m_input;
    QLineEdit *m_prompt;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;
class QToolButton;

namespace Afw {

// A one-line message inside the window: what an action did or why it failed. Successes
// fade out by themselves; errors stay until closed, so the explanation can be read.
class NoticeBar : public QFrame
{
    Q_OBJECT

public:
    enum class Kind { Info, Success, Error };

    explicit NoticeBar(QWidget *parent = nullptr);
    void post(Kind kind, const QString &text);
    QString text() const;
    Kind kind() const { return m_kind; }

private:
    QLabel *m_icon;
    QLabel *m_text;
    QToolButton *m_close;
    QTimer m_hide;
    Kind m_kind = Kind::Info;
};

} // namespace Afw

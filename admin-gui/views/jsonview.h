// SPDX-License-Identifier: MIT
#pragma once

#include <QPlainTextEdit>

namespace Afw {

// Read-only, monospaced, highlighted JSON: the selected event or step, pretty-printed.
class JsonView : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit JsonView(QWidget *parent = nullptr);

    /** Pretty-prints @p json (compact or not); shows it as is if it does not parse. */
    void setJson(const QString &json);
    QString json() const { return toPlainText(); }
};

} // namespace Afw

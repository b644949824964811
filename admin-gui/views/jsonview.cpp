// SPDX-License-Identifier: MIT
#include "jsonview.h"

#include <QFontDatabase>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSyntaxHighlighter>

namespace Afw {

namespace {
class JsonHighlighter : public QSyntaxHighlighter
{
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;

protected:
    void highlightBlock(const QString &text) override
    {
        static const QRegularExpression strings(QStringLiteral(R"("(?:[^"\\]|\\.)*"(\s*:)?)"));
        static const QRegularExpression literals(
            QStringLiteral(R"(\b(?:true|false|null)\b|-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"));
        QTextCharFormat key, value, literal;
        key.setForeground(QColor(0x1f, 0x5f, 0xaf));
        value.setForeground(QColor(0x2e, 0x7d, 0x32));
        literal.setForeground(QColor(0xa3, 0x52, 0x00));
        for (auto it = literals.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            setFormat(int(m.capturedStart()), int(m.capturedLength()), literal);
        }
        for (auto it = strings.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            const bool isKey = !m.captured(1).isEmpty();
            setFormat(int(m.capturedStart()), int(m.capturedLength()), isKey ? key : value);
        }
    }
};
} // namespace

JsonView::JsonView(QWidget *parent) : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(std::max(8.0, font().pointSizeF() - 0.5));
    setFont(mono);
    new JsonHighlighter(document());
}

void JsonView::setJson(const QString &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (doc.isNull()) {
        setPlainText(json);
        return;
    }
    // Qt indents by four; two keep more of each value in a narrow pane.
    QStringList lines =
        QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed().split(u'\n');
    for (QString &line : lines) {
        qsizetype n = 0;
        while (n < line.size() && line.at(n) == u' ')
            ++n;
        line.remove(0, n / 2);
    }
    setPlainText(lines.join(u'\n'));
}

} // namespace Afw

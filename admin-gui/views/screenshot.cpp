// SPDX-License-Identifier: MIT
#include "screenshot.h"

#include <QCoreApplication>
#include <QImage>
#include <QPixmap>
#include <QTableView>

#include <cstdio>

#include "connection.h"
#include "eventfilterproxy.h"
#include "eventspane.h"
#include "mainwindow.h"
#include "sessionview.h"

namespace Afw {

Screenshot::Screenshot(MainWindow *window, const QString &file, int timeoutMs)
    : QObject(window), m_window(window), m_file(file)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        finish(3,
               QStringLiteral("the first load did not finish in time: ") + m_window->statusText());
    });
    m_timeout.start(timeoutMs);
    connect(window, &MainWindow::firstLoadDone, this, [this] {
        // The newest event selected: its JSON fills the detail pane, as an operator sees it.
        QTableView *events = m_window->sessionView()->eventsPane()->table();
        const int rows = events->model()->rowCount();
        if (rows > 0)
            events->selectRow(rows - 1);
        settleThenShoot(3);
    });
    connect(window->connection(), &Connection::failed, this, [this](const ApiError &e) {
        if (e.kind == ApiError::Unauthorized || e.kind == ApiError::WrongServer ||
            e.kind == ApiError::BadResponse)
            finish(2, e.describe());
    });
}

void Screenshot::settleThenShoot(int turnsLeft)
{
    // A few event-loop turns: queued layouts, scroll-to-bottom and repaints land first.
    if (turnsLeft > 0) {
        QTimer::singleShot(0, this, [this, turnsLeft] { settleThenShoot(turnsLeft - 1); });
        return;
    }
    // Opaque RGB and zlib at its strongest (quality 0): the smallest PNG of the window.
    const QImage shot = m_window->grab().toImage().convertToFormat(QImage::Format_RGB888);
    if (shot.isNull() || !shot.save(m_file, "PNG", 0)) {
        finish(1, QStringLiteral("could not write ") + m_file);
        return;
    }
    finish(0, QStringLiteral("saved %1 (%2x%3)").arg(m_file).arg(shot.width()).arg(shot.height()));
}

void Screenshot::finish(int code, const QString &message)
{
    if (m_done)
        return;
    m_done = true;
    m_timeout.stop();
    std::fprintf(code == 0 ? stdout : stderr, "afw-admin: %s\n", qPrintable(message));
    Q_EMIT finished(code, message);
    QCoreApplication::exit(code);
}

} // namespace Afw

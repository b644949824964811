// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Afw {

class MainWindow;
struct ApiError;

/**
 * --screenshot: once the window's first load is done (sessions listed, the --session
 * shown with its tree, events and TTLs), renders the window to a PNG and ends the
 * application: 0 saved, 1 not saved, 2 the daemon refused us (key, wrong server),
 * 3 the first load did not finish in time.
 */
class Screenshot : public QObject
{
    Q_OBJECT

public:
    Screenshot(MainWindow *window, const QString &file, int timeoutMs);

Q_SIGNALS:
    void finished(int exitCode, const QString &message);

private:
    void settleThenShoot(int turnsLeft);
    void finish(int code, const QString &message);

    QPointer<MainWindow> m_window;
    QString m_file;
    QTimer m_timeout;
    bool m_done = false;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#include <QApplication>

#include <cstdio>

#include "consoleoptions.h"
#include "mainwindow.h"
#include "screenshot.h"

int main(int argc, char *argv[])
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    // --screenshot on a machine without a display: render offscreen instead of failing.
    const bool headless =
        !qEnvironmentVariableIsSet("DISPLAY") && !qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
    if (args.contains(QStringLiteral("--screenshot")) && headless &&
        !qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ActionFlows"));
    QApplication::setApplicationName(QStringLiteral("afw-admin"));
    QApplication::setApplicationVersion(QStringLiteral(AFW_VERSION));

    QString message;
    bool exitNow = false;
    // The raw argv: QApplication takes "--session" for X11 session management.
    const auto options = Afw::ConsoleOptions::parse(args, QProcessEnvironment::systemEnvironment(),
                                                    &message, &exitNow);
    if (!options) {
        std::fputs(qPrintable(message + u'\n'), exitNow ? stdout : stderr);
        return exitNow ? 0 : 2;
    }
    Afw::MainWindow window(*options);
    if (!options->screenshot.isEmpty())
        new Afw::Screenshot(&window, options->screenshot, options->screenshotTimeoutMs);
    window.show();
    window.start();
    return app.exec();
}

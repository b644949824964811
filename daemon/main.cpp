// SPDX-License-Identifier: MIT
#include <QCoreApplication>

#include <cstdio>

#include "config.h"
#include "daemon.h"
#include "logging.h"
#include "signalwatcher.h"

int main(int argc, char *argv[])
{
    // Qt's own poll() dispatcher costs less per request than the GLib one (~20 % of
    // CPU per request in bench/); an explicit QT_NO_GLIB=0 keeps GLib.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("afwd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AFW_VERSION));

    QStringList errors;
    bool exitNow = false;
    const auto config = Afw::Config::load(app.arguments(), QProcessEnvironment::systemEnvironment(),
                                          &errors, &exitNow);
    if (!config) {
        const QByteArray text = errors.join(u'\n').toLocal8Bit() + '\n';
        std::fputs(text.constData(), exitNow ? stdout : stderr);
        return exitNow ? 0 : 2;
    }
    Afw::setupLogging(config->logLevel);

    Afw::Daemon daemon(*config);
    Afw::SignalWatcher watcher;
    QObject::connect(&watcher, &Afw::SignalWatcher::terminationRequested, &daemon, &Afw::Daemon::shutdown);
    QObject::connect(&daemon, &Afw::Daemon::finished, &app, [] { QCoreApplication::exit(0); });
    QString error;
    if (!daemon.start(&error)) {
        qCCritical(lcDaemon).noquote() << error;
        return 1;
    }
    return app.exec();
}

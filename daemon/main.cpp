// SPDX-License-Identifier: MIT
#include <QCoreApplication>

#include <cstdio>

#include <sys/resource.h>

#include "config.h"
#include "daemon.h"
#include "logging.h"
#include "signalwatcher.h"

namespace {
// Every connection is a descriptor: the soft limit (often 1024) would refuse clients
// long before AFW_MAX_CONNECTIONS.
void raiseFileLimit(const Afw::Config &config)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    const rlim_t wanted = rlim_t(config.maxConnections) + 256;
    if (limit.rlim_cur >= wanted)
        return;
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < wanted)
        qCWarning(lcDaemon) << "open-file limit is" << limit.rlim_cur << "(hard limit): fewer than"
                            << config.maxConnections << "connections (AFW_MAX_CONNECTIONS) will fit";
}
} // namespace

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
    raiseFileLimit(*config);

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

// SPDX-License-Identifier: MIT
#include "redisserver.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

namespace Afw::Test {

namespace {
constexpr int kReadyTimeoutMs = 5000;
constexpr int kStartAttempts = 3; // another process may grab the port between probe and bind
} // namespace

RedisServer::RedisServer()
    : RedisServer(Options{})
{
}

RedisServer::RedisServer(const Options &options)
    : m_options(options)
{
}

RedisServer::~RedisServer()
{
    stop();
}

bool RedisServer::available()
{
    return !QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty();
}

quint16 RedisServer::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:") + QString::number(m_port);
}

QString RedisServer::unixSocketPath() const
{
    return m_dir && m_options.unixSocket ? m_dir->filePath(QStringLiteral("redis.sock"))
                                         : QString();
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool RedisServer::start()
{
    stop();
    if (!available()) {
        m_error = QStringLiteral("redis-server not found on PATH");
        return false;
    }
    // Short path: unix socket paths are limited to 107 bytes.
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/afw-redis-XXXXXX"));
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create temporary directory: ") + m_dir->errorString();
        return false;
    }
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        m_port = freePort();
        if (m_port != 0 && launch())
            return true;
    }
    return false;
}

bool RedisServer::restart()
{
    if (!m_dir || m_port == 0) {
        m_error = QStringLiteral("restart() before start()");
        return false;
    }
    stop();
    return launch();
}

void RedisServer::stop(bool graceful)
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        if (graceful)
            m_process->terminate();
        else
            m_process->kill();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
}

bool RedisServer::launch()
{
    m_error.clear();
    const QString logFile = m_dir->filePath(QStringLiteral("redis.log"));
    QStringList args{QStringLiteral("--port"), QString::number(m_port),
                     QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                     QStringLiteral("--save"), QString(),
                     QStringLiteral("--appendonly"), QStringLiteral("no"),
                     QStringLiteral("--dir"), m_dir->path(),
                     QStringLiteral("--logfile"), logFile};
    if (!m_options.password.isEmpty())
        args << QStringLiteral("--requirepass") << QString::fromUtf8(m_options.password);
    if (m_options.unixSocket)
        args << QStringLiteral("--unixsocket") << unixSocketPath()
             << QStringLiteral("--unixsocketperm") << QStringLiteral("700");

    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->start(QStringLiteral("redis-server"), args);
    if (!m_process->waitForStarted(5000)) {
        m_error = QStringLiteral("cannot start redis-server: ") + m_process->errorString();
        m_process.reset();
        return false;
    }
    if (waitUntilReady())
        return true;
    QFile log(logFile);
    if (log.open(QIODevice::ReadOnly))
        m_error
            += QStringLiteral("\nredis.log:\n") + QString::fromLocal8Bit(log.readAll().right(2000));
    stop();
    return false;
}

bool RedisServer::waitUntilReady()
{
    const QDeadlineTimer deadline(kReadyTimeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning) {
            m_error = QStringLiteral("redis-server exited with code %1 on port %2")
                          .arg(m_process->exitCode())
                          .arg(m_port);
            return false;
        }
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(200)) {
            socket.write("PING\r\n");
            QByteArray answer;
            while (!answer.contains('\n') && socket.waitForReadyRead(200))
                answer += socket.readAll();
            // With --requirepass an unauthenticated PING gets -NOAUTH: still ready.
            if (answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"))
                return true;
        }
        // Short wait on a condition (process exit), not a fixed sleep.
        m_process->waitForFinished(20);
    }
    m_error = QStringLiteral("redis-server on port %1 did not answer PING within %2 ms")
                  .arg(m_port)
                  .arg(kReadyTimeoutMs);
    return false;
}

} // namespace Afw::Test

// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QUrl>

namespace Afw::Test {

/**
 * The real afwd binary (AFWD_BIN) as a child process on a free loopback port, with a
 * clean environment (no AFW_*, PORT, REDIS_URL... from the caller). Killed by PID when
 * the object dies. restart() comes back on the same port, as a restarted daemon would.
 */
class AfwdProcess
{
public:
    struct Options
    {
        QString apiKey;
        QString redisUrl;
        QString redisPrefix;
        QStringList extraArgs;
        QList<std::pair<QString, QString>> env;
        quint16 port = 0; // 0: a free one
    };

    AfwdProcess();
    explicit AfwdProcess(Options options);
    ~AfwdProcess();
    AfwdProcess(const AfwdProcess &) = delete;
    AfwdProcess &operator=(const AfwdProcess &) = delete;

    /** Starts and waits (≤ 10 s) for the start-up line. */
    bool start();
    /** SIGKILL (default) or SIGTERM, then waits for the exit. */
    void stop(bool graceful = false);
    bool restart();
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QUrl url() const; // http://127.0.0.1:port
    qint64 pid() const;
    QString errorString() const { return m_error; }
    QByteArray log() const { return m_stderr; }

    static QString binary(); // AFWD_BIN
    static quint16 freePort();

private:
    bool launch();

    Options m_options;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QByteArray m_stderr;
    QString m_error;
};

} // namespace Afw::Test

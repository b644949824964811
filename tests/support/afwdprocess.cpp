// SPDX-License-Identifier: MIT
#include "afwdprocess.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QTcpServer>
#include <QTest>

#include <csignal>
#include <sys/types.h>

namespace Afw::Test {

namespace {
constexpr int kStartMs = 10000;
constexpr int kAttempts = 3; // the port may be taken between probe and bind
} // namespace

AfwdProcess::AfwdProcess() : AfwdProcess(Options{})
{
}

AfwdProcess::AfwdProcess(Options options) : m_options(std::move(options))
{
}

AfwdProcess::~AfwdProcess()
{
    stop();
}

QString AfwdProcess::binary()
{
    return qEnvironmentVariable("AFWD_BIN");
}

quint16 AfwdProcess::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QUrl AfwdProcess::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:") + QString::number(m_port));
}

qint64 AfwdProcess::pid() const
{
    return m_process ? m_process->processId() : 0;
}

bool AfwdProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool AfwdProcess::start()
{
    stop();
    if (!QFileInfo(binary()).isExecutable()) {
        m_error = QStringLiteral("AFWD_BIN does not name an executable: ") + binary();
        return false;
    }
    if (m_options.port) {
        m_port = m_options.port;
        return launch();
    }
    for (int i = 0; i < kAttempts; ++i) {
        m_port = freePort();
        if (m_port && launch())
            return true;
    }
    return false;
}

bool AfwdProcess::restart()
{
    stop();
    // The old socket may linger a moment; the new daemon retries the same port.
    for (int i = 0; i < kAttempts; ++i) {
        if (launch())
            return true;
    }
    return false;
}

void AfwdProcess::stop(bool graceful)
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process->processId()), graceful ? SIGTERM : SIGKILL);
        if (!m_process->waitForFinished(5000)) {
            ::kill(pid_t(m_process->processId()), SIGKILL);
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
}

bool AfwdProcess::launch()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &k : keys) {
        if (k.startsWith(QLatin1String("AFW_")) && k != QLatin1String("AFWD_BIN"))
            env.remove(k);
    }
    for (const char *k : {"PORT", "HOST", "REDIS_URL", "REDIS_PREFIX", "LOG_LEVEL",
                          "JOURNAL_STREAM", "QT_LOGGING_RULES", "QT_MESSAGE_PATTERN"})
        env.remove(QLatin1String(k));
    if (!m_options.apiKey.isEmpty())
        env.insert(QStringLiteral("AFW_API_KEY"), m_options.apiKey);
    if (!m_options.redisUrl.isEmpty())
        env.insert(QStringLiteral("REDIS_URL"), m_options.redisUrl);
    if (!m_options.redisPrefix.isEmpty())
        env.insert(QStringLiteral("REDIS_PREFIX"), m_options.redisPrefix);
    for (const auto &[k, v] : m_options.env)
        env.insert(k, v);

    m_stderr.clear();
    m_error.clear();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessEnvironment(env);
    m_process->setStandardOutputFile(QProcess::nullDevice());
    QProcess *p = m_process.get();
    QObject::connect(p, &QProcess::readyReadStandardError, p,
                     [this, p] { m_stderr += p->readAllStandardError(); });
    p->start(binary(),
             QStringList{QStringLiteral("--port"), QString::number(m_port)} + m_options.extraArgs);
    const bool up = QTest::qWaitFor(
        [this, p] { return m_stderr.contains("listening") || p->state() == QProcess::NotRunning; },
        kStartMs);
    if (up && m_stderr.contains("listening"))
        return true;
    m_error = QStringLiteral("afwd did not start on port %1: %2")
                  .arg(m_port)
                  .arg(QString::fromUtf8(m_stderr));
    stop();
    return false;
}

} // namespace Afw::Test

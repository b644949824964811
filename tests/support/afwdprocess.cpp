// SPDX-License-Identifier: MIT
#include "afwdprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QTcpServer>
#include <QTest>

#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

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

QProcessEnvironment AfwdProcess::cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &k : keys) {
        if (k.startsWith(QLatin1String("AFW_")) && k != QLatin1String("AFWD_BIN"))
            env.remove(k);
    }
    for (const char *k : {"PORT", "HOST", "REDIS_URL", "REDIS_PREFIX", "LOG_LEVEL", "JOURNAL_STREAM",
                          "QT_LOGGING_RULES", "QT_MESSAGE_PATTERN"})
        env.remove(QLatin1String(k));
    return env;
}

double AfwdProcess::cpuSeconds() const
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid()));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // Fields after the command name (which may hold spaces): state is field 3, utime 14.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    return double(fields[11].toLongLong() + fields[12].toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

qint64 AfwdProcess::rssKb() const
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid()));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int AfwdProcess::openDescriptors() const
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(pid())).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size());
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
    QProcessEnvironment env = cleanEnvironment();
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
    // Up when it answers (whatever the log level); a port someone else took shows as
    // an exit with "cannot listen".
    const bool up = QTest::qWaitFor(
        [this, p] {
            return p->state() == QProcess::NotRunning
                || (p->state() == QProcess::Running && rawRequest(m_port, "GET", "/health", {}, 1000).status != 0);
        },
        kStartMs);
    if (up && p->state() == QProcess::Running)
        return true;
    m_error = QStringLiteral("afwd did not start on port %1: %2")
                  .arg(m_port)
                  .arg(QString::fromUtf8(m_stderr));
    stop();
    return false;
}

// ---------------------------------------------------------------- RawClient

namespace {
// Milliseconds left of a deadline, for poll().
int remaining(const QElapsedTimer &t, int timeoutMs)
{
    return int(std::max<qint64>(0, timeoutMs - t.elapsed()));
}
} // namespace

RawClient::~RawClient()
{
    close();
}

RawClient::RawClient(RawClient &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)), m_closed(other.m_closed) {}

bool RawClient::connectTo(quint16 port)
{
    close();
    m_closed = false;
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        close();
        return false;
    }
    return true;
}

bool RawClient::send(const QByteArray &bytes, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    qsizetype sent = 0;
    while (sent < bytes.size()) {
        pollfd p{m_fd, POLLOUT, 0};
        if (::poll(&p, 1, remaining(t, timeoutMs)) <= 0 || (p.revents & (POLLERR | POLLHUP)))
            return false;
        const ssize_t n = ::send(m_fd, bytes.data() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            m_closed = true;
            return false;
        }
        sent += n;
    }
    return true;
}

qint64 RawClient::stream(const QByteArray &head, qint64 total, qint64 limit, qint64 *limitAtMs, qint64 *answerAtMs,
                         int timeoutMs)
{
    static const QByteArray filler(64 * 1024, 'a');
    QElapsedTimer t;
    t.start();
    *limitAtMs = -1;
    *answerAtMs = -1;
    qint64 sent = 0;
    while (t.elapsed() < timeoutMs) {
        pollfd p{m_fd, short(POLLIN | (sent < total ? POLLOUT : 0)), 0};
        if (::poll(&p, 1, remaining(t, timeoutMs)) <= 0)
            break;
        if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
            *answerAtMs = t.elapsed(); // an answer, a close or a reset: the server has spoken
            break;
        }
        const QByteArrayView chunk = sent < head.size() ? QByteArrayView(head).sliced(sent) : QByteArrayView(filler);
        const qint64 n = ::send(m_fd, chunk.data(), size_t(std::min<qint64>(chunk.size(), total - sent)),
                                MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            *answerAtMs = t.elapsed();
            m_closed = true;
            break;
        }
        sent += n;
        if (*limitAtMs < 0 && sent >= limit)
            *limitAtMs = t.elapsed();
    }
    return sent;
}

QByteArray RawClient::readUntil(const std::function<bool(const QByteArray &)> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    QByteArray got;
    char buf[65536];
    while (!done(got) && !m_closed) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, remaining(t, timeoutMs)) <= 0)
            break;
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            m_closed = true; // closed (0) or reset (-1)
            break;
        }
        got.append(buf, n);
    }
    return got;
}

bool RawClient::readUntilClosed(QByteArray *received, int timeoutMs)
{
    *received = readUntil([](const QByteArray &) { return false; }, timeoutMs);
    return m_closed;
}

void RawClient::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

// ---------------------------------------------------------------- responses

QByteArray RawResponse::header(const QByteArray &lowerName) const
{
    for (const auto &[k, v] : headers) {
        if (k == lowerName)
            return v;
    }
    return {};
}

QList<RawResponse> parseResponses(const QByteArray &bytes)
{
    QList<RawResponse> out;
    qsizetype pos = 0;
    for (;;) {
        const qsizetype end = bytes.indexOf("\r\n\r\n", pos);
        if (end < 0)
            return out;
        const QList<QByteArray> lines = bytes.mid(pos, end - pos).split('\n');
        RawResponse r;
        r.status = lines.value(0).split(' ').value(1).toInt();
        qint64 length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon < 0)
                continue;
            const QByteArray name = lines[i].left(colon).trimmed().toLower();
            const QByteArray value = lines[i].mid(colon + 1).trimmed();
            r.headers.append({name, value});
            if (name == "content-length")
                length = value.toLongLong();
        }
        if (bytes.size() < end + 4 + length)
            return out;
        r.body = bytes.mid(end + 4, length);
        out.append(r);
        pos = end + 4 + length;
    }
}

std::function<bool(const QByteArray &)> responsesArrived(int n)
{
    return [n](const QByteArray &got) { return parseResponses(got).size() >= n; };
}

RawResponse rawRequest(quint16 port, const QByteArray &method, const QByteArray &target, const QByteArray &body,
                       int timeoutMs)
{
    RawClient c;
    if (!c.connectTo(port))
        return {};
    QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    req += "\r\n" + body;
    if (!c.send(req, timeoutMs))
        return {};
    return parseResponses(c.readUntil(responsesArrived(1), timeoutMs)).value(0);
}

qint64 raiseOpenFileLimit()
{
    rlimit l{};
    if (getrlimit(RLIMIT_NOFILE, &l) != 0)
        return -1;
    l.rlim_cur = l.rlim_max;
    setrlimit(RLIMIT_NOFILE, &l);
    getrlimit(RLIMIT_NOFILE, &l);
    return qint64(l.rlim_cur);
}

} // namespace Afw::Test

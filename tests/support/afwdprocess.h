// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QUrl>

namespace Afw::Test {

/**
 * The real afwd binary (AFWD_BIN) as a child process on a free loopback port, with a
 * clean environment (no AFW_*, PORT, REDIS_URL... from the caller). Killed by PID when
 * the object dies. restart() comes back on the same port, as a restarted daemon would.
 * Watched from outside the way an operator would: its CPU time, resident memory and
 * open descriptors, read from /proc.
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

    /** Starts and waits (≤ 10 s) until it answers /health, at any log level. */
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
    /** The caller's environment without any afwd setting. */
    static QProcessEnvironment cleanEnvironment();

    double cpuSeconds() const; // user + system
    qint64 rssKb() const;
    int openDescriptors() const;

private:
    bool launch();

    Options m_options;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QByteArray m_stderr;
    QString m_error;
};

/**
 * A blocking loopback TCP client on a plain socket, for what no HTTP library will send:
 * malformed heads, endless headers, uploads that never end, thousands of idle
 * connections. Every wait is bounded and ends as soon as its condition holds.
 */
class RawClient
{
public:
    RawClient() = default;
    ~RawClient();
    RawClient(RawClient &&other) noexcept;
    RawClient(const RawClient &) = delete;
    RawClient &operator=(const RawClient &) = delete;

    bool connectTo(quint16 port);
    /** false when the peer closed or reset the connection (or the time ran out). */
    bool send(const QByteArray &bytes, int timeoutMs = 5000);
    /**
     * Streams `total` bytes of filler after `head` until the peer answers, closes or
     * resets. *limitAtMs: when the amount sent first reached `limit` (ms since start),
     * *answerAtMs: when the answer or close came (-1 if neither did).
     */
    qint64 stream(const QByteArray &head, qint64 total, qint64 limit, qint64 *limitAtMs, qint64 *answerAtMs,
                  int timeoutMs = 10000);
    /** Reads until done(received) holds, the peer closes, or the time runs out. */
    QByteArray readUntil(const std::function<bool(const QByteArray &)> &done, int timeoutMs = 5000);
    /** Reads until the peer closes (or resets); false if it does not within the time. */
    bool readUntilClosed(QByteArray *received, int timeoutMs = 5000);
    bool peerClosed() const { return m_closed; }
    void close();

private:
    int m_fd = -1;
    bool m_closed = false;
};

struct RawResponse
{
    int status = 0;
    QList<std::pair<QByteArray, QByteArray>> headers; // names lower-case
    QByteArray body;
    QByteArray header(const QByteArray &lowerName) const;
};

/** The complete responses at the front of `bytes` (Content-Length framed). */
QList<RawResponse> parseResponses(const QByteArray &bytes);
/** A readUntil() condition: `n` complete responses arrived. */
std::function<bool(const QByteArray &)> responsesArrived(int n);

/** One request on a fresh connection with Connection: close; the response (status 0: none). */
RawResponse rawRequest(quint16 port, const QByteArray &method, const QByteArray &target,
                       const QByteArray &body = {}, int timeoutMs = 5000);

/** Raises this process's open-file soft limit to its hard limit; returns the new limit. */
qint64 raiseOpenFileLimit();

} // namespace Afw::Test

// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>

#include <functional>
#include <memory>

namespace Afw::Test {

/**
 * The real afwd binary (AFWD_BIN) as a child process on a free loopback port, watched
 * from outside the way an operator would: its CPU time, resident memory and open
 * descriptors, read from /proc. SIGKILLed when the object dies.
 */
class AfwdProcess
{
public:
    AfwdProcess() = default;
    ~AfwdProcess();
    AfwdProcess(const AfwdProcess &) = delete;
    AfwdProcess &operator=(const AfwdProcess &) = delete;

    /** An environment with no afwd setting inherited from the caller's. */
    static QProcessEnvironment cleanEnvironment();
    /** Starts on a free port (PORT is set here) and waits until it answers /health. */
    bool start(QProcessEnvironment env, QString *error);
    void kill();

    quint16 port() const { return m_port; }
    qint64 pid() const;
    QByteArray output() const; // stderr so far

    double cpuSeconds() const; // user + system
    qint64 rssKb() const;
    int openDescriptors() const;

private:
    std::unique_ptr<QProcess> m_process;
    std::shared_ptr<QByteArray> m_stderr = std::make_shared<QByteArray>();
    quint16 m_port = 0;
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

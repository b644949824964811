// SPDX-License-Identifier: MIT
#include "connection.h"

#include "guilog.h"

namespace Afw {

namespace {
constexpr int kRecheckMs = 3000;
} // namespace

Connection::Connection(QObject *parent) : QObject(parent)
{
    m_clock.start();
    m_socket.setKeepAliveInterval(15000);
    m_socket.setReconnectDelays(250, 5000);
    m_retry.setSingleShot(true);
    m_retry.setInterval(kRecheckMs);
    connect(&m_retry, &QTimer::timeout, this, &Connection::check);
    connect(&m_socket, &EventSocket::opened, this, [this] {
        setState(State::Live);
        if (m_wasLive)
            Q_EMIT resumed();
        m_wasLive = true;
    });
    connect(&m_socket, &EventSocket::reconnectScheduled, this, [this](int delayMs, int attempt) {
        m_reconnectDelayMs = delayMs;
        m_reconnectAttempt = attempt;
        m_reconnectClock.start();
        if (m_state != State::Disconnected && m_state != State::Failed) {
            m_state = State::Disconnected; // force the signal: the countdown text changed
            setState(State::Reconnecting);
        }
    });
    connect(&m_socket, &EventSocket::eventReceived, this, &Connection::countEvent);
}

void Connection::connectTo(const QUrl &url, const QString &apiKey)
{
    m_socket.close();
    m_url = url;
    m_apiKey = apiKey;
    m_api.setBaseUrl(url);
    m_api.setApiKey(apiKey);
    m_wasLive = false;
    m_error = {};
    check();
}

void Connection::disconnectFromServer()
{
    m_retry.stop();
    m_socket.close();
    setState(State::Disconnected);
}

void Connection::check()
{
    setState(State::Checking);
    m_api.checkServer(this, [this](const ApiResult<ServerInfo> &r) {
        if (!r.ok()) {
            m_error = r.error;
            qCInfo(lcGui).noquote() << "connect failed:" << r.error.describe();
            setState(State::Failed);
            Q_EMIT failed(r.error);
            // Unreachable or down: try again. A wrong key or server will not fix itself.
            if (r.error.kind == ApiError::Unreachable || r.error.kind == ApiError::Timeout ||
                r.error.kind == ApiError::Unavailable)
                m_retry.start();
            return;
        }
        m_error = {};
        m_server = r.value;
        Q_EMIT serverReady(m_server);
        m_socket.setReceiveAll(true);
        m_socket.open(m_url, m_apiKey);
    });
}

void Connection::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    Q_EMIT stateChanged(s);
}

void Connection::countEvent()
{
    const qint64 second = m_clock.elapsed() / 1000;
    Bucket &b = m_buckets[size_t(second % kRateSeconds)];
    if (b.second != second)
        b = {second, 0};
    ++b.count;
}

double Connection::eventsPerSecond() const
{
    // Whole seconds only: the current one is still filling.
    const qint64 now = m_clock.elapsed() / 1000;
    int total = 0;
    for (const Bucket &b : m_buckets) {
        if (b.second >= now - (kRateSeconds - 1) && b.second < now)
            total += b.count;
    }
    return double(total) / double(kRateSeconds - 1);
}

QString Connection::stateText() const
{
    switch (m_state) {
    case State::Disconnected:
        return tr("Not connected");
    case State::Checking:
        return tr("Connecting to %1…").arg(m_url.toDisplayString());
    case State::Live:
        return tr("Live");
    case State::Reconnecting: {
        const qint64 left = std::max<qint64>(0, m_reconnectDelayMs - m_reconnectClock.elapsed());
        return tr("Connection lost — reconnecting in %1 s (attempt %2)")
            .arg((left + 999) / 1000)
            .arg(m_reconnectAttempt);
    }
    case State::Failed:
        return m_error.describe();
    }
    return {};
}

} // namespace Afw

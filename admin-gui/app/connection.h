// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <array>

#include "apiclient.h"
#include "eventsocket.h"

namespace Afw {

/**
 * The console's link to one daemon: the REST client, the event socket, and one state
 * for the status bar. Connecting checks the server first (is it afwd, does it take the
 * key), then opens the socket, which from then on reconnects by itself; an unreachable
 * daemon is checked again every few seconds.
 */
class Connection : public QObject
{
    Q_OBJECT

public:
    enum class State { Disconnected, Checking, Live, Reconnecting, Failed };
    Q_ENUM(State)

    explicit Connection(QObject *parent = nullptr);

    ApiClient *api() { return &m_api; }
    EventSocket *socket() { return &m_socket; }

    void connectTo(const QUrl &url, const QString &apiKey);
    void disconnectFromServer();
    /** How soon an unreachable daemon is checked again (default 3 s). */
    void setRecheckInterval(int ms) { m_retry.setInterval(ms); }

    State state() const { return m_state; }
    QUrl url() const { return m_url; }
    QString apiKey() const { return m_apiKey; }
    const ServerInfo &server() const { return m_server; }
    const ApiError &lastError() const { return m_error; }
    /** Events received over the socket per second, over the last few seconds. */
    double eventsPerSecond() const;
    /** One line for the status bar: "Live", "Reconnecting in 2 s (attempt 3)", the error. */
    QString stateText() const;

Q_SIGNALS:
    void stateChanged(Afw::Connection::State state);
    /** The server check passed: REST can be used (the socket may still be opening). */
    void serverReady(const Afw::ServerInfo &info);
    /** The socket came back after a loss: what happened meanwhile must be fetched again. */
    void resumed();
    void failed(const Afw::ApiError &error);

private:
    void check();
    void setState(State s);
    void countEvent();

    ApiClient m_api;
    EventSocket m_socket;
    QUrl m_url;
    QString m_apiKey;
    State m_state = State::Disconnected;
    ServerInfo m_server;
    ApiError m_error;
    bool m_wasLive = false;
    QTimer m_retry;
    int m_reconnectDelayMs = 0;
    int m_reconnectAttempt = 0;
    QElapsedTimer m_reconnectClock;
    // Events per second of the monotonic clock, a ring over the last kRateSeconds.
    static constexpr int kRateSeconds = 5;
    struct Bucket
    {
        qint64 second = -1;
        int count = 0;
    };
    std::array<Bucket, kRateSeconds> m_buckets{};
    QElapsedTimer m_clock;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <array>

namespace Afw {

// Counters for /metrics, rendered in the Prometheus text exposition format.
// Single-threaded (the daemon's event loop), so plain integers.
class Metrics
{
public:
    void observeHttp(const QString &route, int status, double seconds);
    void observeStorage(const char *op, double seconds, bool error);
    void addEventsIngested(qint64 n) { m_eventsIngested += n; }
    void setWsClients(qint64 n) { m_wsClients = n; }
    void addWsSent(qint64 messages) { m_wsSent += messages; }
    void addWsDropped(qint64 messages) { m_wsDropped += messages; }
    void addWsDisconnectedSlow() { ++m_wsSlowDisconnects; }
    void setHttpConnections(qint64 n) { m_httpConnections = n; }
    // A connection the HTTP guard closed: "over_capacity", "too_large", "timeout",
    // "malformed", "unread_responses", "idle".
    void addHttpClosed(const char *reason) { ++m_httpClosed[QByteArray(reason)]; }
    void setStorage(const QString &backend, bool connected)
    {
        m_backend = backend;
        m_storageUp = connected;
    }

    QByteArray render() const;

private:
    static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
    struct Histogram
    {
        std::array<quint64, kBuckets.size()> buckets{};
        quint64 count = 0;
        double sum = 0;
        void observe(double v);
        void render(QByteArray &out, const QByteArray &name, const QByteArray &labels) const;
    };

    QHash<QString, QHash<int, quint64>> m_requests; // route -> status -> count
    QHash<QString, Histogram> m_latency;            // route
    QHash<QByteArray, Histogram> m_storageLatency;  // op
    QHash<QByteArray, quint64> m_storageErrors;     // op
    qint64 m_eventsIngested = 0;
    qint64 m_wsClients = 0;
    qint64 m_wsSent = 0;
    qint64 m_wsDropped = 0;
    qint64 m_wsSlowDisconnects = 0;
    qint64 m_httpConnections = 0;
    QHash<QByteArray, quint64> m_httpClosed;
    QString m_backend;
    bool m_storageUp = true;
};

} // namespace Afw

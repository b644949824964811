// SPDX-License-Identifier: MIT
#include "metrics.h"

namespace Afw {

void Metrics::Histogram::observe(double v)
{
    for (size_t i = 0; i < kBuckets.size(); ++i) {
        if (v <= kBuckets[i])
            ++buckets[i];
    }
    ++count;
    sum += v;
}

void Metrics::Histogram::render(QByteArray &out, const QByteArray &name,
                                const QByteArray &labels) const
{
    const QByteArray sep = labels.isEmpty() ? QByteArray() : labels + ',';
    for (size_t i = 0; i < kBuckets.size(); ++i) {
        out += name + "_bucket{" + sep + "le=\"" + QByteArray::number(kBuckets[i]) + "\"} "
               + QByteArray::number(buckets[i]) + '\n';
    }
    out += name + "_bucket{" + sep + "le=\"+Inf\"} " + QByteArray::number(count) + '\n';
    out += name + "_sum{" + labels + "} " + QByteArray::number(sum, 'g', 9) + '\n';
    out += name + "_count{" + labels + "} " + QByteArray::number(count) + '\n';
}

void Metrics::observeHttp(const QString &route, int status, double seconds)
{
    ++m_requests[route][status];
    m_latency[route].observe(seconds);
}

void Metrics::observeStorage(const char *op, double seconds, bool error)
{
    const QByteArray key(op);
    m_storageLatency[key].observe(seconds);
    if (error)
        ++m_storageErrors[key];
}

QByteArray Metrics::render() const
{
    QByteArray out;
    out.reserve(8192);
    auto header = [&out](const char *name, const char *type, const char *help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };
    header("afw_http_requests_total", "counter", "HTTP requests by route and status.");
    for (auto r = m_requests.cbegin(); r != m_requests.cend(); ++r) {
        for (auto s = r->cbegin(); s != r->cend(); ++s) {
            out += "afw_http_requests_total{route=\"" + r.key().toUtf8() + "\",status=\""
                   + QByteArray::number(s.key()) + "\"} " + QByteArray::number(s.value()) + '\n';
        }
    }
    header("afw_http_request_duration_seconds", "histogram", "HTTP request latency by route.");
    for (auto it = m_latency.cbegin(); it != m_latency.cend(); ++it)
        it->render(out, "afw_http_request_duration_seconds", "route=\"" + it.key().toUtf8() + '"');
    header("afw_http_connections", "gauge", "Open TCP connections (HTTP and WebSocket).");
    out += "afw_http_connections " + QByteArray::number(m_httpConnections) + '\n';
    header("afw_http_connections_closed_total", "counter",
           "Connections the server closed, by reason (limits, time-outs, idle).");
    for (auto it = m_httpClosed.cbegin(); it != m_httpClosed.cend(); ++it)
        out += "afw_http_connections_closed_total{reason=\"" + it.key() + "\"} " + QByteArray::number(*it) + '\n';
    header("afw_events_ingested_total", "counter", "Events stored through this instance.");
    out += "afw_events_ingested_total " + QByteArray::number(m_eventsIngested) + '\n';
    header("afw_ws_clients", "gauge", "Connected WebSocket clients.");
    out += "afw_ws_clients " + QByteArray::number(m_wsClients) + '\n';
    header("afw_ws_messages_sent_total", "counter", "WebSocket messages sent.");
    out += "afw_ws_messages_sent_total " + QByteArray::number(m_wsSent) + '\n';
    header("afw_ws_messages_dropped_total", "counter",
           "WebSocket messages not delivered (client over its backlog bound).");
    out += "afw_ws_messages_dropped_total " + QByteArray::number(m_wsDropped) + '\n';
    header("afw_ws_slow_disconnects_total", "counter", "Clients disconnected for a full backlog.");
    out += "afw_ws_slow_disconnects_total " + QByteArray::number(m_wsSlowDisconnects) + '\n';
    header("afw_storage_operation_duration_seconds", "histogram", "Storage operation latency.");
    for (auto it = m_storageLatency.cbegin(); it != m_storageLatency.cend(); ++it)
        it->render(out, "afw_storage_operation_duration_seconds", "op=\"" + it.key() + '"');
    header("afw_storage_errors_total", "counter", "Storage operations that failed.");
    for (auto it = m_storageErrors.cbegin(); it != m_storageErrors.cend(); ++it)
        out += "afw_storage_errors_total{op=\"" + it.key() + "\"} " + QByteArray::number(*it) + '\n';
    header("afw_storage_up", "gauge", "1 when the storage backend is reachable (Redis connected).");
    out += "afw_storage_up{backend=\"" + m_backend.toUtf8() + "\"} " + (m_storageUp ? "1" : "0")
           + '\n';
    return out;
}

} // namespace Afw

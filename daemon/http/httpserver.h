// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractHttpServer>

#include "limits.h"
#include "router.h"
#include "upgrades.h"

namespace Afw {

class HttpListener;
class Metrics;

// HTTP is Qt's (QAbstractHttpServer); what stands around it is ours: the guarded
// listener (limits Qt 6.4 lacks), the checks of each request's head, the route table
// with its access rule per route, CORS preflight, and the WebSocket upgrades on /ws
// (path and key checked before Qt accepts them).
class HttpServer final : public QAbstractHttpServer, public WebSocketUpgrades
{
    Q_OBJECT
public:
    HttpServer(const Config &config, Metrics *metrics, QObject *parent = nullptr);
    ~HttpServer() override;

    Router &router() { return m_router; }

    // The port listened on; 0 on failure.
    quint16 listen(const QString &host, quint16 port);
    void stopListening();

    std::unique_ptr<QWebSocket> nextUpgraded() override;
    UpgradedWire wireOf(const QWebSocket *webSocket) const override;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    bool isAuthorized(const QHttpServerRequest &request, bool allowQueryKey) const;
    void dispatch(Call &call);

    HttpLimits m_limits;
    QByteArray m_apiKey;
    Metrics *m_metrics;
    Router m_router;
    HttpListener *m_listener = nullptr;
};

} // namespace Afw

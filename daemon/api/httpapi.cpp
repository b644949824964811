// SPDX-License-Identifier: MIT
#include "httpapi.h"

#include "api/routes.h"
#include "http/httpserver.h"

namespace Afw {

HttpApi::HttpApi(const Config &config, Storage *storage, Metrics *metrics, HttpServer *server)
    : QObject(server), m_ctx{config, storage, metrics, this, {}}
{
    m_ctx.uptime.start();
    Router &r = server->router();
    Api::addStatusRoutes(r, m_ctx);
    Api::addSessionRoutes(r, m_ctx);
    Api::addEventRoutes(r, m_ctx);
    Api::addQueueRoutes(r, m_ctx);
    Api::addUserRoutes(r, m_ctx);
}

} // namespace Afw

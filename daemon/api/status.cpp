// SPDX-License-Identifier: MIT
// GET /health, GET /metrics, and GET /ws without an upgrade.
#include "api/routes.h"
#include "timeutil.h"

namespace Afw::Api {

void addStatusRoutes(Router &router, const ApiContext &ctx)
{
    router.add(
        Method::Get, QStringLiteral("/health"),
        [&ctx](Call &c) {
            const bool up = ctx.storage->isAvailable();
            QJsonObject o{
                {QStringLiteral("status"), up ? QStringLiteral("ok") : QStringLiteral("degraded")},
                {QStringLiteral("timestamp"), nowIso()},
                {QStringLiteral("uptime"), double(ctx.uptime.elapsed()) / 1000.0},
                {QStringLiteral("storage"), ctx.storage->backendName()},
                {QStringLiteral("version"), QStringLiteral(AFW_VERSION)}};
            if (!up)
                o.insert(QStringLiteral("reason"), ctx.storage->unavailableReason());
            c.reply->json(up ? 200 : 503, o);
        },
        Access::Open);
    router.add(
        Method::Get, QStringLiteral("/metrics"),
        [&ctx](Call &c) {
            ctx.metrics->setStorage(ctx.storage->backendName(), ctx.storage->isAvailable());
            c.reply->send(200, ctx.metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
        },
        Access::Read);
    router.add(
        Method::Get, QStringLiteral("/ws"),
        [](Call &c) {
            c.reply->fail(
                Problem::UpgradeExpected,
                {{QStringLiteral("message"), QStringLiteral("connect with a WebSocket client")}});
        },
        Access::Read);
}

} // namespace Afw::Api

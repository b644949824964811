// SPDX-License-Identifier: MIT
#pragma once

#include "api/apicontext.h"
#include "http/router.h"

// The routes of each resource (API.md), registered by HttpApi.
namespace Afw::Api {

// A handler taking (ctx, call), as a route's Handler.
template <typename F> Handler bound(const ApiContext &ctx, F fn)
{
    return [&ctx, fn](Call &c) { fn(ctx, c); };
}

void addStatusRoutes(Router &router,
                     const ApiContext &ctx); // /health, /metrics, /ws without upgrade
void addSessionRoutes(Router &router, const ApiContext &ctx); // /api/sessions...
void addEventRoutes(Router &router, const ApiContext &ctx);   // /api/events...
void addQueueRoutes(Router &router, const ApiContext &ctx);   // commands, acks, input
void addUserRoutes(Router &router, const ApiContext &ctx);    // /api/users...

} // namespace Afw::Api

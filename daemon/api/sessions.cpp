// SPDX-License-Identifier: MIT
// /api/sessions: create, list, read, update, delete; a session's chains and TTLs.
#include <QJsonArray>

#include <limits>

#include "api/routes.h"
#include "fold.h"
#include "ids.h"
#include "timeutil.h"

namespace Afw::Api {

namespace {
// The whole session object, as GET /api/sessions/:id gives it: the record, its chains,
// currentChain and the derived counters.
void replySession(const ApiContext &ctx, const ReplyPtr &reply, const Session &session, int status)
{
    ctx.whenReady(ctx.storage->chains(session.id), "chains", reply,
                  [reply, session, status](const ChainFold &ch) {
                      QJsonObject o = session.toJson();
                      ch.decorateSession(o);
                      reply->json(status, o);
                  });
}

void createSession(const ApiContext &ctx, Call &c)
{
    const auto body = c.bodyObject();
    if (!body)
        return;
    const QJsonValue cwd = body->value(QStringLiteral("cwd"));
    if (!cwd.isString() || cwd.toString().isEmpty()) {
        c.reply->fail(Problem::MissingField, {{QStringLiteral("field"), QStringLiteral("cwd")},
                                              {QStringLiteral("message"),
                                               QStringLiteral("cwd must be a non-empty string")}});
        return;
    }
    for (const char *field : {"hostname", "platform", "userId", "id"}) {
        const QJsonValue v = body->value(QLatin1String(field));
        if (v.isUndefined() || v.isNull())
            continue;
        const bool isId = qstrcmp(field, "userId") == 0 || qstrcmp(field, "id") == 0;
        if (!v.isString() || (isId && !isValidId(v.toString()))) {
            c.reply->fail(isId ? Problem::InvalidId : Problem::InvalidField,
                          {{QStringLiteral("field"), QLatin1String(field)}});
            return;
        }
    }
    Session s;
    s.cwd = cwd.toString();
    s.hostname = body->value(QStringLiteral("hostname")).toString();
    s.platform = body->value(QStringLiteral("platform")).toString();
    s.user = body->value(QStringLiteral("userId")).toString();
    s.startedAtMs = nowMs();
    s.id = body->value(QStringLiteral("id")).toString();
    if (s.id.isEmpty())
        s.id = makeSessionId(s.startedAtMs);
    ctx.whenReady(ctx.storage->createSession(s), "createSession", c.reply,
                  [&ctx, reply = c.reply](const CreatedSession &r) {
                      replySession(ctx, reply, r.session, r.created ? 201 : 200);
                  });
}

void listSessions(const ApiContext &ctx, Call &c)
{
    SessionFilter f;
    f.status = c.query.queryItemValue(QStringLiteral("status"));
    f.user = c.query.queryItemValue(QStringLiteral("user"));
    if (!f.status.isEmpty() && !statusFromString(f.status)) {
        c.reply->fail(Problem::InvalidStatus, {{QStringLiteral("received"), f.status}});
        return;
    }
    if (!f.user.isEmpty() && !isValidId(f.user)) {
        c.reply->fail(Problem::InvalidId, {{QStringLiteral("parameter"), QStringLiteral("user")}});
        return;
    }
    const auto limit = c.intParam("limit", 100, 1, 1000);
    if (!limit)
        return;
    const auto offset = c.intParam("offset", 0, 0, std::numeric_limits<int>::max());
    if (!offset)
        return;
    f.limit = *limit;
    f.offset = *offset;
    ctx.whenReady(ctx.storage->listSessions(f), "listSessions", c.reply,
                  [reply = c.reply](const QList<SessionRow> &rows) {
                      QJsonArray arr;
                      for (const auto &row : rows) {
                          QJsonObject o = row.session.toSummaryJson(row.chainsCount);
                          if (row.currentChain) // v1.1: the dashboard reads currentChain.steps
                              o.insert(QStringLiteral("currentChain"), row.currentChain->toJson());
                          arr.append(o);
                      }
                      reply->json(200, {{QStringLiteral("count"), arr.size()},
                                        {QStringLiteral("sessions"), arr}});
                  });
}

void updateSession(const ApiContext &ctx, Call &c)
{
    const auto body = c.bodyObject();
    if (!body)
        return;
    SessionUpdate u;
    const QJsonValue status = body->value(QStringLiteral("status"));
    if (!status.isUndefined()) {
        u.status = statusFromString(status.toString());
        if (!status.isString() || !u.status) {
            c.reply->fail(Problem::InvalidStatus,
                          {{QStringLiteral("validStatuses"),
                            QJsonArray{QStringLiteral("pending"), QStringLiteral("in_progress"),
                                       QStringLiteral("completed"), QStringLiteral("failed"),
                                       QStringLiteral("skipped")}},
                           {QStringLiteral("received"), status}});
            return;
        }
    }
    for (const char *field : {"summary", "endReason"}) {
        const QJsonValue v = body->value(QLatin1String(field));
        if (v.isUndefined())
            continue;
        if (!v.isString()) {
            c.reply->fail(Problem::InvalidField, {{QStringLiteral("field"), QLatin1String(field)}});
            return;
        }
        (qstrcmp(field, "summary") == 0 ? u.summary : u.endReason) = v.toString();
    }
    const QString id = c.params.at(0);
    ctx.whenReady(
        ctx.storage->updateSession(id, u), "updateSession", c.reply,
        [reply = c.reply](const Session &s) { reply->json(200, s.toJson()); }, id);
}

void sessionTtl(const ApiContext &ctx, Call &c)
{
    const QString id = c.params.at(0);
    ctx.whenReady(
        ctx.storage->ttl(id), "ttl", c.reply, [&ctx, id, reply = c.reply](const TtlInfo &t) {
            reply->json(
                200, {{QStringLiteral("sessionId"), id},
                      {QStringLiteral("storage"), ctx.storage->backendName()},
                      {QStringLiteral("ttl"), QJsonObject{{QStringLiteral("session"), t.session},
                                                          {QStringLiteral("events"), t.events},
                                                          {QStringLiteral("chains"), t.chains},
                                                          {QStringLiteral("commands"), t.commands},
                                                          {QStringLiteral("input"), t.input}}}});
        });
}
void getSession(const ApiContext &ctx, Call &c)
{
    const QString id = c.params.at(0);
    ctx.whenReady(
        ctx.storage->getSession(id), "getSession", c.reply,
        [&ctx, reply = c.reply](const Session &s) { replySession(ctx, reply, s, 200); }, id);
}

void deleteSession(const ApiContext &ctx, Call &c)
{
    const QString id = c.params.at(0);
    ctx.whenReady(
        ctx.storage->deleteSession(id), "deleteSession", c.reply,
        [reply = c.reply](bool) { reply->send(204, {}); }, id);
}

void sessionChains(const ApiContext &ctx, Call &c)
{
    const QString id = c.params.at(0);
    // The session must exist; its chains come from its events.
    ctx.whenReady(
        ctx.storage->getSession(id), "getSession", c.reply,
        [&ctx, id, reply = c.reply](const Session &) {
            ctx.whenReady(ctx.storage->chains(id), "chains", reply,
                          [id, reply](const ChainFold &ch) {
                              QJsonArray arr;
                              for (const auto &chain : ch.chains())
                                  arr.append(chain.toJson());
                              reply->json(200, {{QStringLiteral("sessionId"), id},
                                                {QStringLiteral("count"), arr.size()},
                                                {QStringLiteral("chains"), arr}});
                          });
        },
        id);
}
} // namespace

void addSessionRoutes(Router &router, const ApiContext &ctx)
{
    router.add(Method::Post, QStringLiteral("/api/sessions"), bound(ctx, createSession),
               Access::Ingest);
    router.add(Method::Get, QStringLiteral("/api/sessions"), bound(ctx, listSessions),
               Access::Read);
    router.add(Method::Get, QStringLiteral("/api/sessions/:id"), bound(ctx, getSession),
               Access::Read);
    router.add(Method::Put, QStringLiteral("/api/sessions/:id"), bound(ctx, updateSession),
               Access::Admin);
    router.add(Method::Delete, QStringLiteral("/api/sessions/:id"), bound(ctx, deleteSession),
               Access::Admin);
    router.add(Method::Get, QStringLiteral("/api/sessions/:id/chains"), bound(ctx, sessionChains),
               Access::Read);
    router.add(Method::Get, QStringLiteral("/api/sessions/:id/ttl"), bound(ctx, sessionTtl),
               Access::Read);
}

} // namespace Afw::Api

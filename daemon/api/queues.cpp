// SPDX-License-Identifier: MIT
// Commands (dashboard -> agent), their acks, and input for the agent's prompt.
#include <QJsonArray>

#include "api/routes.h"
#include "timeutil.h"

namespace Afw::Api {

namespace {
// {"sessionId":..,"count":N,"<name>":[items...]}: the stored JSON items, as they are.
QByteArray drained(const QString &id, const char *name, const QList<QByteArray> &items)
{
    QByteArray out = R"({"sessionId":")" + id.toUtf8() + R"(","count":)" +
                     QByteArray::number(items.size()) + R"(,")" + name + R"(":[)";
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (i)
            out += ',';
        out += items.at(i);
    }
    return out + "]}";
}

void queueCommand(const ApiContext &ctx, Call &c)
{
    const auto body = c.bodyObject();
    if (!body)
        return;
    const QJsonValue type = body->value(QStringLiteral("type"));
    const auto parsed = commandTypeFromString(type.toString());
    if (!type.isString() || !parsed) {
        c.reply->fail(
            Problem::InvalidCommandType,
            {{QStringLiteral("validTypes"), QJsonArray::fromStringList(commandTypeNames())},
             {QStringLiteral("received"), type.isUndefined() ? QJsonValue() : type}});
        return;
    }
    Command cmd;
    cmd.id = makeRandomId(u"cmd");
    cmd.type = *parsed;
    cmd.payload = body->value(QStringLiteral("payload"));
    if (cmd.payload.isUndefined())
        cmd.payload = QJsonValue::Null;
    cmd.timestamp = nowIso();
    const QString id = c.params.at(0);
    ctx.whenReady(
        ctx.storage->queueCommand(id, cmd), "queueCommand", c.reply,
        [id, cmd, reply = c.reply](bool) {
            reply->json(201, {{QStringLiteral("success"), true},
                              {QStringLiteral("sessionId"), id},
                              {QStringLiteral("commandId"), cmd.id},
                              {QStringLiteral("command"), cmd.toJson()}});
        },
        id);
}

void ackCommand(const ApiContext &ctx, Call &c)
{
    QJsonObject body;
    if (!c.request.body().trimmed().isEmpty()) {
        const auto parsed = c.bodyObject();
        if (!parsed)
            return;
        body = *parsed;
    }
    const QString id = c.params.at(0);
    QJsonObject ack{{QStringLiteral("commandId"), id},
                    {QStringLiteral("timestamp"), nowIso()},
                    {QStringLiteral("status"), QStringLiteral("acknowledged")}};
    for (const char *field : {"result", "error"}) {
        const QJsonValue v = body.value(QLatin1String(field));
        if (!v.isUndefined())
            ack.insert(QLatin1String(field), v);
    }
    ctx.whenReady(ctx.storage->ackCommand(id, ack), "ackCommand", c.reply,
                  [id, reply = c.reply](bool) {
                      reply->json(200, {{QStringLiteral("success"), true},
                                        {QStringLiteral("commandId"), id},
                                        {QStringLiteral("acknowledged"), true}});
                  });
}

void queueInput(const ApiContext &ctx, Call &c)
{
    const auto body = c.bodyObject();
    if (!body)
        return;
    Input in;
    in.input = body->value(QStringLiteral("input"));
    in.prompt = body->value(QStringLiteral("prompt"));
    if (!in.input.isString() ||
        !(in.prompt.isUndefined() || in.prompt.isNull() || in.prompt.isString())) {
        c.reply->fail(Problem::InvalidInput,
                      {{QStringLiteral("message"),
                        QStringLiteral("input must be a string, prompt an optional string")}});
        return;
    }
    in.timestamp = nowIso();
    const QString id = c.params.at(0);
    ctx.whenReady(
        ctx.storage->queueInput(id, in), "queueInput", c.reply,
        [id, in, reply = c.reply](bool) {
            reply->json(201, {{QStringLiteral("success"), true},
                              {QStringLiteral("sessionId"), id},
                              {QStringLiteral("inputQueued"), in.toJson()}});
        },
        id);
}

void takeCommands(const ApiContext &ctx, Call &c)
{
    const QString id = c.params.at(0);
    ctx.whenReady(ctx.storage->takeCommands(id, c.flag("peek")), "takeCommands", c.reply,
                  [id, reply = c.reply](const QList<QByteArray> &items) {
                      reply->send(200, drained(id, "commands", items));
                  });
}

void takeInput(const ApiContext &ctx, Call &c)
{
    const QString id = c.params.at(0);
    ctx.whenReady(ctx.storage->takeInput(id, c.flag("peek")), "takeInput", c.reply,
                  [id, reply = c.reply](const QList<QByteArray> &items) {
                      reply->send(200, drained(id, "inputs", items));
                  });
}
} // namespace

void addQueueRoutes(Router &router, const ApiContext &ctx)
{
    router.add(Method::Post, QStringLiteral("/api/sessions/:id/commands"), bound(ctx, queueCommand),
               Access::Admin);
    router.add(Method::Get, QStringLiteral("/api/sessions/:id/commands"), bound(ctx, takeCommands),
               Access::Ingest);
    router.add(Method::Post, QStringLiteral("/api/sessions/:id/input"), bound(ctx, queueInput),
               Access::Admin);
    router.add(Method::Get, QStringLiteral("/api/sessions/:id/input"), bound(ctx, takeInput),
               Access::Ingest);
    router.add(Method::Post, QStringLiteral("/api/commands/:sessionId/commands"),
               bound(ctx, queueCommand), Access::Admin);
    router.add(Method::Get, QStringLiteral("/api/commands/:sessionId/commands"),
               bound(ctx, takeCommands), Access::Ingest);
    router.add(Method::Post, QStringLiteral("/api/commands/:commandId/ack"), bound(ctx, ackCommand),
               Access::Ingest);
}

} // namespace Afw::Api

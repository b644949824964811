// SPDX-License-Identifier: MIT
// /api/events: post one or a batch; read a session's events, all or recent.
#include <QJsonArray>
#include <QJsonDocument>

#include <limits>

#include "api/routes.h"
#include "event.h"
#include "jsonscan.h"
#include "timeutil.h"

namespace Afw::Api {

namespace {
QJsonObject eventFormatError(const QString &why)
{
    return {
        {QStringLiteral("required"), QJsonArray{QStringLiteral("sessionId"), QStringLiteral("type"),
                                                QStringLiteral("timestamp")}},
        {QStringLiteral("message"), why}};
}

void postEvent(const ApiContext &ctx, Call &c)
{
    QString jsonError;
    QString why;
    const auto event = parseEvent(c.request.body(), &jsonError, &why);
    if (!jsonError.isEmpty()) {
        c.reply->fail(Problem::InvalidJson, {{QStringLiteral("message"), jsonError}});
        return;
    }
    if (!event) {
        c.reply->fail(Problem::InvalidEvent, eventFormatError(why));
        return;
    }
    // The hot path: the answer is written by hand, no QJsonDocument.
    ctx.whenReady(ctx.storage->addEvent(*event), "addEvent", c.reply,
                  [&ctx, sid = event->sessionId, reply = c.reply](const AddedEvent &added) {
                      ctx.metrics->addEventsIngested(1);
                      QByteArray body(R"({"success":true,"eventId":)");
                      appendJsonString(body, added.eventId);
                      body += R"(,"sessionId":")" + sid.toUtf8() + R"(","seq":)" +
                              QByteArray::number(added.seq) + '}';
                      reply->send(201, body);
                  });
}

void postEventBatch(const ApiContext &ctx, Call &c)
{
    QString error;
    const auto parsed = parseJson(c.request.body(), &error);
    if (!parsed) {
        c.reply->fail(Problem::InvalidJson, {{QStringLiteral("message"), error}});
        return;
    }
    const QJsonDocument &doc = *parsed;
    if (!doc.isArray() || doc.array().isEmpty() || doc.array().size() > 1000) {
        c.reply->fail(
            Problem::InvalidBatch,
            {{QStringLiteral("message"), QStringLiteral("expected an array of 1 to 1000 events")}});
        return;
    }
    const QJsonArray arr = doc.array();
    QList<IncomingEvent> events;
    events.reserve(arr.size());
    for (qsizetype i = 0; i < arr.size(); ++i) {
        QString why = QStringLiteral("expected a JSON object");
        auto e =
            arr.at(i).isObject() ? validateEvent(arr.at(i).toObject(), {}, &why) : std::nullopt;
        if (!e) {
            QJsonObject extra = eventFormatError(why);
            extra.insert(QStringLiteral("index"), i);
            c.reply->fail(Problem::InvalidEvent, extra);
            return;
        }
        events.append(std::move(*e));
    }
    ctx.whenReady(
        ctx.storage->addEvents(events), "addEvents", c.reply, [&ctx, reply = c.reply](int count) {
            ctx.metrics->addEventsIngested(count);
            reply->json(201, {{QStringLiteral("success"), true}, {QStringLiteral("count"), count}});
        });
}

void getEvents(const ApiContext &ctx, Call &c)
{
    EventQuery q;
    if (c.query.hasQueryItem(QStringLiteral("since"))) {
        q.sinceMs =
            parseIsoTimestamp(c.query.queryItemValue(QStringLiteral("since"), QUrl::FullyDecoded));
        if (!q.sinceMs) {
            c.reply->fail(Problem::InvalidQuery,
                          {{QStringLiteral("parameter"), QStringLiteral("since")},
                           {QStringLiteral("message"),
                            QStringLiteral("expected an ISO-8601 date-time with a zone")}});
            return;
        }
    }
    if (c.query.hasQueryItem(QStringLiteral("after"))) {
        const auto after = c.intParam("after", 0, 0, std::numeric_limits<int>::max());
        if (!after)
            return;
        q.afterSeq = *after;
    }
    const auto limit = c.intParam("limit", -1, 0, 100000);
    if (!limit)
        return;
    q.limit = *limit;
    const QString id = c.params.at(0);
    ctx.whenReady(ctx.storage->events(id, q), "events", c.reply,
                  [id, reply = c.reply](const QList<StoredEvent> &ev) {
                      const QByteArray head = R"({"sessionId":")" + id.toUtf8() + R"(","count":)" +
                                              QByteArray::number(ev.size()) + R"(,"events":)";
                      reply->send(200, joinEventsArray(ev, head, "}"));
                  });
}

void recentEvents(const ApiContext &ctx, Call &c)
{
    const auto limit = c.intParam("limit", 50, 1, 1000);
    if (!limit)
        return;
    const auto seconds = c.intParam("seconds", 60, 1, 30 * 24 * 3600);
    if (!seconds)
        return;
    EventQuery q;
    q.limit = *limit;
    q.lastN = true;
    q.sinceMs = nowMs() - qint64(*seconds) * 1000;
    const QString id = c.params.at(0);
    const QString cutoff = isoFromMs(*q.sinceMs);
    ctx.whenReady(ctx.storage->events(id, q), "events", c.reply,
                  [id, cutoff, reply = c.reply](const QList<StoredEvent> &ev) {
                      const QByteArray head = R"({"sessionId":")" + id.toUtf8() + R"(","count":)" +
                                              QByteArray::number(ev.size()) + R"(,"cutoffTime":")" +
                                              cutoff.toUtf8() + R"(","events":)";
                      reply->send(200, joinEventsArray(ev, head, "}"));
                  });
}
} // namespace

void addEventRoutes(Router &router, const ApiContext &ctx)
{
    router.add(Method::Post, QStringLiteral("/api/events"), bound(ctx, postEvent), Access::Ingest);
    router.add(Method::Post, QStringLiteral("/api/events/batch"), bound(ctx, postEventBatch),
               Access::Ingest);
    router.add(Method::Get, QStringLiteral("/api/events/:sessionId"), bound(ctx, getEvents),
               Access::Read);
    router.add(Method::Get, QStringLiteral("/api/events/:sessionId/recent"),
               bound(ctx, recentEvents), Access::Read);
}

} // namespace Afw::Api

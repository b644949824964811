// SPDX-License-Identifier: MIT
// /health and /metrics, and what every route shares: CORS and preflight, unknown routes and
// methods, the API key, ids in paths, body limits, and bad input on every route (clear JSON errors,
// nothing changed). Over the real wire against an in-process afwd (port 0), fresh for every test
// function and data row; both backends (AFW_TEST_BACKEND, see tests/support/apitest.h).
#include "apitest.h"

using namespace Afw;
using namespace Afw::Test;
using namespace Qt::StringLiterals;

class TestApiStatus : public ApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void health()
    {
        const HttpResult r = get(u"/health"_s);
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QJsonObject o = r.json();
        QCOMPARE(keys(o),
                 sorted({u"status"_s, u"timestamp"_s, u"uptime"_s, u"storage"_s, u"version"_s}));
        QCOMPARE(o.value(u"status"_s).toString(), u"ok"_s);
        QCOMPARE(o.value(u"storage"_s).toString(), backend());
        QCOMPARE(o.value(u"version"_s).toString(), QStringLiteral(AFW_VERSION));
        QVERIFY(o.value(u"uptime"_s).isDouble());
        QVERIFY(o.value(u"uptime"_s).toDouble() >= 0);
        QVERIFY2(isServerIso(o.value(u"timestamp"_s).toString()),
                 qPrintable(o.value(u"timestamp"_s).toString()));
        QVERIFY(qAbs(*parseIsoTimestamp(o.value(u"timestamp"_s).toString()) - nowMs()) < 5000);
    }

    void metrics()
    {
        get(u"/health"_s);
        get(u"/no/such/route"_s);
        HttpResult r = get(u"/metrics"_s);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.header("Content-Type").startsWith("text/plain"),
                 r.header("Content-Type").constData());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QVERIFY(r.body.contains("# TYPE afw_http_requests_total counter\n"));
        QVERIFY(r.body.contains("# TYPE afw_http_request_duration_seconds histogram\n"));
        QVERIFY(r.body.contains("# TYPE afw_events_ingested_total counter\n"));
        const QByteArray healthSeries = q("afw_http_requests_total{route='/health',status='200'}");
        const qint64 healthCount = metricValue(r.body, healthSeries);
        QCOMPARE(healthCount, 1);
        QCOMPARE(metricValue(r.body, q("afw_http_requests_total{route='unmatched',status='404'}")),
                 1);
        QVERIFY(metricValue(r.body,
                            q("afw_http_request_duration_seconds_count{route='/health'}")) >= 1);
        QVERIFY(r.body.contains(
            q("afw_http_request_duration_seconds_bucket{route='/health',le='+Inf'} ")));
        QVERIFY(r.body.contains(
            QByteArray(q("afw_storage_up{backend='") + backend().toLatin1() + q("'} 1"))));
        const qint64 before = metricValue(r.body, "afw_events_ingested_total");
        QCOMPARE(before, 0);

        get(u"/health"_s);
        const QString sid = uid("metrics");
        QCOMPARE(postEvent(makeEvent(sid, u"x:y"_s, nowIso())), 1);
        QCOMPARE(post(u"/api/events/batch"_s, compact(QJsonArray{makeEvent(sid, u"a"_s, nowIso()),
                                                                 makeEvent(sid, u"b"_s, nowIso())}))
                     .status,
                 201);
        r = get(u"/metrics"_s);
        QCOMPARE(metricValue(r.body, healthSeries), healthCount + 1);
        QCOMPARE(metricValue(r.body, "afw_events_ingested_total"), before + 3);
        QCOMPARE(
            metricValue(r.body, q("afw_http_requests_total{route='/api/events',status='201'}")), 1);
        QCOMPARE(metricValue(r.body,
                             q("afw_http_requests_total{route='/api/events/batch',status='201'}")),
                 1);
        // A rejected event is counted as a request, not as an ingested event.
        QCOMPARE(post(u"/api/events"_s, QByteArray("{}")).status, 400);
        r = get(u"/metrics"_s);
        QCOMPARE(metricValue(r.body, "afw_events_ingested_total"), before + 3);
        QCOMPARE(
            metricValue(r.body, q("afw_http_requests_total{route='/api/events',status='400'}")), 1);
    }

    // ------------------------------------------------------------ sessions

    void corsOnEveryResponse_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("200") << QByteArray("GET") << u"/health"_s << QByteArray() << 200;
        QTest::newRow("200 metrics") << QByteArray("GET") << u"/metrics"_s << QByteArray() << 200;
        QTest::newRow("201") << QByteArray("POST") << u"/api/sessions"_s
                             << QByteArray(q("{'cwd':'/c'}")) << 201;
        QTest::newRow("400 json") << QByteArray("POST") << u"/api/sessions"_s << QByteArray("{")
                                  << 400;
        QTest::newRow("400 id") << QByteArray("GET") << u"/api/sessions/a*b"_s << QByteArray()
                                << 400;
        QTest::newRow("400 ws") << QByteArray("GET") << u"/ws"_s << QByteArray() << 400;
        QTest::newRow("404 session")
            << QByteArray("GET") << u"/api/sessions/none"_s << QByteArray() << 404;
        QTest::newRow("404 route") << QByteArray("GET") << u"/nope"_s << QByteArray() << 404;
        QTest::newRow("405") << QByteArray("DELETE") << u"/health"_s << QByteArray() << 405;
        QTest::newRow("204 delete")
            << QByteArray("DELETE") << u"/api/sessions/{created}"_s << QByteArray() << 204;
        QTest::newRow("204 OPTIONS")
            << QByteArray("OPTIONS") << u"/api/events"_s << QByteArray() << 204;
    }

    void corsOnEveryResponse()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        if (path.contains(u"{created}"_s)) {
            const QString id = uid("cors");
            createSession(id);
            path.replace(u"{created}"_s, id);
        }
        const HttpResult r = req(method, path, body, {{"Origin", "http://localhost:5173"}});
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
    }

    void corsConfiguredOrigin()
    {
        HttpResult r = req("GET", u"/health"_s, {}, {{"Origin", kKeyedOrigin}}, keyed());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kKeyedOrigin);
        r = req("GET", u"/api/sessions"_s, {}, {}, keyed());
        CHECKED(verifyError(r, 401, u"Unauthorized"_s, kKeyedOrigin));
        r = req("GET", u"/nope"_s, {}, {{"X-API-Key", kApiKey}}, keyed());
        CHECKED(verifyError(r, 404, u"Not found"_s, kKeyedOrigin));
    }

    void preflight()
    {
        const HttpResult r =
            req("OPTIONS", u"/api/sessions/x/commands"_s, {},
                {{"Origin", "http://localhost:5173"},
                 {"Access-Control-Request-Method", "POST"},
                 {"Access-Control-Request-Headers", "content-type,authorization"}});
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QByteArray methods = r.header("Access-Control-Allow-Methods");
        for (const char *m : {"GET", "POST", "PUT", "DELETE", "OPTIONS"})
            QVERIFY2(methods.contains(m), methods.constData());
        const QByteArray hdrs = r.header("Access-Control-Allow-Headers").toLower();
        for (const char *h : {"content-type", "authorization", "x-api-key"})
            QVERIFY2(hdrs.contains(h), hdrs.constData());
        // Preflights carry no credentials, so they pass without the key.
        const HttpResult k =
            req("OPTIONS", u"/api/events"_s, {}, {{"Origin", kKeyedOrigin}}, keyed());
        QCOMPARE(k.status, 204);
        QCOMPARE(k.header("Access-Control-Allow-Origin"), kKeyedOrigin);
        QVERIFY(k.header("Access-Control-Allow-Headers").toLower().contains("x-api-key"));
    }

    void unknownRoute_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::newRow("root") << QByteArray("GET") << u"/"_s;
        QTest::newRow("unknown") << QByteArray("GET") << u"/nope"_s;
        QTest::newRow("api prefix") << QByteArray("POST") << u"/api"_s;
        QTest::newRow("too deep") << QByteArray("GET") << u"/api/sessions/x/chains/extra"_s;
        QTest::newRow("unknown leaf") << QByteArray("GET") << u"/api/sessions/x/nothing"_s;
        QTest::newRow("case") << QByteArray("GET") << u"/HEALTH"_s;
        QTest::newRow("v2") << QByteArray("GET") << u"/api/v2/sessions"_s;
    }

    void unknownRoute()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        const HttpResult r = req(method, path);
        CHECKED(verifyError(r, 404, u"Not found"_s));
        QCOMPARE(r.json().value(u"path"_s).toString(), path);
    }

    void wrongMethod_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QStringList>("allowed");
        QTest::newRow("PUT /health") << QByteArray("PUT") << u"/health"_s << QStringList{u"GET"_s};
        QTest::newRow("POST /metrics")
            << QByteArray("POST") << u"/metrics"_s << QStringList{u"GET"_s};
        QTest::newRow("DELETE /api/sessions")
            << QByteArray("DELETE") << u"/api/sessions"_s << QStringList{u"GET"_s, u"POST"_s};
        QTest::newRow("PATCH /api/sessions/:id") << QByteArray("PATCH") << u"/api/sessions/s1"_s
                                                 << QStringList{u"DELETE"_s, u"GET"_s, u"PUT"_s};
        QTest::newRow("POST /api/sessions/:id") << QByteArray("POST") << u"/api/sessions/s1"_s
                                                << QStringList{u"DELETE"_s, u"GET"_s, u"PUT"_s};
        QTest::newRow("GET /api/events")
            << QByteArray("GET") << u"/api/events"_s << QStringList{u"POST"_s};
        QTest::newRow("PUT /api/events/:id")
            << QByteArray("PUT") << u"/api/events/s1"_s << QStringList{u"GET"_s};
        QTest::newRow("DELETE /api/sessions/:id/commands")
            << QByteArray("DELETE") << u"/api/sessions/s1/commands"_s
            << QStringList{u"GET"_s, u"POST"_s};
        QTest::newRow("GET /api/commands/:id/ack")
            << QByteArray("GET") << u"/api/commands/c1/ack"_s << QStringList{u"POST"_s};
        QTest::newRow("POST /api/users")
            << QByteArray("POST") << u"/api/users"_s << QStringList{u"GET"_s};
        QTest::newRow("PUT /api/sessions/:id/ttl")
            << QByteArray("PUT") << u"/api/sessions/s1/ttl"_s << QStringList{u"GET"_s};
    }

    void wrongMethod()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QStringList, allowed);
        const HttpResult r = req(method, path, method == "GET" ? QByteArray() : QByteArray("{}"));
        CHECKED(verifyError(r, 405));
        QStringList allow = QString::fromLatin1(r.header("Allow")).split(u',', Qt::SkipEmptyParts);
        for (auto &m : allow)
            m = m.trimmed();
        QCOMPARE(sorted(allow), allowed);
        QVERIFY(r.json().contains(u"allowed"_s));
        QStringList inBody;
        for (const auto &v : r.json().value(u"allowed"_s).toArray())
            inBody << v.toString();
        QCOMPARE(sorted(inBody), allowed);
        // Nothing was created on the way.
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 0);
    }

    void wsWithoutUpgrade()
    {
        const HttpResult r = get(u"/ws"_s);
        CHECKED(verifyError(r, 400, u"WebSocket upgrade expected"_s));
    }

    // ------------------------------------------------------------ auth

    void auth_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<Headers>("headers");
        QTest::addColumn<int>("status");
        const Headers none;
        const Headers bearer{{"Authorization", "Bearer " + kApiKey}};
        const Headers apiKey{{"X-API-Key", kApiKey}};
        QTest::newRow("no key") << QByteArray("GET") << u"/api/sessions"_s << none << 401;
        QTest::newRow("bearer") << QByteArray("GET") << u"/api/sessions"_s << bearer << 200;
        QTest::newRow("x-api-key") << QByteArray("GET") << u"/api/sessions"_s << apiKey << 200;
        QTest::newRow("x-api-key lower-case name")
            << QByteArray("GET") << u"/api/users"_s << Headers{{"x-api-key", kApiKey}} << 200;
        QTest::newRow("wrong bearer") << QByteArray("GET") << u"/api/sessions"_s
                                      << Headers{{"Authorization", "Bearer nope"}} << 401;
        QTest::newRow("wrong x-api-key")
            << QByteArray("GET") << u"/api/sessions"_s << Headers{{"X-API-Key", "nope"}} << 401;
        QTest::newRow("key prefix") << QByteArray("GET") << u"/api/sessions"_s
                                    << Headers{{"X-API-Key", kApiKey.chopped(1)}} << 401;
        QTest::newRow("key plus suffix")
            << QByteArray("GET") << u"/api/sessions"_s
            << Headers{{"Authorization", "Bearer " + kApiKey + 'x'}} << 401;
        QTest::newRow("key without scheme") << QByteArray("GET") << u"/api/sessions"_s
                                            << Headers{{"Authorization", kApiKey}} << 401;
        QTest::newRow("basic scheme") << QByteArray("GET") << u"/api/sessions"_s
                                      << Headers{{"Authorization", "Basic " + kApiKey}} << 401;
        QTest::newRow("empty x-api-key")
            << QByteArray("GET") << u"/api/sessions"_s << Headers{{"X-API-Key", ""}} << 401;
        QTest::newRow("empty bearer") << QByteArray("GET") << u"/api/sessions"_s
                                      << Headers{{"Authorization", "Bearer "}} << 401;
        QTest::newRow("query key is for /ws only")
            << QByteArray("GET") << u"/api/sessions?apiKey="_s + QString::fromLatin1(kApiKey)
            << none << 401;
        QTest::newRow("health open") << QByteArray("GET") << u"/health"_s << none << 200;
        QTest::newRow("health with wrong key")
            << QByteArray("GET") << u"/health"_s << Headers{{"X-API-Key", "nope"}} << 200;
        QTest::newRow("metrics no key") << QByteArray("GET") << u"/metrics"_s << none << 401;
        QTest::newRow("metrics key") << QByteArray("GET") << u"/metrics"_s << bearer << 200;
        QTest::newRow("post event no key") << QByteArray("POST") << u"/api/events"_s << none << 401;
        QTest::newRow("post event key") << QByteArray("POST") << u"/api/events"_s << apiKey << 201;
        QTest::newRow("session 404 with key")
            << QByteArray("GET") << u"/api/sessions/none"_s << bearer << 404;
        QTest::newRow("session no key")
            << QByteArray("GET") << u"/api/sessions/none"_s << none << 401;
        QTest::newRow("delete no key")
            << QByteArray("DELETE") << u"/api/sessions/none"_s << none << 401;
    }

    void auth()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(Headers, headers);
        QFETCH(int, status);
        const Daemon *d = keyed();
        const QString sid = uid("auth");
        const QByteArray body =
            method == "POST" ? compact(makeEvent(sid, u"x"_s, nowIso())) : QByteArray();
        const HttpResult r = req(method, path, body, headers, d);
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kKeyedOrigin);
        if (status == 401) {
            QCOMPARE(r.body, QByteArray(q("{'error':'Unauthorized'}")));
            QVERIFY(r.header("Content-Type").startsWith("application/json"));
        }
        if (method == "POST") {
            // A refused event is not stored.
            const HttpResult ev =
                req("GET", u"/api/events/"_s + sid, {}, {{"X-API-Key", kApiKey}}, d);
            QCOMPARE(ev.json().value(u"count"_s).toInt(), status == 201 ? 1 : 0);
        }
    }

    // ------------------------------------------------------------ bad input

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path"); // {sid}: the victim session
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error"); // empty: any non-empty error text

        const QString invalidJson = u"Invalid JSON"_s, invalidId = u"Invalid id"_s;
        const QString badEvent = u"Invalid event format"_s;
        const QString ts = u"2026-11-25T21:04:17.123Z"_s;
        const QByteArray long129 = QByteArray(129, 'a');
        const QList<std::pair<const char *, QByteArray>> badIds{
            {"space", "a b"},     {"star", "a*b"},  {"NUL", "a\\u0000b"},
            {"dotdot", ".."},     {"dot", "."},     {"129 chars", long129},
            {"empty", ""},        {"slash", "a/b"}, {"unicode", "caf\\u00e9"},
            {"newline", "a\\nb"}, {"brace", "{x}"}};
        const QList<std::pair<const char *, QByteArray>> notObjects{
            {"malformed", "{\"cwd\":"},
            {"null", "null"},
            {"array", "[]"},
            {"string", "\"str\""},
            {"number", "42"},
            {"empty body", ""},
            {"trailing garbage", "{} x"},
            {"raw NUL", QByteArray("{\"a\":\"\0\"}", 10)},
            {"bad utf8", "{\"cwd\":\"\xff\xfe\"}"},
            {"deeply nested", QByteArray(100000, '[')}};

        auto row = [](const QString &name, const QByteArray &m, const QString &p,
                      const QByteArray &b, const QString &e) {
            QTest::newRow(name.toUtf8().constData()) << m << p << b << e;
        };

        // POST /api/sessions
        for (const auto &[name, body] : notObjects)
            row(u"session body %1"_s.arg(QLatin1String(name)), "POST", u"/api/sessions"_s, body,
                QByteArray(name) == "malformed" ? invalidJson : QString());
        row(u"session no cwd"_s, "POST", u"/api/sessions"_s, q("{'id':'ok-id'}"),
            u"Missing required field"_s);
        row(u"session cwd number"_s, "POST", u"/api/sessions"_s, q("{'cwd':5}"),
            u"Missing required field"_s);
        row(u"session cwd empty"_s, "POST", u"/api/sessions"_s, q("{'cwd':''}"),
            u"Missing required field"_s);
        row(u"session hostname number"_s, "POST", u"/api/sessions"_s,
            q("{'cwd':'/c','hostname':5}"), u"Invalid field"_s);
        row(u"session platform object"_s, "POST", u"/api/sessions"_s,
            q("{'cwd':'/c','platform':{}}"), u"Invalid field"_s);
        row(u"session id number"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','id':5}"),
            invalidId);
        row(u"session userId array"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','userId':['a']}"),
            invalidId);
        for (const auto &[name, id] : badIds) {
            row(u"session id %1"_s.arg(QLatin1String(name)), "POST", u"/api/sessions"_s,
                q("{'cwd':'/c','id':'") + id + q("'}"), invalidId);
            row(u"session userId %1"_s.arg(QLatin1String(name)), "POST", u"/api/sessions"_s,
                q("{'cwd':'/c','userId':'") + id + q("'}"), invalidId);
        }

        // POST /api/events
        for (const auto &[name, body] : notObjects)
            row(u"event body %1"_s.arg(QLatin1String(name)), "POST", u"/api/events"_s, body,
                QByteArray(name) == "malformed" ? invalidJson : QString());
        const QByteArray good =
            q("'sessionId':'victim','type':'x','timestamp':'") + ts.toUtf8() + "\"";
        row(u"event {}"_s, "POST", u"/api/events"_s, "{}", badEvent);
        row(u"event no sessionId"_s, "POST", u"/api/events"_s,
            q("{'type':'x','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event no type"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event no timestamp"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x'}"), badEvent);
        row(u"event sessionId number"_s, "POST", u"/api/events"_s,
            q("{'sessionId':5,'type':'x','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event sessionId null"_s, "POST", u"/api/events"_s,
            q("{'sessionId':null,'type':'x','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event type array"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':[],'timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event type empty"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event type 129 chars"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'") + long129 + q("','timestamp':'") + ts.toUtf8() +
                q("'}"),
            badEvent);
        row(u"event timestamp object"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x','timestamp':{}}"), badEvent);
        row(u"event timestamp number"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x','timestamp':1764104657123}"), badEvent);
        for (const char *t : {"yesterday", "2026-13-45T99:00:00Z", "2026-11-25T21:04:17",
                              "2026-11-25", "", "2026-02-30T10:00:00Z", "2026-11-25T21:04:17+25:00",
                              "21:04:17Z", "2026-11-25T21:04:17.123Zjunk"}) {
            row(u"event timestamp '%1'"_s.arg(QLatin1String(t)), "POST", u"/api/events"_s,
                q("{'sessionId':'victim','type':'x','timestamp':'") + QByteArray(t) + q("'}"),
                badEvent);
        }
        for (const auto &[name, id] : badIds) {
            row(u"event sessionId %1"_s.arg(QLatin1String(name)), "POST", u"/api/events"_s,
                q("{'sessionId':'") + id +
                    q("','type':'session:started','cwd':'/x','timestamp':'") + ts.toUtf8() +
                    q("'}"),
                badEvent);
        }

        // POST /api/events/batch
        row(u"batch malformed"_s, "POST", u"/api/events/batch"_s, "[{", invalidJson);
        row(u"batch object"_s, "POST", u"/api/events/batch"_s, "{" + good + "}",
            u"Invalid batch"_s);
        row(u"batch empty"_s, "POST", u"/api/events/batch"_s, "[]", u"Invalid batch"_s);
        row(u"batch null"_s, "POST", u"/api/events/batch"_s, "null", QString());
        row(u"batch good bad good"_s, "POST", u"/api/events/batch"_s,
            "[{" + good + "},{" + QByteArray(good).replace("victim", "a b") + "},{" + good + "}]",
            badEvent);
        row(u"batch with a number"_s, "POST", u"/api/events/batch"_s, "[{" + good + "},7]",
            badEvent);

        // PUT /api/sessions/:id
        const QString victimPath = u"/api/sessions/{sid}"_s;
        for (const auto &[name, body] : notObjects)
            row(u"put body %1"_s.arg(QLatin1String(name)), "PUT", victimPath, body,
                QByteArray(name) == "malformed" ? invalidJson : QString());
        row(u"put status unknown"_s, "PUT", victimPath, q("{'status':'done'}"),
            u"Invalid status"_s);
        row(u"put status case"_s, "PUT", victimPath, q("{'status':'Completed'}"),
            u"Invalid status"_s);
        row(u"put status number"_s, "PUT", victimPath, q("{'status':2}"), u"Invalid status"_s);
        row(u"put status null"_s, "PUT", victimPath, q("{'status':null}"), u"Invalid status"_s);
        row(u"put summary number"_s, "PUT", victimPath, q("{'summary':5}"), u"Invalid field"_s);
        row(u"put endReason array"_s, "PUT", victimPath, q("{'endReason':[]}"), u"Invalid field"_s);
        // Valid status next to a bad field: nothing is applied.
        row(u"put completed with bad summary"_s, "PUT", victimPath,
            q("{'status':'completed','summary':{}}"), u"Invalid field"_s);

        // Commands, ack, input
        const QString cmdPath = u"/api/sessions/{sid}/commands"_s;
        row(u"command malformed"_s, "POST", cmdPath, "{", invalidJson);
        row(u"command array"_s, "POST", cmdPath, "[]", QString());
        row(u"command unknown type"_s, "POST", cmdPath, q("{'type':'explode'}"),
            u"Invalid command type"_s);
        row(u"command alias unknown type"_s, "POST", u"/api/commands/{sid}/commands"_s,
            q("{'type':'stop'}"), u"Invalid command type"_s);
        row(u"ack malformed"_s, "POST", u"/api/commands/cmd-1/ack"_s, "{", invalidJson);
        row(u"ack array"_s, "POST", u"/api/commands/cmd-1/ack"_s, "[1]", QString());
        const QString inPath = u"/api/sessions/{sid}/input"_s;
        row(u"input malformed"_s, "POST", inPath, "{\"input\"", invalidJson);
        row(u"input missing"_s, "POST", inPath, "{}", u"Invalid input"_s);
        row(u"input number"_s, "POST", inPath, q("{'input':5}"), u"Invalid input"_s);
        row(u"input prompt number"_s, "POST", inPath, q("{'input':'y','prompt':5}"),
            u"Invalid input"_s);
        row(u"input null body"_s, "POST", inPath, "null", QString());

        // A member name twice: Qt's parser keeps the first, JavaScript the last, so the
        // id that validation saw need not be the id a reader sees. Refused on every route.
        const QByteArray evilFirst = q("{'sessionId':'../../evil id','type':'x','timestamp':'") +
                                     ts.toUtf8() + q("','sessionId':'victim'}");
        const QByteArray evilLast = q("{'sessionId':'victim','type':'x','timestamp':'") +
                                    ts.toUtf8() + q("','sessionId':'../../evil id'}");
        row(u"duplicate key: event, bad id first"_s, "POST", u"/api/events"_s, evilFirst,
            invalidJson);
        row(u"duplicate key: event, bad id last"_s, "POST", u"/api/events"_s, evilLast,
            invalidJson);
        row(u"duplicate key: event, escaped twin"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x','timestamp':'") + ts.toUtf8() +
                q("','\\u0073essionId':'a b'}"),
            invalidJson);
        row(u"duplicate key: event, nested"_s, "POST", u"/api/events"_s,
            "{" + good + q(",'data':{'k':1,'k':2}}"), invalidJson);
        row(u"duplicate key: batch"_s, "POST", u"/api/events/batch"_s,
            "[{" + good + "}," + evilFirst + "]", invalidJson);
        row(u"duplicate key: session"_s, "POST", u"/api/sessions"_s,
            q("{'cwd':'/c','id':'a b','id':'ok-id'}"), invalidJson);
        row(u"duplicate key: put"_s, "PUT", victimPath,
            q("{'status':'bogus','status':'completed'}"), invalidJson);
        row(u"duplicate key: command"_s, "POST", cmdPath, q("{'type':'explode','type':'pause'}"),
            invalidJson);
        row(u"duplicate key: ack"_s, "POST", u"/api/commands/cmd-1/ack"_s,
            q("{'result':1,'result':2}"), invalidJson);
        row(u"duplicate key: input"_s, "POST", inPath, q("{'input':5,'input':'y'}"), invalidJson);

        // Query parameters
        const QString invalidParam = u"Invalid query parameter"_s;
        for (const char *q : {"limit=abc", "limit=-1", "limit=0", "limit=1001", "limit=1.5",
                              "limit=", "limit=1e3", "limit=99999999999999999999"})
            row(u"sessions ?%1"_s.arg(QLatin1String(q)), "GET",
                u"/api/sessions?"_s + QLatin1String(q), {}, invalidParam);
        row(u"sessions ?status=bogus"_s, "GET", u"/api/sessions?status=bogus"_s, {},
            u"Invalid status"_s);
        row(u"sessions ?user=a*b"_s, "GET", u"/api/sessions?user=a*b"_s, {}, invalidId);
        row(u"sessions ?user=129"_s, "GET", u"/api/sessions?user="_s + QString::fromLatin1(long129),
            {}, invalidId);
        for (const char *q :
             {"limit=abc", "limit=-1", "after=x", "after=-1", "after=", "since=garbage",
              "since=2026-11-25T21:04:17", "since=2026-13-45T99:00:00Z", "since="})
            row(u"events ?%1"_s.arg(QLatin1String(q)), "GET",
                u"/api/events/{sid}?"_s + QLatin1String(q), {}, invalidParam);
        for (const char *q : {"limit=abc", "limit=0", "limit=1001", "limit=-5", "seconds=x",
                              "seconds=0", "seconds=-5"})
            row(u"recent ?%1"_s.arg(QLatin1String(q)), "GET",
                u"/api/events/{sid}/recent?"_s + QLatin1String(q), {}, invalidParam);
    }

    void badInput()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const QString sid = u"victim"_s;
        CHECKED(seedVictim(sid));
        const QByteArray before = snapshot(sid);
        path.replace(u"{sid}"_s, sid);

        const HttpResult r = req(method, path, body);
        CHECKED(verifyError(r, 400, error));
        if (r.json().value(u"error"_s).toString() == u"Invalid event format"_s) {
            QCOMPARE(r.json().value(u"required"_s).toArray(),
                     (QJsonArray{u"sessionId"_s, u"type"_s, u"timestamp"_s}));
        }
        QCOMPARE(snapshot(sid), before);
        CHECKED(verifyAlive());
    }

    // Ids in the request path, written byte for byte (QUrl would rewrite some).
    void badPathId_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        const QList<std::pair<const char *, QByteArray>> badIds{{"space", "a%20b"},
                                                                {"star", "a*b"},
                                                                {"NUL", "a%00b"},
                                                                {"dotdot", ".."},
                                                                {"dot", "."},
                                                                {"encoded dotdot", "%2E%2E"},
                                                                {"129 chars", QByteArray(129, 'a')},
                                                                {"encoded slash", "a%2Fb"},
                                                                {"unicode", "caf%C3%A9"},
                                                                {"quote", "a%22b"},
                                                                {"brace", "%7Bx%7D"},
                                                                {"percent", "a%25b"}};
        const QList<std::pair<QByteArray, QByteArray>> routes{
            {"GET", "/api/sessions/%1"},          {"PUT", "/api/sessions/%1"},
            {"DELETE", "/api/sessions/%1"},       {"GET", "/api/sessions/%1/chains"},
            {"GET", "/api/sessions/%1/ttl"},      {"POST", "/api/sessions/%1/commands"},
            {"GET", "/api/sessions/%1/commands"}, {"POST", "/api/sessions/%1/input"},
            {"GET", "/api/sessions/%1/input"},    {"GET", "/api/events/%1"},
            {"GET", "/api/events/%1/recent"},     {"POST", "/api/commands/%1/commands"},
            {"GET", "/api/commands/%1/commands"}, {"POST", "/api/commands/%1/ack"},
            {"GET", "/api/users/%1/sessions"}};
        // Every bad id on the routes that write or read the session itself; the
        // rest of the routes (same parameter check) with a few of them, for time.
        const QList<QByteArray> everyId{"/api/sessions/%1", "/api/sessions/%1/commands",
                                        "/api/sessions/%1/input", "/api/events/%1",
                                        "/api/commands/%1/ack"};
        for (const auto &[name, id] : badIds) {
            const bool common = QByteArray(name) == "space" || QByteArray(name) == "NUL" ||
                                QByteArray(name) == "dotdot" || QByteArray(name) == "129 chars";
            for (const auto &[m, pattern] : routes) {
                if (!common && !everyId.contains(pattern))
                    continue;
                QByteArray target = pattern;
                target.replace("%1", id);
                QTest::newRow(QByteArray(m + ' ' + pattern + " [" + name + ']').constData())
                    << m << target;
            }
        }
    }

    void badPathId()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        const QString sid = u"victim"_s;
        CHECKED(seedVictim(sid));
        const QByteArray before = snapshot(sid);
        const QByteArray body = method == "GET" || method == "DELETE"
                                    ? QByteArray()
                                    : QByteArray(q("{'type':'pause','input':'x','cwd':'/c'}"));
        const HttpResult r =
            rawHttp(m_daemon->port(), method + ' ' + target +
                                          " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "Content-Type: application/json\r\nContent-Length: " +
                                          QByteArray::number(body.size()) + "\r\n\r\n" + body);
        CHECKED(verifyError(r, 400, u"Invalid id"_s));
        QCOMPARE(snapshot(sid), before);
        CHECKED(verifyAlive());
    }

    // An empty segment is not an id either: "/api/sessions//chains" must not read
    // session "chains", "/api/events//recent" must not read session "recent".
    void emptyPathSegment_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("GET /api/sessions//chains") << QByteArray("/api/sessions//chains");
        QTest::newRow("GET /api/events//recent") << QByteArray("/api/events//recent");
        QTest::newRow("GET /api/sessions//ttl") << QByteArray("/api/sessions//ttl");
    }

    void emptyPathSegment()
    {
        QFETCH(QByteArray, target);
        const HttpResult r =
            rawHttp(m_daemon->port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(r.status != 0);
        QCOMPARE(r.status, 400);
        CHECKED(verifyAlive());
    }

    // ------------------------------------------------------------ body limits

    void payloadTooLarge()
    {
        const QString sid = uid("huge");
        const QByteArray big = paddedEvent(sid, 5 * 1024 * 1024);
        QVERIFY(big.size() >= 5 * 1024 * 1024);
        const qint64 ingested = eventsIngested();
        QElapsedTimer timer;
        timer.start();
        const HttpResult r = post(u"/api/events"_s, big);
        const qint64 ms = timer.elapsed();
        CHECKED(verifyError(r, 413, u"Payload too large"_s));
        QVERIFY2(ms < 1000, qPrintable(u"413 took %1 ms"_s.arg(ms)));
        QCOMPARE(eventsIngested(), ingested);
        QCOMPARE(get(u"/api/events/"_s + sid).json().value(u"count"_s).toInt(), 0);
        CHECKED(verifyAlive());
        // Just under the default limit (1 MiB) is fine.
        QCOMPARE(post(u"/api/events"_s, paddedEvent(sid, 1024 * 1024 - 100)).status, 201);
    }

    void payloadTooLargeChunked()
    {
        const QString sid = uid("huge-chunked");
        const QByteArray big = paddedEvent(sid, 5 * 1024 * 1024);
        QElapsedTimer timer;
        timer.start();
        const HttpResult r =
            rawHttp(m_daemon->port(), chunked("POST", "/api/events", big, 64 * 1024));
        const qint64 ms = timer.elapsed();
        CHECKED(verifyError(r, 413, u"Payload too large"_s));
        QVERIFY2(ms < 1000, qPrintable(u"413 took %1 ms"_s.arg(ms)));
        QCOMPARE(get(u"/api/events/"_s + sid).json().value(u"count"_s).toInt(), 0);
        CHECKED(verifyAlive());
        // A small chunked upload is an ordinary request.
        const HttpResult ok =
            rawHttp(m_daemon->port(),
                    chunked("POST", "/api/events", compact(makeEvent(sid, u"x"_s, nowIso())), 7));
        QCOMPARE(ok.status, 201);
        QCOMPARE(QJsonDocument::fromJson(ok.body).object().value(u"seq"_s).toInteger(), 1);
    }

    void configuredBodyLimit_data()
    {
        QTest::addColumn<bool>("useChunked");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("status");
        for (const bool ch : {false, true}) {
            const char *how = ch ? "chunked" : "content-length";
            QTest::addRow("%s /api/events 10000", how) << ch << u"/api/events"_s << 10000 << 413;
            QTest::addRow("%s /api/events at limit", how) << ch << u"/api/events"_s << 4096 << 201;
            QTest::addRow("%s /api/events limit+1", how) << ch << u"/api/events"_s << 4097 << 413;
            QTest::addRow("%s /api/events/batch limit+1", how)
                << ch << u"/api/events/batch"_s << 4097 << 413;
            QTest::addRow("%s /api/sessions 10000", how)
                << ch << u"/api/sessions"_s << 10000 << 413;
        }
    }

    void configuredBodyLimit()
    {
        QFETCH(bool, useChunked);
        QFETCH(QString, path);
        QFETCH(int, size);
        QFETCH(int, status);
        const Daemon *d = small(); // maxBodyBytes 4096
        const QString sid = uid("small");
        const bool isBatch = path.endsWith(u"batch"_s);
        QByteArray body = paddedEvent(sid, isBatch ? size - 2 : size);
        if (isBatch)
            body = '[' + body + ']';
        QCOMPARE(body.size(), size);
        const HttpResult r = useChunked
                                 ? rawHttp(d->port(), chunked("POST", path.toLatin1(), body, 1000))
                                 : req("POST", path, body, {}, d);
        const int stored =
            req("GET", u"/api/events/"_s + sid, {}, {}, d).json().value(u"count"_s).toInt();
        if (status == 201) {
            QCOMPARE(r.status, 201);
            QCOMPARE(stored, 1);
        } else {
            CHECKED(verifyError(r, 413, u"Payload too large"_s));
            QCOMPARE(stored, 0);
        }
        CHECKED(verifyAlive(d));
    }
};

QTEST_GUILESS_MAIN(TestApiStatus)
#include "tst_api_status.moc"

// SPDX-License-Identifier: MIT
// /api/sessions and /api/users: create, list, read, update, delete, chains folded from events,
// TTLs, sessions made by events, users. Over the real wire against an in-process afwd (port 0),
// fresh for every test function and data row; both backends (AFW_TEST_BACKEND, see
// tests/support/apitest.h).
#include "apitest.h"

using namespace Afw;
using namespace Afw::Test;
using namespace Qt::StringLiterals;

class TestApiSessions : public ApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void createSessionServerId()
    {
        const qint64 before = nowMs();
        const HttpResult r = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/home/me/proj"_s},
                                                                  {u"hostname"_s, u"box"_s},
                                                                  {u"platform"_s, u"linux"_s},
                                                                  {u"userId"_s, u"alice"_s}});
        const qint64 after = nowMs();
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QJsonObject s = r.json();
        // Unknown optional fields are omitted, not null. v1.1: the whole session object,
        // chains (empty) and the derived counters included.
        QCOMPARE(keys(s), sorted({u"id"_s, u"cwd"_s, u"hostname"_s, u"platform"_s, u"user"_s,
                                  u"status"_s, u"startedAt"_s, u"chains"_s, u"totalStepsExecuted"_s,
                                  u"totalChainsCompleted"_s, u"criticalErrors"_s}));
        QCOMPARE(s.value(u"chains"_s), QJsonValue(QJsonArray{}));
        QVERIFY(!s.contains(u"currentChain"_s));
        static const QRegularExpression re(u"^session-(\\d{13})-[0-9a-z]+$"_s);
        const auto m = re.match(s.value(u"id"_s).toString());
        QVERIFY2(m.hasMatch(), qPrintable(s.value(u"id"_s).toString()));
        const qint64 ms = m.captured(1).toLongLong();
        QVERIFY(ms >= before && ms <= after);
        QCOMPARE(s.value(u"status"_s).toString(), u"pending"_s);
        QCOMPARE(s.value(u"cwd"_s).toString(), u"/home/me/proj"_s);
        QCOMPARE(s.value(u"user"_s).toString(), u"alice"_s);
        QCOMPARE(s.value(u"hostname"_s).toString(), u"box"_s);
        QCOMPARE(s.value(u"platform"_s).toString(), u"linux"_s);
        QVERIFY(isServerIso(s.value(u"startedAt"_s).toString()));
        QCOMPARE(*parseIsoTimestamp(s.value(u"startedAt"_s).toString()), ms);

        // A second one gets another id; both are readable.
        const QJsonObject s2 = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/x"_s}}).json();
        QVERIFY(re.match(s2.value(u"id"_s).toString()).hasMatch());
        QVERIFY(s2.value(u"id"_s) != s.value(u"id"_s));
        QVERIFY(!s2.contains(u"user"_s));
        QVERIFY(!s2.contains(u"hostname"_s));
        const HttpResult g = get(u"/api/sessions/"_s + s.value(u"id"_s).toString());
        QCOMPARE(g.status, 200);
        QCOMPARE(g.json(), s); // what POST answered is the session object GET gives
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 2);
    }

    void createSessionGivenIdIsIdempotent()
    {
        const QString id = uid("given");
        const HttpResult first =
            post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/a"_s}, {u"id"_s, id}});
        QCOMPARE(first.status, 201);
        QCOMPARE(first.json().value(u"id"_s).toString(), id);
        const HttpResult again =
            post(u"/api/sessions"_s,
                 QJsonObject{{u"cwd"_s, u"/b"_s}, {u"id"_s, id}, {u"userId"_s, u"bob"_s}});
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json(), first.json());
        const QJsonObject stored = get(u"/api/sessions/"_s + id).json();
        QCOMPARE(stored.value(u"cwd"_s).toString(), u"/a"_s);
        QVERIFY(!stored.contains(u"user"_s));
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 1);
        // The longest valid id is accepted.
        const QString longest(128, u'z');
        QCOMPARE(
            post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/a"_s}, {u"id"_s, longest}}).status,
            201);
        QCOMPARE(get(u"/api/sessions/"_s + longest).status, 200);
        const QString allChars = u"Az09._:@-"_s + uid("chars");
        QCOMPARE(
            post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/a"_s}, {u"id"_s, allChars}}).status,
            201);
        QCOMPARE(get(u"/api/sessions/"_s + allChars).json().value(u"id"_s).toString(), allChars);
    }

    void listSessions()
    {
        const qint64 now = nowMs();
        const QString oldS = uid("old"), midS = uid("mid"), newS = uid("new"), fresh = uid("fresh");
        // session:started creates sessions with the event's time: a known order.
        QCOMPARE(postEvent(makeEvent(oldS, u"session:started"_s, isoFromMs(now - 3 * 3600000),
                                     {{u"cwd"_s, u"/o"_s}, {u"user"_s, u"alice"_s}})),
                 1);
        QCOMPARE(postEvent(makeEvent(
                     midS, u"session:started"_s, isoFromMs(now - 2 * 3600000),
                     {{u"cwd"_s, u"/m"_s}, {u"user"_s, u"bob"_s}, {u"hostname"_s, u"h"_s}})),
                 1);
        QCOMPARE(postEvent(makeEvent(newS, u"session:started"_s, isoFromMs(now - 3600000),
                                     {{u"cwd"_s, u"/n"_s}, {u"user"_s, u"alice"_s}})),
                 1);
        QCOMPARE(createSession(fresh).value(u"status"_s).toString(), u"pending"_s);
        QCOMPARE(put(u"/api/sessions/"_s + midS, {{u"status"_s, u"completed"_s}}).status, 200);
        postEvent(makeEvent(newS, u"chain:compiled"_s, nowIso(), {{u"chainId"_s, u"c1"_s}}));
        postEvent(makeEvent(newS, u"chain:compiled"_s, nowIso(), {{u"chainId"_s, u"c2"_s}}));

        HttpResult r = get(u"/api/sessions"_s);
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"count"_s, u"sessions"_s}));
        QCOMPARE(o.value(u"count"_s).toInt(), 4);
        const QJsonArray rows = o.value(u"sessions"_s).toArray();
        QCOMPARE(ids(rows), (QStringList{fresh, newS, midS, oldS}));
        QCOMPARE(keys(rows.at(0).toObject()),
                 sorted({u"id"_s, u"status"_s, u"cwd"_s, u"startedAt"_s, u"chainsCount"_s}));
        QCOMPARE(keys(rows.at(2).toObject()),
                 sorted({u"id"_s, u"status"_s, u"cwd"_s, u"user"_s, u"hostname"_s, u"startedAt"_s,
                         u"endedAt"_s, u"chainsCount"_s}));
        QCOMPARE(rows.at(1).toObject().value(u"chainsCount"_s).toInt(), 2);
        QCOMPARE(rows.at(3).toObject().value(u"chainsCount"_s).toInt(), 0);
        QCOMPARE(rows.at(1).toObject().value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(rows.at(3).toObject().value(u"startedAt"_s).toString(),
                 isoFromMs(now - 3 * 3600000));

        auto listIds = [this](const QString &query) {
            const QJsonObject o = get(u"/api/sessions"_s + query).json();
            const QJsonArray a = o.value(u"sessions"_s).toArray();
            return o.value(u"count"_s).toInt() == a.size() ? ids(a)
                                                           : QStringList{u"count mismatch"_s};
        };
        QCOMPARE(listIds(u"?status=completed"_s), QStringList{midS});
        QCOMPARE(listIds(u"?status=in_progress"_s), (QStringList{newS, oldS}));
        QCOMPARE(listIds(u"?status=pending"_s), QStringList{fresh});
        QCOMPARE(listIds(u"?status=failed"_s), QStringList{});
        QCOMPARE(listIds(u"?user=alice"_s), (QStringList{newS, oldS}));
        QCOMPARE(listIds(u"?user=bob&status=in_progress"_s), QStringList{});
        QCOMPARE(listIds(u"?user=nobody"_s), QStringList{});
        QCOMPARE(listIds(u"?limit=2"_s), (QStringList{fresh, newS}));
        QCOMPARE(listIds(u"?limit=1&user=alice"_s), QStringList{newS});
        QCOMPARE(listIds(u"?limit=1000"_s).size(), 4);

        // Default limit 100.
        QJsonArray many;
        for (int i = 0; i < 100; ++i)
            many.append(makeEvent(uid("many"), u"session:started"_s,
                                  isoFromMs(now - 4 * 3600000 - i), {{u"cwd"_s, u"/m"_s}}));
        QCOMPARE(post(u"/api/events/batch"_s, compact(many)).status, 201);
        o = get(u"/api/sessions"_s).json();
        QCOMPARE(o.value(u"count"_s).toInt(), 100);
        QCOMPARE(ids(o.value(u"sessions"_s).toArray()).mid(0, 4),
                 (QStringList{fresh, newS, midS, oldS}));
        QCOMPARE(listIds(u"?limit=1000"_s).size(), 104);
    }

    void getSessionUnknown()
    {
        const QString id = uid("absent");
        const HttpResult r = get(u"/api/sessions/"_s + id);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), id);
        // Reading does not create it.
        CHECKED(
            verifyError(get(u"/api/sessions/"_s + id + u"/chains"_s), 404, u"Session not found"_s));
        QCOMPARE(get(u"/api/events/"_s + id).json().value(u"count"_s).toInt(), 0);
        CHECKED(verifyError(get(u"/api/sessions/"_s + id), 404, u"Session not found"_s));
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 0);
    }

    void updateSession()
    {
        const QString id = uid("upd");
        const QJsonObject created = createSession(id);
        HttpResult r = put(u"/api/sessions/"_s + id, {{u"status"_s, u"in_progress"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"status"_s).toString(), u"in_progress"_s);
        QVERIFY(!r.json().contains(u"endedAt"_s));
        QVERIFY(!r.json().contains(u"duration"_s));

        r = put(u"/api/sessions/"_s + id,
                {{u"summary"_s, u"did things"_s}, {u"endReason"_s, u"user-exit"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(r.json().value(u"summary"_s).toString(), u"did things"_s);
        QCOMPARE(r.json().value(u"endReason"_s).toString(), u"user-exit"_s);

        r = put(u"/api/sessions/"_s + id, {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"summary"_s).toString(), u"did things"_s);

        const qint64 before = nowMs();
        r = put(u"/api/sessions/"_s + id, {{u"status"_s, u"completed"_s}});
        QCOMPARE(r.status, 200);
        QJsonObject s = r.json();
        QCOMPARE(s.value(u"status"_s).toString(), u"completed"_s);
        QVERIFY(isServerIso(s.value(u"endedAt"_s).toString()));
        const qint64 ended = *parseIsoTimestamp(s.value(u"endedAt"_s).toString());
        const qint64 started = *parseIsoTimestamp(created.value(u"startedAt"_s).toString());
        QVERIFY(ended >= before - 1 && ended <= nowMs());
        QCOMPARE(s.value(u"duration"_s).toInteger(), ended - started);
        QCOMPARE(s.value(u"startedAt"_s), created.value(u"startedAt"_s));
        QCOMPARE(s.value(u"cwd"_s), created.value(u"cwd"_s));

        // Read back: the stored record has the same fields.
        const QJsonObject g = get(u"/api/sessions/"_s + id).json();
        for (const char *k : {"status", "endedAt", "duration", "summary", "endReason", "startedAt"})
            QCOMPARE(g.value(QLatin1String(k)), s.value(QLatin1String(k)));

        const QString other = uid("upd-failed");
        createSession(other);
        s = put(u"/api/sessions/"_s + other, {{u"status"_s, u"failed"_s}}).json();
        QCOMPARE(s.value(u"status"_s).toString(), u"failed"_s);
        QVERIFY(s.contains(u"endedAt"_s));
        QVERIFY(s.value(u"duration"_s).toInteger() >= 0);

        const QString absent = uid("upd-absent");
        r = put(u"/api/sessions/"_s + absent, {{u"status"_s, u"completed"_s}});
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
        QCOMPARE(get(u"/api/sessions/"_s + absent).status, 404); // PUT does not create
    }

    void deleteSession()
    {
        const QString id = uid("del"), keep = uid("keep");
        createSession(id, {{u"userId"_s, u"dora"_s}});
        createSession(keep);
        QCOMPARE(postEvent(makeEvent(id, u"chain:compiled"_s, nowIso())), 1);
        QCOMPARE(postEvent(makeEvent(id, u"step:started"_s, nowIso(), {{u"stepNumber"_s, 1}})), 2);
        QCOMPARE(postEvent(makeEvent(keep, u"x"_s, nowIso())), 1);
        QCOMPARE(
            post(u"/api/sessions/"_s + id + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}})
                .status,
            201);
        QCOMPARE(
            post(u"/api/sessions/"_s + id + u"/input"_s, QJsonObject{{u"input"_s, u"y"_s}}).status,
            201);

        HttpResult r = del(u"/api/sessions/"_s + id);
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");

        r = get(u"/api/sessions/"_s + id);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), id);
        const QJsonObject ev = get(u"/api/events/"_s + id).json();
        QCOMPARE(ev.value(u"count"_s).toInt(), 0);
        QCOMPARE(ev.value(u"events"_s).toArray().size(), 0);
        QCOMPARE(get(u"/api/sessions/"_s + id + u"/commands?peek=true"_s)
                     .json()
                     .value(u"count"_s)
                     .toInt(),
                 0);
        QCOMPARE(get(u"/api/sessions/"_s + id + u"/input"_s).json().value(u"count"_s).toInt(), 0);
        const QJsonObject ttl =
            get(u"/api/sessions/"_s + id + u"/ttl"_s).json().value(u"ttl"_s).toObject();
        for (const char *part : {"session", "events", "chains", "commands", "input"})
            QCOMPARE(ttl.value(QLatin1String(part)).toInteger(), -2);
        CHECKED(
            verifyError(get(u"/api/sessions/"_s + id + u"/chains"_s), 404, u"Session not found"_s));
        QCOMPARE(ids(get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray()),
                 QStringList{keep});
        QCOMPARE(get(u"/api/users"_s).json().value(u"count"_s).toInt(), 0);
        // The other session is untouched.
        QCOMPARE(events(keep).size(), 1);

        r = del(u"/api/sessions/"_s + id);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), id);
        // A new session under the same id starts from scratch (seq 1).
        QCOMPARE(postEvent(makeEvent(id, u"x"_s, nowIso())), 1);
    }

    // ------------------------------------------------------------ chains fold

    void chainsFromEvents()
    {
        const QString sid = uid("fold");
        createSession(sid);
        const QList<QJsonObject> evs{
            makeEvent(sid, u"chain:compiled"_s, t0(0),
                      {{u"chainId"_s, u"c1"_s},
                       {u"title"_s, u"Build"_s},
                       {u"source"_s, u"flow"_s},
                       {u"ref"_s, u"r1"_s},
                       {u"executionMode"_s, u"sequential"_s},
                       {u"steps"_s, QJsonArray{QJsonObject{{u"stepNumber"_s, 1},
                                                           {u"action"_s, u"code"_s},
                                                           {u"model"_s, u"m"_s}},
                                               QJsonObject{{u"stepNumber"_s, 2},
                                                           {u"action"_s, u"review"_s}}}}}),
            makeEvent(sid, u"chain:started"_s, t0(1000), {{u"chainId"_s, u"c1"_s}}),
            makeEvent(sid, u"step:started"_s, t0(2000), {{u"stepNumber"_s, 1}}),
            makeEvent(sid, u"step:completed"_s, t0(4500),
                      {{u"stepNumber"_s, 1}, {u"result"_s, u"ok"_s}}),
            makeEvent(sid, u"step:started"_s, t0(5000), {{u"stepNumber"_s, 2}}),
            makeEvent(sid, u"step:completed"_s, t0(6000),
                      {{u"stepNumber"_s, 2}, {u"duration"_s, 1234}, {u"learning"_s, u"x"_s}}),
            makeEvent(sid, u"chain:completed"_s, t0(7000),
                      {{u"chainId"_s, u"c1"_s},
                       {u"overallStatus"_s, u"success"_s},
                       {u"summary"_s, u"done"_s},
                       {u"successfulSteps"_s, 2}}),
            makeEvent(sid, u"chain:compiled"_s, t0(8000),
                      {{u"title"_s, u"Fix"_s},
                       {u"steps"_s, QJsonArray{QJsonObject{{u"action"_s, u"fix"_s}}}}}),
            makeEvent(sid, u"step:started"_s, t0(9000), {{u"stepNumber"_s, 1}}),
            makeEvent(sid, u"step:failed"_s, t0(10000),
                      {{u"stepNumber"_s, 1}, {u"error"_s, u"boom"_s}}),
            makeEvent(sid, u"chain:completed"_s, t0(11000), {{u"overallStatus"_s, u"failure"_s}}),
            makeEvent(sid, u"error:occurred"_s, t0(12000), {{u"severity"_s, u"critical"_s}}),
            makeEvent(sid, u"error:occurred"_s, t0(12500), {{u"severity"_s, u"warning"_s}}),
        };
        for (qsizetype i = 0; i < evs.size(); ++i)
            QCOMPARE(postEvent(evs.at(i)), i + 1);

        HttpResult r = get(u"/api/sessions/"_s + sid + u"/chains"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"sessionId"_s, u"count"_s, u"chains"_s}));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        QCOMPARE(o.value(u"count"_s).toInt(), 2);
        const QJsonArray chains = o.value(u"chains"_s).toArray();
        QCOMPARE(ids(chains), (QStringList{u"c1"_s, u"chain-8"_s}));

        const QJsonObject c1 = chains.at(0).toObject();
        QCOMPARE(c1.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(c1.value(u"title"_s).toString(), u"Build"_s);
        QCOMPARE(c1.value(u"source"_s).toString(), u"flow"_s);
        QCOMPARE(c1.value(u"ref"_s).toString(), u"r1"_s);
        QCOMPARE(c1.value(u"executionMode"_s).toString(), u"sequential"_s);
        QCOMPARE(c1.value(u"compiledAt"_s).toString(), t0(0));
        QCOMPARE(c1.value(u"startedAt"_s).toString(), t0(1000));
        QCOMPARE(c1.value(u"completedAt"_s).toString(), t0(7000));
        QCOMPARE(c1.value(u"duration"_s).toInteger(), 6000);
        QCOMPARE(c1.value(u"summary"_s).toString(), u"done"_s);
        QCOMPARE(c1.value(u"successfulSteps"_s).toInt(), 2);
        const QJsonArray s1 = c1.value(u"steps"_s).toArray();
        QCOMPARE(s1.size(), 2);
        const QJsonObject st1 = s1.at(0).toObject();
        QCOMPARE(st1.value(u"stepNumber"_s).toInt(), 1);
        QCOMPARE(st1.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(st1.value(u"action"_s).toString(), u"code"_s);
        QCOMPARE(st1.value(u"model"_s).toString(), u"m"_s);
        QCOMPARE(st1.value(u"startedAt"_s).toString(), t0(2000));
        QCOMPARE(st1.value(u"completedAt"_s).toString(), t0(4500));
        QCOMPARE(st1.value(u"duration"_s).toInteger(), 2500);
        QCOMPARE(st1.value(u"result"_s).toString(), u"ok"_s);
        const QJsonObject st2 = s1.at(1).toObject();
        QCOMPARE(st2.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(st2.value(u"action"_s).toString(), u"review"_s);
        QCOMPARE(st2.value(u"duration"_s).toInteger(), 1234); // the event's own duration wins
        QCOMPARE(st2.value(u"learning"_s).toString(), u"x"_s);

        const QJsonObject c2 = chains.at(1).toObject();
        QCOMPARE(c2.value(u"status"_s).toString(), u"failed"_s);
        QCOMPARE(c2.value(u"title"_s).toString(), u"Fix"_s);
        QCOMPARE(c2.value(u"completedAt"_s).toString(), t0(11000));
        QVERIFY(!c2.contains(u"duration"_s)); // never started: no duration to derive
        const QJsonObject f1 = c2.value(u"steps"_s).toArray().at(0).toObject();
        QCOMPARE(f1.value(u"stepNumber"_s).toInt(), 1);
        QCOMPARE(f1.value(u"status"_s).toString(), u"failed"_s);
        QCOMPARE(f1.value(u"error"_s).toString(), u"boom"_s);
        QCOMPARE(f1.value(u"duration"_s).toInteger(), 1000);

        // GET one session: the same chains plus the derived counters.
        r = get(u"/api/sessions/"_s + sid);
        QCOMPARE(r.status, 200);
        const QJsonObject s = r.json();
        QCOMPARE(s.value(u"chains"_s).toArray(), chains);
        // v1.1: an object; every chain has finished, so the latest.
        QCOMPARE(s.value(u"currentChain"_s).toObject(), chains.at(1).toObject());
        QCOMPARE(s.value(u"totalStepsExecuted"_s).toInt(), 3);
        QCOMPARE(s.value(u"totalChainsCompleted"_s).toInt(), 1);
        QCOMPARE(s.value(u"criticalErrors"_s).toArray().size(), 1);
        QCOMPARE(get(u"/api/sessions"_s)
                     .json()
                     .value(u"sessions"_s)
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(u"chainsCount"_s)
                     .toInt(),
                 2);

        // A step with no compiled chain makes one on the fly.
        const QString bare = uid("bare");
        createSession(bare);
        QCOMPARE(postEvent(makeEvent(bare, u"step:started"_s, t0(0),
                                     {{u"stepNumber"_s, 3}, {u"action"_s, u"a"_s}})),
                 1);
        const QJsonArray onTheFly =
            get(u"/api/sessions/"_s + bare + u"/chains"_s).json().value(u"chains"_s).toArray();
        QCOMPARE(ids(onTheFly), QStringList{u"chain-1"_s});
        QCOMPARE(onTheFly.at(0).toObject().value(u"status"_s).toString(), u"in_progress"_s);
        const QJsonObject step3 =
            onTheFly.at(0).toObject().value(u"steps"_s).toArray().at(0).toObject();
        QCOMPARE(step3.value(u"stepNumber"_s).toInt(), 3);
        QCOMPARE(step3.value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(step3.value(u"startedAt"_s).toString(), t0(0));

        // A fresh session has an empty chain list, not a missing one.
        const QString empty = uid("nochains");
        createSession(empty);
        r = get(u"/api/sessions/"_s + empty + u"/chains"_s);
        QCOMPARE(
            r.json(),
            (QJsonObject{{u"sessionId"_s, empty}, {u"count"_s, 0}, {u"chains"_s, QJsonArray{}}}));
        const QJsonObject es = get(u"/api/sessions/"_s + empty).json();
        QCOMPARE(es.value(u"chains"_s).toArray(), QJsonArray{});
        QVERIFY(!es.contains(u"currentChain"_s));

        const QString absent = uid("nochain-absent");
        r = get(u"/api/sessions/"_s + absent + u"/chains"_s);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
    }

    // Ids the daemon derives from event fields (a session's user, a chain's id) obey
    // the id rule too: a user that /api/users lists must be one /api/users/:userId
    // accepts, and no chain id may carry what an id must not.
    void derivedIdsObeyTheIdRule_data()
    {
        QTest::addColumn<QString>("bad");
        QTest::newRow("space") << u"john smith"_s;
        QTest::newRow("backslash") << u"CORP\\john"_s;
        QTest::newRow("dotdot") << u".."_s;
        QTest::newRow("129 chars") << QString(129, u'u');
        QTest::newRow("star") << u"*"_s;
    }

    void derivedIdsObeyTheIdRule()
    {
        QFETCH(QString, bad);
        const QString sid = uid("derived");
        QCOMPARE(postEvent(makeEvent(sid, u"session:started"_s, nowIso(),
                                     {{u"cwd"_s, u"/d"_s}, {u"user"_s, bad}})),
                 1);
        QCOMPARE(
            postEvent(makeEvent(sid, u"chain:compiled"_s, nowIso(),
                                {{u"chainId"_s, bad}, {u"steps"_s, QJsonArray{QJsonObject{}}}})),
            2);
        QCOMPARE(postEvent(makeEvent(sid, u"chain:started"_s, nowIso(), {{u"chainId"_s, bad}})), 3);
        QCOMPARE(postEvent(makeEvent(sid, u"step:completed"_s, nowIso(), {{u"stepNumber"_s, 1}})),
                 4);
        QCOMPARE(postEvent(makeEvent(sid, u"chain:completed"_s, nowIso(), {{u"chainId"_s, bad}})),
                 5);
        // The events themselves are kept verbatim.
        QCOMPARE(events(sid).at(0).toObject().value(u"user"_s).toString(), bad);

        const QJsonArray users = get(u"/api/users"_s).json().value(u"users"_s).toArray();
        for (const auto &u : users) {
            const QString user = u.toObject().value(u"user"_s).toString();
            QCOMPARE(get(u"/api/users/"_s + QString::fromLatin1(QUrl::toPercentEncoding(user)) +
                         u"/sessions"_s)
                         .status,
                     200);
        }
        const QJsonObject session = get(u"/api/sessions/"_s + sid).json();
        QCOMPARE(session.value(u"status"_s).toString(), u"in_progress"_s);
        QVERIFY(!session.contains(u"user"_s));
        const QJsonArray chains = session.value(u"chains"_s).toArray();
        QCOMPARE(chains.size(), 1);
        const QJsonObject chain = chains.at(0).toObject();
        QCOMPARE(chain.value(u"id"_s).toString(), u"chain-2"_s);
        QCOMPARE(chain.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(chain.value(u"steps"_s).toArray().at(0).toObject().value(u"status"_s).toString(),
                 u"completed"_s);
        QCOMPARE(session.value(u"currentChain"_s).toObject(), chain);
    }

    // ------------------------------------------------------------ ttl

    void ttl()
    {
        const QString sid = uid("ttl");
        HttpResult r = get(u"/api/sessions/"_s + sid + u"/ttl"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, sid},
                                        {u"storage"_s, backend()},
                                        {u"ttl"_s, QJsonObject{{u"session"_s, -2},
                                                               {u"events"_s, -2},
                                                               {u"chains"_s, -2},
                                                               {u"commands"_s, -2},
                                                               {u"input"_s, -2}}}}));
        auto ttlOf = [&](const char *part) {
            return get(u"/api/sessions/"_s + sid + u"/ttl"_s)
                .json()
                .value(u"ttl"_s)
                .toObject()
                .value(QLatin1String(part))
                .toInteger();
        };
        auto near = [](qint64 v, qint64 want) { return v <= want && v >= want - 5; };
        createSession(sid);
        QVERIFY2(near(ttlOf("session"), 86400), qPrintable(QString::number(ttlOf("session"))));
        QCOMPARE(ttlOf("events"), -2);
        QCOMPARE(ttlOf("commands"), -2);
        QCOMPARE(ttlOf("input"), -2);
        QCOMPARE(ttlOf("chains"), -2);
        QCOMPARE(postEvent(makeEvent(sid, u"x"_s, nowIso())), 1);
        QVERIFY(near(ttlOf("events"), 86400));
        QCOMPARE(
            post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}})
                .status,
            201);
        QVERIFY2(near(ttlOf("commands"), 300), qPrintable(QString::number(ttlOf("commands"))));
        QCOMPARE(ttlOf("input"), -2);
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"go"_s}})
                     .status,
                 201);
        QVERIFY(near(ttlOf("input"), 300));
        // A drained queue is gone, like a Redis list that was emptied.
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/commands"_s).json().value(u"count"_s).toInt(),
                 1);
        QCOMPARE(ttlOf("commands"), -2);
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/input"_s).json().value(u"count"_s).toInt(), 1);
        QCOMPARE(ttlOf("input"), -2);
        QVERIFY(near(ttlOf("session"), 86400));
    }

    // ------------------------------------------------------------ events

    void sessionFollowsEvents()
    {
        const QString sid = uid("lifecycle");
        const qint64 start = nowMs() - 120000;
        QCOMPARE(postEvent(makeEvent(sid, u"session:started"_s, isoFromMs(start),
                                     {{u"cwd"_s, u"/p"_s},
                                      {u"hostname"_s, u"h1"_s},
                                      {u"platform"_s, u"darwin"_s},
                                      {u"user"_s, u"carol"_s}})),
                 1);
        HttpResult r = get(u"/api/sessions/"_s + sid);
        QCOMPARE(r.status, 200);
        QJsonObject s = r.json();
        QCOMPARE(s.value(u"id"_s).toString(), sid);
        QCOMPARE(s.value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(s.value(u"cwd"_s).toString(), u"/p"_s);
        QCOMPARE(s.value(u"hostname"_s).toString(), u"h1"_s);
        QCOMPARE(s.value(u"platform"_s).toString(), u"darwin"_s);
        QCOMPARE(s.value(u"user"_s).toString(), u"carol"_s);
        QCOMPARE(s.value(u"startedAt"_s).toString(), isoFromMs(start));
        QVERIFY(!s.contains(u"endedAt"_s));
        QCOMPARE(ids(get(u"/api/users/carol/sessions"_s).json().value(u"sessions"_s).toArray()),
                 QStringList{sid});

        QCOMPARE(postEvent(makeEvent(sid, u"session:ended"_s, isoFromMs(start + 90000),
                                     {{u"summary"_s, u"all good"_s}, {u"endReason"_s, u"done"_s}})),
                 2);
        s = get(u"/api/sessions/"_s + sid).json();
        QCOMPARE(s.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(s.value(u"endedAt"_s).toString(), isoFromMs(start + 90000));
        QCOMPARE(s.value(u"duration"_s).toInteger(), 90000);
        QCOMPARE(s.value(u"summary"_s).toString(), u"all good"_s);
        QCOMPARE(s.value(u"endReason"_s).toString(), u"done"_s);
        const QJsonObject row = get(u"/api/sessions?status=completed"_s)
                                    .json()
                                    .value(u"sessions"_s)
                                    .toArray()
                                    .at(0)
                                    .toObject();
        QCOMPARE(row.value(u"id"_s).toString(), sid);
        QCOMPARE(row.value(u"endedAt"_s).toString(), isoFromMs(start + 90000));

        // session:started on a session made by POST moves it on, keeping its fields.
        const QString posted = uid("posted");
        const QJsonObject created = createSession(posted, {{u"cwd"_s, u"/orig"_s}});
        QCOMPARE(
            postEvent(makeEvent(posted, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/other"_s}})),
            1);
        s = get(u"/api/sessions/"_s + posted).json();
        QCOMPARE(s.value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(s.value(u"cwd"_s).toString(), u"/orig"_s);
        QCOMPARE(s.value(u"startedAt"_s), created.value(u"startedAt"_s));
    }

    // ------------------------------------------------------------ v1.1: events create sessions

    // An event for a session that does not exist creates it, as session:started does:
    // in_progress, startedAt = the event's timestamp, cwd/hostname/platform/user from
    // the event when present (cwd may then be absent), listed like any other session.
    void eventCreatesUnknownSession_data()
    {
        QTest::addColumn<bool>("viaBatch");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonObject>("fields");
        QTest::addColumn<QJsonObject>(
            "expected"); // fields of the session record beyond id/startedAt
        const QJsonObject all{{u"cwd"_s, u"/repo"_s},
                              {u"hostname"_s, u"box"_s},
                              {u"platform"_s, u"linux"_s},
                              {u"user"_s, u"erin"_s}};
        QJsonObject allExpected = all;
        allExpected.insert(u"status"_s, u"in_progress"_s);
        for (const bool batch : {false, true}) {
            const char *via = batch ? "batch" : "single";
            QTest::addRow("%s, step:spawned, no fields", via)
                << batch << u"step:spawned"_s << QJsonObject{{u"stepNumber"_s, 1}}
                << QJsonObject{{u"status"_s, u"in_progress"_s}};
            QTest::addRow("%s, step:completed with every field", via)
                << batch << u"step:completed"_s << QJsonObject(all) << allExpected;
            QTest::addRow("%s, unknown type, userId", via)
                << batch << u"agent:thinking"_s << QJsonObject{{u"userId"_s, u"fred"_s}}
                << QJsonObject{{u"status"_s, u"in_progress"_s}, {u"user"_s, u"fred"_s}};
            QTest::addRow("%s, session:ended", via)
                << batch << u"session:ended"_s << QJsonObject{{u"summary"_s, u"short"_s}}
                << QJsonObject{{u"status"_s, u"completed"_s},
                               {u"summary"_s, u"short"_s},
                               {u"duration"_s, 0}};
        }
    }

    void eventCreatesUnknownSession()
    {
        QFETCH(bool, viaBatch);
        QFETCH(QString, type);
        QFETCH(QJsonObject, fields);
        QFETCH(QJsonObject, expected);
        const QString sid = uid("auto");
        const QString ts = u"2026-03-01T10:00:00.250+02:00"_s; // any zone; stored as UTC
        const QString startedAt = u"2026-03-01T08:00:00.250Z"_s;
        CHECKED(verifyError(get(u"/api/sessions/"_s + sid), 404, u"Session not found"_s));
        const QJsonObject event = makeEvent(sid, type, ts, fields);
        if (viaBatch)
            QCOMPARE(post(u"/api/events/batch"_s, compact(QJsonArray{event})).status, 201);
        else
            QCOMPARE(postEvent(event), 1);

        HttpResult r = get(u"/api/sessions/"_s + sid);
        QCOMPARE(r.status, 200);
        QJsonObject s = r.json();
        QCOMPARE(s.value(u"id"_s).toString(), sid);
        QCOMPARE(s.value(u"startedAt"_s).toString(), startedAt);
        for (auto it = expected.begin(); it != expected.end(); ++it)
            QCOMPARE(s.value(it.key()), it.value());
        // v1.2: cwd is required by the dashboard's model ("" when no event gave it).
        if (!expected.contains(u"cwd"_s))
            QCOMPARE(s.value(u"cwd"_s), QJsonValue(u""_s));
        for (const char *k : {"hostname", "platform", "user"}) {
            if (!expected.contains(QLatin1String(k)))
                QVERIFY2(!s.contains(QLatin1String(k)), k); // absent, not empty or null
        }
        if (type == u"session:ended"_s)
            QCOMPARE(s.value(u"endedAt"_s).toString(), startedAt);
        else
            QVERIFY(!s.contains(u"endedAt"_s));
        // Listed (on Redis: in the session index), counted, and with the usual TTL.
        const QJsonArray rows = get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray();
        QCOMPARE(ids(rows), QStringList{sid});
        QCOMPARE(rows.at(0).toObject().value(u"status"_s), expected.value(u"status"_s));
        QCOMPARE(rows.at(0).toObject().value(u"startedAt"_s).toString(), startedAt);
        const qint64 ttl = get(u"/api/sessions/"_s + sid + u"/ttl"_s)
                               .json()
                               .value(u"ttl"_s)
                               .toObject()
                               .value(u"session"_s)
                               .toInteger();
        QVERIFY2(ttl <= 86400 && ttl >= 86395, qPrintable(QString::number(ttl)));
        // A session that exists now takes commands and input.
        QCOMPARE(
            post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}})
                .status,
            201);
        QCOMPARE(
            post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"y"_s}}).status,
            201);

        // Later events neither re-create nor overwrite it.
        QCOMPARE(postEvent(makeEvent(
                     sid, u"step:spawned"_s, t0(3600000),
                     {{u"cwd"_s, u"/other"_s}, {u"user"_s, u"mallory"_s}, {u"stepNumber"_s, 2}})),
                 2);
        const QJsonObject again = get(u"/api/sessions/"_s + sid).json();
        for (const char *k :
             {"id", "startedAt", "status", "cwd", "hostname", "platform", "user", "summary"})
            QCOMPARE(again.value(QLatin1String(k)), s.value(QLatin1String(k)));
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 1);
    }

    // Concurrent first events for one session, on two daemons sharing one Redis (with
    // memory: one daemon): exactly one creation, listed once, made from the event that
    // got seq 1.
    void unknownSessionConcurrentPosters()
    {
        const auto other = twin();
        if (m_fixture.useRedis())
            QVERIFY(other);
        QList<const Daemon *> daemons{m_daemon.get()};
        if (other)
            daemons << other.get();
        const QString sid = uid("race");
        constexpr int kPosts = 24;
        QList<QNetworkReply *> replies;
        for (int i = 0; i < kPosts; ++i) {
            const QJsonObject e =
                makeEvent(sid, u"step:spawned"_s, t0(i * 1000),
                          {{u"cwd"_s, u"/c%1"_s.arg(i)}, {u"stepNumber"_s, i + 1}});
            QNetworkRequest req(url(u"/api/events"_s, daemons.at(i % daemons.size())));
            req.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
            replies << m_nam.post(req, compact(e));
        }
        QVERIFY(QTest::qWaitFor(
            [&] {
                return std::all_of(replies.cbegin(), replies.cend(),
                                   [](QNetworkReply *r) { return r->isFinished(); });
            },
            10000));
        for (QNetworkReply *r : std::as_const(replies)) {
            QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
            r->deleteLater();
        }
        const QJsonArray evs = events(sid);
        QCOMPARE(evs.size(), kPosts);
        const QJsonObject first = evs.at(0).toObject();
        QCOMPARE(first.value(u"seq"_s).toInt(), 1);
        for (const Daemon *d : std::as_const(daemons)) {
            const QJsonObject s = req("GET", u"/api/sessions/"_s + sid, {}, {}, d).json();
            QCOMPARE(s.value(u"cwd"_s), first.value(u"cwd"_s));
            QCOMPARE(s.value(u"startedAt"_s).toString(),
                     isoFromMs(*parseIsoTimestamp(first.value(u"timestamp"_s).toString())));
            const QJsonArray rows =
                req("GET", u"/api/sessions"_s, {}, {}, d).json().value(u"sessions"_s).toArray();
            QCOMPARE(ids(rows), QStringList{sid});
        }
    }

    // ------------------------------------------------------------ v1.1: currentChain, chainsCount

    // The list entry's currentChain and chainsCount are the chains GET /api/sessions/:id
    // and /chains give, also for chains made on the fly by step events.
    void listCarriesCurrentChain()
    {
        const QString steps = uid("steps-only"), two = uid("two-chains"), none = uid("no-chain");
        QCOMPARE(postEvent(makeEvent(steps, u"step:spawned"_s, t0(0),
                                     {{u"stepNumber"_s, 1}, {u"action"_s, u"code"_s}})),
                 1);
        QCOMPARE(postEvent(makeEvent(steps, u"step:completed"_s, t0(1000), {{u"stepNumber"_s, 1}})),
                 2);
        QCOMPARE(postEvent(makeEvent(steps, u"step:spawned"_s, t0(2000), {{u"stepNumber"_s, 2}})),
                 3);
        createSession(two);
        postEvent(makeEvent(two, u"chain:compiled"_s, t0(0),
                            {{u"chainId"_s, u"a"_s},
                             {u"steps"_s, QJsonArray{QJsonObject{{u"stepNumber"_s, 1}},
                                                     QJsonObject{{u"stepNumber"_s, 2}}}}}));
        postEvent(makeEvent(two, u"chain:compiled"_s, t0(1000), {{u"chainId"_s, u"b"_s}}));
        postEvent(makeEvent(two, u"chain:completed"_s, t0(2000),
                            {{u"chainId"_s, u"b"_s}, {u"overallStatus"_s, u"success"_s}}));
        createSession(none);

        auto listed = [this](const QString &sid) {
            for (const auto &v : get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray()) {
                if (v.toObject().value(u"id"_s).toString() == sid)
                    return v.toObject();
            }
            return QJsonObject{};
        };
        auto chainsOf = [this](const QString &sid) {
            return get(u"/api/sessions/"_s + sid + u"/chains"_s).json();
        };
        for (const QString &sid : {steps, two, none}) {
            const QJsonObject row = listed(sid);
            const QJsonObject chains = chainsOf(sid);
            const QJsonObject session = get(u"/api/sessions/"_s + sid).json();
            QCOMPARE(row.value(u"chainsCount"_s).toInt(), chains.value(u"count"_s).toInt());
            QCOMPARE(row.value(u"currentChain"_s), session.value(u"currentChain"_s));
            QCOMPARE(session.value(u"chains"_s), chains.value(u"chains"_s));
        }
        // Steps only: the chain made on the fly is counted and current, with its steps.
        QJsonObject row = listed(steps);
        QCOMPARE(row.value(u"chainsCount"_s).toInt(), 1);
        QJsonObject current = row.value(u"currentChain"_s).toObject();
        QCOMPARE(current.value(u"id"_s).toString(), u"chain-1"_s);
        QCOMPARE(current.value(u"status"_s).toString(), u"in_progress"_s);
        QJsonArray currentSteps = current.value(u"steps"_s).toArray();
        QCOMPARE(currentSteps.size(), 2);
        QCOMPARE(currentSteps.at(0).toObject().value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(currentSteps.at(0).toObject().value(u"action"_s).toString(), u"code"_s);
        QCOMPARE(currentSteps.at(1).toObject().value(u"status"_s).toString(), u"in_progress"_s);
        // Two chains, the later one finished: the open one is current.
        row = listed(two);
        QCOMPARE(row.value(u"chainsCount"_s).toInt(), 2);
        QCOMPARE(row.value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"a"_s);
        QCOMPARE(row.value(u"currentChain"_s).toObject().value(u"steps"_s).toArray().size(), 2);
        // No chain: no currentChain at all (not null, not an id).
        row = listed(none);
        QCOMPARE(row.value(u"chainsCount"_s).toInt(), 0);
        QVERIFY(!row.contains(u"currentChain"_s));

        // The listing follows new events: the step finishes.
        QCOMPARE(postEvent(makeEvent(steps, u"step:failed"_s, t0(3000),
                                     {{u"stepNumber"_s, 2}, {u"error"_s, u"x"_s}})),
                 4);
        currentSteps =
            listed(steps).value(u"currentChain"_s).toObject().value(u"steps"_s).toArray();
        QCOMPARE(currentSteps.at(1).toObject().value(u"status"_s).toString(), u"failed"_s);
        QCOMPARE(currentSteps.at(1).toObject().value(u"error"_s).toString(), u"x"_s);
        // Re-posting an existing id answers the stored session, whole, as GET does.
        const HttpResult again =
            post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/x"_s}, {u"id"_s, two}});
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json(), get(u"/api/sessions/"_s + two).json());
        QCOMPARE(again.json().value(u"chains"_s).toArray().size(), 2);
    }

    // Folds are kept between listings and extended with new events; they start over when
    // the stored events no longer continue what was folded: a session deleted and made
    // again (on Redis by another daemon, which this one cannot see), or more new events
    // than the cap.
    void listFoldStartsOverWhenHistoryChanged()
    {
        const QString sid = uid("refold");
        QCOMPARE(postEvent(makeEvent(sid, u"chain:compiled"_s, t0(0), {{u"chainId"_s, u"old"_s}})),
                 1);
        auto row = [this] {
            return get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray().at(0).toObject();
        };
        QCOMPARE(row().value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"old"_s);

        const auto other = twin();
        const Daemon *deleter = other ? other.get() : m_daemon.get();
        QCOMPARE(req("DELETE", u"/api/sessions/"_s + sid, {}, {}, deleter).status, 204);
        QCOMPARE(postEvent(makeEvent(sid, u"step:spawned"_s, t0(1000), {{u"stepNumber"_s, 1}})), 1);
        QJsonObject r = row();
        QCOMPARE(r.value(u"id"_s).toString(), sid);
        QCOMPARE(r.value(u"chainsCount"_s).toInt(), 1);
        QCOMPARE(r.value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"chain-1"_s);
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/chains"_s).json().value(u"count"_s).toInt(), 1);

        // Past the cap: a daemon that keeps 5 events per session.
        Config capped;
        capped.maxEventsPerSession = 5;
        const auto d = start(capped);
        QVERIFY(d);
        const QString c = uid("capped");
        auto post = [&](const QString &type, qint64 seq, QJsonObject extra = {}) {
            QCOMPARE(req("POST", u"/api/events"_s, compact(makeEvent(c, type, t0(seq), extra)), {},
                         d.get())
                         .json()
                         .value(u"seq"_s)
                         .toInteger(),
                     seq);
        };
        auto cappedRow = [&] {
            return req("GET", u"/api/sessions"_s, {}, {}, d.get())
                .json()
                .value(u"sessions"_s)
                .toArray()
                .at(0)
                .toObject();
        };
        post(u"chain:compiled"_s, 1, {{u"chainId"_s, u"c1"_s}});
        QCOMPARE(cappedRow().value(u"chainsCount"_s).toInt(), 1);
        for (qint64 seq = 2; seq <= 11; ++seq) // seq 1 is trimmed away, and all it was folded up to
            post(u"file:created"_s, seq);
        QCOMPARE(cappedRow().value(u"chainsCount"_s).toInt(), 0); // folded anew from seqs 7..11
        QVERIFY(!cappedRow().contains(u"currentChain"_s));
        post(u"chain:compiled"_s, 12, {{u"chainId"_s, u"c2"_s}});
        QCOMPARE(cappedRow().value(u"currentChain"_s).toObject().value(u"id"_s).toString(),
                 u"c2"_s);
        post(u"step:started"_s, 13, {{u"stepNumber"_s, 1}});
        post(u"step:started"_s, 14, {{u"stepNumber"_s, 2}});
        const QJsonObject last = cappedRow();
        QCOMPARE(last.value(u"chainsCount"_s).toInt(), 1);
        QCOMPARE(last.value(u"currentChain"_s).toObject().value(u"steps"_s).toArray().size(), 2);
        QCOMPARE(req("GET", u"/api/sessions/"_s + c + u"/chains"_s, {}, {}, d.get())
                     .json()
                     .value(u"count"_s)
                     .toInt(),
                 1);
    }

    // ------------------------------------------------------------ commands, input

    void users()
    {
        const QString a1 = uid("ua"), a2 = uid("ua"), b1 = uid("ub"), n1 = uid("un");
        const QString c1 = uid("uc"), c2 = uid("uc"), d1 = uid("ud");
        createSession(a1, {{u"userId"_s, u"alice"_s}});
        createSession(a2, {{u"userId"_s, u"alice"_s}});
        createSession(b1, {{u"userId"_s, u"bob@example.com"_s}});
        createSession(n1);
        QCOMPARE(put(u"/api/sessions/"_s + a2, {{u"status"_s, u"completed"_s}}).status, 200);
        // carol: every session over; dave: a session an agent's step event created.
        createSession(c1, {{u"userId"_s, u"carol"_s}});
        createSession(c2, {{u"userId"_s, u"carol"_s}});
        QCOMPARE(put(u"/api/sessions/"_s + c1, {{u"status"_s, u"completed"_s}}).status, 200);
        QCOMPARE(put(u"/api/sessions/"_s + c2, {{u"status"_s, u"failed"_s}}).status, 200);
        QCOMPARE(postEvent(makeEvent(d1, u"step:spawned"_s, nowIso(),
                                     {{u"stepNumber"_s, 1}, {u"user"_s, u"dave"_s}})),
                 1);

        HttpResult r = get(u"/api/users"_s);
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"count"_s, u"users"_s}));
        QCOMPARE(o.value(u"count"_s).toInt(), 4);
        QHash<QString, QJsonObject> byUser;
        for (const auto &v : o.value(u"users"_s).toArray()) {
            const QJsonObject u = v.toObject();
            // v1.1: every entry has an id, the user, which the dashboard keys on
            QCOMPARE(u.value(u"id"_s), u.value(u"user"_s));
            QVERIFY(u.value(u"isOnline"_s).isBool());
            byUser.insert(u.value(u"user"_s).toString(), u);
        }
        QCOMPARE(sorted(byUser.keys()),
                 sorted({u"alice"_s, u"bob@example.com"_s, u"carol"_s, u"dave"_s}));
        // online: a pending or in_progress session
        QCOMPARE(byUser.value(u"alice"_s).value(u"isOnline"_s).toBool(), true); // a1 pending
        QCOMPARE(byUser.value(u"bob@example.com"_s).value(u"isOnline"_s).toBool(), true);
        QCOMPARE(byUser.value(u"carol"_s).value(u"isOnline"_s).toBool(),
                 false);                                                       // completed, failed
        QCOMPARE(byUser.value(u"dave"_s).value(u"isOnline"_s).toBool(), true); // in_progress
        QCOMPARE(byUser.value(u"dave"_s)
                     .value(u"sessions"_s)
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(u"status"_s)
                     .toString(),
                 u"in_progress"_s);
        const QJsonObject alice = byUser.value(u"alice"_s);
        QCOMPARE(keys(alice),
                 sorted({u"id"_s, u"user"_s, u"sessionCount"_s, u"isOnline"_s, u"sessions"_s}));
        QCOMPARE(alice.value(u"sessionCount"_s).toInt(), 2);
        const QJsonArray as = alice.value(u"sessions"_s).toArray();
        QCOMPARE(sorted(ids(as)), sorted({a1, a2}));
        for (const auto &v : as) {
            const QJsonObject s = v.toObject();
            if (s.value(u"id"_s).toString() == a2)
                QCOMPARE(keys(s), sorted({u"id"_s, u"status"_s, u"startedAt"_s, u"endedAt"_s}));
            else
                QCOMPARE(keys(s), sorted({u"id"_s, u"status"_s, u"startedAt"_s}));
        }
        QCOMPARE(byUser.value(u"bob@example.com"_s).value(u"sessionCount"_s).toInt(), 1);

        r = get(u"/api/users/alice/sessions"_s);
        QCOMPARE(r.status, 200);
        o = r.json();
        QCOMPARE(keys(o), sorted({u"user"_s, u"sessionCount"_s, u"sessions"_s}));
        QCOMPARE(o.value(u"user"_s).toString(), u"alice"_s);
        QCOMPARE(o.value(u"sessionCount"_s).toInt(), 2);
        const QJsonArray full = o.value(u"sessions"_s).toArray();
        QCOMPARE(sorted(ids(full)), sorted({a1, a2}));
        for (const auto &v : full) {
            QCOMPARE(v.toObject().value(u"user"_s).toString(), u"alice"_s);
            QVERIFY(v.toObject().contains(u"cwd"_s));
        }
        QCOMPARE(
            get(u"/api/users/bob@example.com/sessions"_s).json().value(u"sessionCount"_s).toInt(),
            1);
        r = get(u"/api/users/nobody/sessions"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"user"_s, u"nobody"_s},
                                        {u"sessionCount"_s, 0},
                                        {u"sessions"_s, QJsonArray{}}}));
    }

    // ------------------------------------------------------------ HTTP rules
};

QTEST_GUILESS_MAIN(TestApiSessions)
#include "tst_api_sessions.moc"

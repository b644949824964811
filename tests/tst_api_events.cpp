// SPDX-License-Identifier: MIT
// /api/events: posting (seq, ids, fields kept verbatim, timestamps), batches, and reading a
// session's events (filters, recent). Over the real wire against an in-process afwd (port 0), fresh
// for every test function and data row; both backends (AFW_TEST_BACKEND, see
// tests/support/apitest.h).
#include "apitest.h"

using namespace Afw;
using namespace Afw::Test;
using namespace Qt::StringLiterals;

class TestApiEvents : public ApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void postEventsSeqAndIds()
    {
        const QString sid = uid("ev"), other = uid("ev-other");
        static const QRegularExpression evtId(u"^evt-\\d+-[0-9a-z]+$"_s);
        QStringList eventIds;
        for (int i = 1; i <= 3; ++i) {
            QJsonObject e = makeEvent(sid, u"file:modified"_s, nowIso(), {{u"n"_s, i}});
            if (i == 2)
                e.insert(u"eventId"_s, u"client-evt-42"_s);
            const HttpResult r = post(u"/api/events"_s, e);
            QCOMPARE(r.status, 201);
            QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
            const QJsonObject o = r.json();
            QCOMPARE(keys(o), sorted({u"success"_s, u"eventId"_s, u"sessionId"_s, u"seq"_s}));
            QCOMPARE(o.value(u"success"_s), QJsonValue(true));
            QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
            QCOMPARE(o.value(u"seq"_s).toInteger(), i);
            if (i == 2)
                QCOMPARE(o.value(u"eventId"_s).toString(), u"client-evt-42"_s);
            else
                QVERIFY2(evtId.match(o.value(u"eventId"_s).toString()).hasMatch(),
                         qPrintable(o.value(u"eventId"_s).toString()));
            eventIds << o.value(u"eventId"_s).toString();
        }
        QCOMPARE(QSet<QString>(eventIds.cbegin(), eventIds.cend()).size(), 3);
        // seq is per session.
        QCOMPARE(postEvent(makeEvent(other, u"x"_s, nowIso())), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"x"_s, nowIso())), 4);

        const HttpResult r = get(u"/api/events/"_s + sid);
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"sessionId"_s, u"count"_s, u"events"_s}));
        QCOMPARE(o.value(u"count"_s).toInt(), 4);
        const QJsonArray evs = o.value(u"events"_s).toArray();
        QCOMPARE(seqs(evs), (QList<qint64>{1, 2, 3, 4}));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(evs.at(i).toObject().value(u"eventId"_s).toString(), eventIds.at(i));
            QCOMPARE(evs.at(i).toObject().value(u"n"_s).toInt(), i + 1);
        }
    }

    void eventFieldsKeptVerbatim_data()
    {
        QTest::addColumn<QJsonObject>("extra");
        QTest::addColumn<bool>("indented");
        const QJsonObject nested{
            {u"nested"_s,
             QJsonObject{{u"a"_s, QJsonArray{1, 2.5, QJsonObject{{u"b"_s, QJsonValue()}}}},
                         {u"s"_s, u"ü \"q\" \\ / \u00e9\u4e2d"_s}}},
            {u"flag"_s, false},
            {u"big"_s, 12345678901.0},
            {u"nothing"_s, QJsonValue()},
            {u"emptyObj"_s, QJsonObject{}},
            {u"emptyArr"_s, QJsonArray{}},
            {u"stepNumber"_s, 7}};
        QTest::newRow("compact") << nested << false;
        QTest::newRow("indented body") << nested << true;
        // A client-sent seq is replaced by the server's; a non-string eventId too.
        QTest::newRow("client seq") << QJsonObject{{u"seq"_s, 99}, {u"k"_s, u"v"_s}} << false;
        QTest::newRow("client numeric eventId") << QJsonObject{{u"eventId"_s, 5}} << false;
        QTest::newRow("client empty eventId") << QJsonObject{{u"eventId"_s, u""_s}} << true;
    }

    void eventFieldsKeptVerbatim()
    {
        QFETCH(QJsonObject, extra);
        QFETCH(bool, indented);
        const QString sid = uid("verbatim");
        QCOMPARE(postEvent(makeEvent(sid, u"first"_s, nowIso())), 1);
        const QJsonObject sent =
            makeEvent(sid, u"custom:unknown-type"_s, u"2026-11-25T21:04:17.123+02:00"_s, extra);
        const QByteArray body = QJsonDocument(sent).toJson(indented ? QJsonDocument::Indented
                                                                    : QJsonDocument::Compact) +
                                (indented ? "\n \n" : "");
        const HttpResult r = post(u"/api/events"_s, body);
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"seq"_s).toInteger(), 2);
        const QString eventId = r.json().value(u"eventId"_s).toString();
        QVERIFY(eventId.startsWith(u"evt-"_s));

        const HttpResult g = get(u"/api/events/"_s + sid);
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(g.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, g.body.constData());
        QJsonObject want = sent;
        want.insert(u"eventId"_s, eventId);
        want.insert(u"seq"_s, 2);
        QCOMPARE(doc.object().value(u"events"_s).toArray().at(1).toObject(), want);
        // The timestamp is kept as sent (offset and all), not normalised.
        QCOMPARE(doc.object()
                     .value(u"events"_s)
                     .toArray()
                     .at(1)
                     .toObject()
                     .value(u"timestamp"_s)
                     .toString(),
                 u"2026-11-25T21:04:17.123+02:00"_s);
    }

    // Any ISO-8601 date-time with a zone is read; what is stored is what was sent.
    void acceptedTimestamps_data()
    {
        QTest::addColumn<QString>("timestamp");
        QTest::addColumn<QString>("utc");
        QTest::newRow("JS toISOString")
            << u"2026-11-25T21:04:17.123Z"_s << u"2026-11-25T21:04:17.123Z"_s;
        QTest::newRow("no fraction") << u"2026-11-25T21:04:17Z"_s << u"2026-11-25T21:04:17.000Z"_s;
        QTest::newRow("offset +02:00")
            << u"2026-11-25T23:04:17.123+02:00"_s << u"2026-11-25T21:04:17.123Z"_s;
        QTest::newRow("offset -05:30")
            << u"2026-11-25T15:34:17-05:30"_s << u"2026-11-25T21:04:17.000Z"_s;
        QTest::newRow("python isoformat")
            << u"2026-11-25T21:04:17.123456+00:00"_s << u"2026-11-25T21:04:17.123Z"_s;
        QTest::newRow("one fraction digit")
            << u"2026-11-25T21:04:17.1Z"_s << u"2026-11-25T21:04:17.100Z"_s;
    }

    void acceptedTimestamps()
    {
        QFETCH(QString, timestamp);
        QFETCH(QString, utc);
        const QString sid = uid("ts");
        const HttpResult r = post(u"/api/events"_s, makeEvent(sid, u"session:started"_s, timestamp,
                                                              {{u"cwd"_s, u"/t"_s}}));
        QCOMPARE(r.status, 201);
        QCOMPARE(events(sid).at(0).toObject().value(u"timestamp"_s).toString(), timestamp);
        // The instant is what the session and the filters use.
        QCOMPARE(get(u"/api/sessions/"_s + sid).json().value(u"startedAt"_s).toString(), utc);
        QCOMPARE(get(u"/api/events/"_s + sid + u"?since="_s + utc).json().value(u"count"_s).toInt(),
                 1);
        const QString after = isoFromMs(*parseIsoTimestamp(utc) + 1);
        QCOMPARE(
            get(u"/api/events/"_s + sid + u"?since="_s + after).json().value(u"count"_s).toInt(),
            0);
    }

    // Server-written timestamps are ISO-8601 UTC with ms (API.md), whatever a client
    // sent: a time that cannot be written back that way is refused up front.
    void extremeTimestamps_data()
    {
        QTest::addColumn<QString>("timestamp");
        QTest::newRow("year 0000") << u"0000-01-01T00:00:00Z"_s;
        QTest::newRow("year 0001") << u"0001-01-01T00:00:00.000Z"_s;
        QTest::newRow("year 9999 end") << u"9999-12-31T23:59:59.999Z"_s;
        QTest::newRow("past 9999 by offset") << u"9999-12-31T23:59:59-01:00"_s;
        QTest::newRow("before 0001 by offset") << u"0001-01-01T00:00:00+01:00"_s;
    }

    void extremeTimestamps()
    {
        QFETCH(QString, timestamp);
        const QString sid = uid("extreme");
        const HttpResult r = post(u"/api/events"_s, makeEvent(sid, u"session:started"_s, timestamp,
                                                              {{u"cwd"_s, u"/t"_s}}));
        if (r.status == 400) {
            CHECKED(verifyError(r, 400, u"Invalid event format"_s));
            QCOMPARE(get(u"/api/sessions/"_s + sid).status, 404);
            return;
        }
        QCOMPARE(r.status, 201);
        const HttpResult s = get(u"/api/sessions/"_s + sid);
        QCOMPARE(s.status, 200);
        const QString startedAt = s.json().value(u"startedAt"_s).toString();
        QVERIFY2(isServerIso(startedAt), qPrintable(u"startedAt '%1'"_s.arg(startedAt)));
        QCOMPARE(*parseIsoTimestamp(startedAt), *parseIsoTimestamp(timestamp));
        // The same event is accepted or refused alike in a batch.
        QCOMPARE(post(u"/api/events/batch"_s,
                      compact(QJsonArray{makeEvent(uid("extreme-b"), u"x"_s, timestamp)}))
                     .status,
                 201);
    }

    // JSON that the daemon's own JSON reader (QJsonDocument, used by the batch route,
    // the fold and every Qt client) refuses must not be stored by POST /api/events
    // either: one such event would make the whole event list unreadable to them.
    void eventJsonTheDaemonCannotRead_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("1e400") << QByteArray("1e400");
        QTest::newRow("-1e400") << QByteArray("-1e400");
        QTest::newRow("1e-400") << QByteArray("1e-400");
        QTest::newRow("400 digits") << QByteArray("1" + QByteArray(400, '0'));
        QTest::newRow("nested 1E+999") << QByteArray("{\"a\":[1E+999]}");
    }

    void eventJsonTheDaemonCannotRead()
    {
        QFETCH(QByteArray, value);
        const QString sid = uid("num");
        QCOMPARE(postEvent(makeEvent(sid, u"first"_s, nowIso())), 1);
        const QByteArray before = snapshot(sid);
        for (const QByteArray &extra : {QByteArray(), QByteArray(",\"seq\":7")}) {
            const QByteArray body =
                "{\"sessionId\":\"" + sid.toUtf8() +
                "\",\"type\":\"session:started\",\"cwd\":\"/n\",\"timestamp\":\"" +
                nowIso().toUtf8() + "\",\"x\":" + value + extra + '}';
            const HttpResult single = post(u"/api/events"_s, body);
            const HttpResult batch = post(u"/api/events/batch"_s, '[' + body + ']');
            QCOMPARE(batch.status, 400);
            CHECKED(verifyError(single, 400, u"Invalid JSON"_s));
        }
        const HttpResult g = get(u"/api/events/"_s + sid);
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(g.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        QCOMPARE(seqs(doc.object().value(u"events"_s).toArray()), QList<qint64>{1});
        QCOMPARE(snapshot(sid), before);
        // Nor does a refused event create its session.
        const QString fresh = uid("num-fresh");
        const QByteArray body = "{\"sessionId\":\"" + fresh.toUtf8() +
                                "\",\"type\":\"x\",\"timestamp\":\"" + nowIso().toUtf8() +
                                "\",\"x\":" + value + '}';
        CHECKED(verifyError(post(u"/api/events"_s, body), 400, u"Invalid JSON"_s));
        QCOMPARE(post(u"/api/events/batch"_s, '[' + body + ']').status, 400);
        CHECKED(verifyError(get(u"/api/sessions/"_s + fresh), 404, u"Session not found"_s));
    }

    void getEventsFilters()
    {
        const QString sid = uid("page");
        for (int i = 0; i < 5; ++i)
            QCOMPARE(postEvent(makeEvent(sid, u"tick"_s, t0(i * 1000))), i + 1);
        auto seqsOf = [this, sid](const QString &query) {
            const HttpResult r = get(u"/api/events/"_s + sid + query);
            const QJsonObject o = r.json();
            if (r.status != 200 ||
                o.value(u"count"_s).toInt() != o.value(u"events"_s).toArray().size())
                return QList<qint64>{-1};
            return seqs(o.value(u"events"_s).toArray());
        };
        QCOMPARE(seqsOf({}), (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(seqsOf(u"?after=2"_s), (QList<qint64>{3, 4, 5}));
        QCOMPARE(seqsOf(u"?after=2&limit=2"_s), (QList<qint64>{3, 4}));
        QCOMPARE(seqsOf(u"?after=4&limit=2"_s), (QList<qint64>{5}));
        QCOMPARE(seqsOf(u"?after=5&limit=2"_s), QList<qint64>{});
        QCOMPARE(seqsOf(u"?after=0"_s), (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(seqsOf(u"?limit=2"_s), (QList<qint64>{1, 2}));
        QCOMPARE(seqsOf(u"?limit=0"_s), QList<qint64>{});
        QCOMPARE(seqsOf(u"?since="_s + t0(3000)), (QList<qint64>{4, 5}));
        // The same instant written with an offset (the "+" percent-encoded).
        QCOMPARE(seqsOf(u"?since=2026-03-01T11:00:03%2B01:00"_s), (QList<qint64>{4, 5}));
        QCOMPARE(seqsOf(u"?since="_s + t0(2500)), (QList<qint64>{4, 5}));
        QCOMPARE(seqsOf(u"?since="_s + t0(-1000)), (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(seqsOf(u"?since="_s + t0(60000)), QList<qint64>{});
        QCOMPARE(seqsOf(u"?since="_s + t0(1000) + u"&limit=2"_s), (QList<qint64>{2, 3}));
        QCOMPARE(seqsOf(u"?since="_s + t0(1000) + u"&after=3"_s), (QList<qint64>{4, 5}));
    }

    void getEventsUnknownSession()
    {
        const QString sid = uid("nobody");
        const HttpResult r = get(u"/api/events/"_s + sid);
        QCOMPARE(r.status, 200);
        QCOMPARE(
            r.json(),
            (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 0}, {u"events"_s, QJsonArray{}}}));
        QCOMPARE(
            get(u"/api/events/"_s + sid + u"?after=3&limit=5"_s).json().value(u"count"_s).toInt(),
            0);
    }

    void recentEvents()
    {
        const QString sid = uid("recent");
        const qint64 now = nowMs();
        QCOMPARE(postEvent(makeEvent(sid, u"a"_s, isoFromMs(now - 600000))), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"b"_s, isoFromMs(now - 30000))), 2);
        QCOMPARE(postEvent(makeEvent(sid, u"c"_s, isoFromMs(now - 5000))), 3);
        QCOMPARE(postEvent(makeEvent(sid, u"d"_s, isoFromMs(now - 1000))), 4);

        const qint64 asked = nowMs();
        HttpResult r = get(u"/api/events/"_s + sid + u"/recent"_s);
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"sessionId"_s, u"count"_s, u"cutoffTime"_s, u"events"_s}));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        QCOMPARE(o.value(u"count"_s).toInt(), 3);
        QCOMPARE(seqs(o.value(u"events"_s).toArray()), (QList<qint64>{2, 3, 4}));
        const QString cutoff = o.value(u"cutoffTime"_s).toString();
        QVERIFY2(isServerIso(cutoff), qPrintable(cutoff));
        QVERIFY(qAbs(*parseIsoTimestamp(cutoff) - (asked - 60000)) < 5000);

        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?limit=2"_s)
                          .json()
                          .value(u"events"_s)
                          .toArray()),
                 (QList<qint64>{3, 4}));
        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?limit=1&seconds=3600"_s)
                          .json()
                          .value(u"events"_s)
                          .toArray()),
                 QList<qint64>{4});
        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?seconds=3600"_s)
                          .json()
                          .value(u"events"_s)
                          .toArray()),
                 (QList<qint64>{1, 2, 3, 4}));
        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?seconds=10&limit=1000"_s)
                          .json()
                          .value(u"events"_s)
                          .toArray()),
                 (QList<qint64>{3, 4}));
        o = get(u"/api/events/"_s + sid + u"/recent?seconds=3600"_s).json();
        QVERIFY(qAbs(*parseIsoTimestamp(o.value(u"cutoffTime"_s).toString()) -
                     (nowMs() - 3600000)) < 5000);

        // Default limit 50: the last 50.
        const QString many = uid("recent-many");
        QJsonArray batch;
        for (int i = 0; i < 60; ++i)
            batch.append(makeEvent(many, u"tick"_s, nowIso()));
        QCOMPARE(post(u"/api/events/batch"_s, compact(batch)).status, 201);
        const QList<qint64> last =
            seqs(get(u"/api/events/"_s + many + u"/recent"_s).json().value(u"events"_s).toArray());
        QCOMPARE(last.size(), 50);
        QCOMPARE(last.first(), 11);
        QCOMPARE(last.last(), 60);

        const QString absent = uid("recent-absent");
        o = get(u"/api/events/"_s + absent + u"/recent"_s).json();
        QCOMPARE(o.value(u"count"_s).toInt(), 0);
        QCOMPARE(o.value(u"events"_s).toArray(), QJsonArray{});
        QCOMPARE(o.value(u"sessionId"_s).toString(), absent);
    }

    void batch()
    {
        const QString a = uid("batch-a"), b = uid("batch-b");
        QCOMPARE(postEvent(makeEvent(a, u"first"_s, nowIso())), 1);
        const QJsonArray arr{
            makeEvent(a, u"x"_s, nowIso(), {{u"n"_s, 1}}),
            makeEvent(b, u"x"_s, nowIso(), {{u"n"_s, 2}}),
            makeEvent(a, u"x"_s, nowIso(), {{u"n"_s, 3}, {u"eventId"_s, u"mine"_s}})};
        const qint64 ingested = eventsIngested();
        HttpResult r = post(u"/api/events/batch"_s, compact(arr));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QCOMPARE(r.json(), (QJsonObject{{u"success"_s, true}, {u"count"_s, 3}}));
        QCOMPARE(eventsIngested(), ingested + 3);
        const QJsonArray ea = events(a);
        QCOMPARE(seqs(ea), (QList<qint64>{1, 2, 3}));
        QCOMPARE(ea.at(1).toObject().value(u"n"_s).toInt(), 1);
        QCOMPARE(ea.at(2).toObject().value(u"n"_s).toInt(), 3);
        QCOMPARE(ea.at(2).toObject().value(u"eventId"_s).toString(), u"mine"_s);
        QVERIFY(ea.at(1).toObject().value(u"eventId"_s).toString().startsWith(u"evt-"_s));
        QCOMPARE(seqs(events(b)), QList<qint64>{1});

        // The largest batch allowed.
        QJsonArray full;
        for (int i = 0; i < 1000; ++i)
            full.append(makeEvent(b, u"bulk"_s, nowIso()));
        r = post(u"/api/events/batch"_s, compact(full));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"count"_s).toInt(), 1000);
        QCOMPARE(get(u"/api/events/"_s + b + u"?after=1000"_s).json().value(u"count"_s).toInt(), 1);
        // A batch's session:started creates the session, like a single POST.
        const QString c = uid("batch-c");
        r = post(u"/api/events/batch"_s,
                 compact(QJsonArray{
                     makeEvent(c, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/b"_s}})}));
        QCOMPARE(r.status, 201);
        QCOMPARE(get(u"/api/sessions/"_s + c).json().value(u"cwd"_s).toString(), u"/b"_s);
    }

    void batchIsAllOrNothing()
    {
        const QString a = uid("aon"), fresh = uid("aon-fresh");
        QCOMPARE(postEvent(makeEvent(a, u"first"_s, nowIso())), 1);
        const QByteArray before = snapshot(a);
        const QJsonArray arr{
            makeEvent(a, u"x"_s, nowIso()),
            makeEvent(fresh, u"session:started"_s, u"yesterday"_s, {{u"cwd"_s, u"/f"_s}}),
            makeEvent(fresh, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/f"_s}})};
        const HttpResult r = post(u"/api/events/batch"_s, compact(arr));
        CHECKED(verifyError(r, 400, u"Invalid event format"_s));
        QCOMPARE(r.json().value(u"index"_s).toInt(), 1);
        QCOMPARE(r.json().value(u"required"_s).toArray(),
                 (QJsonArray{u"sessionId"_s, u"type"_s, u"timestamp"_s}));
        QCOMPARE(snapshot(a), before);
        QCOMPARE(get(u"/api/events/"_s + fresh).json().value(u"count"_s).toInt(), 0);
        QCOMPARE(get(u"/api/sessions/"_s + fresh).status, 404);
        // The last item bad: the first two are not stored either.
        const QJsonArray lastBad{makeEvent(a, u"x"_s, nowIso()), makeEvent(a, u"y"_s, nowIso()),
                                 QJsonValue(5)};
        CHECKED(verifyError(post(u"/api/events/batch"_s, compact(lastBad)), 400,
                            u"Invalid event format"_s));
        QCOMPARE(snapshot(a), before);
        // Next event still gets the next seq: nothing was reserved.
        QCOMPARE(postEvent(makeEvent(a, u"x"_s, nowIso())), 2);
    }

    void batchTooLarge()
    {
        const QString a = uid("big-batch");
        QJsonArray arr;
        for (int i = 0; i < 1001; ++i)
            arr.append(makeEvent(a, u"bulk"_s, nowIso()));
        const qint64 ingested = eventsIngested();
        const HttpResult r = post(u"/api/events/batch"_s, compact(arr));
        CHECKED(verifyError(r, 400, u"Invalid batch"_s));
        QCOMPARE(get(u"/api/events/"_s + a).json().value(u"count"_s).toInt(), 0);
        QCOMPARE(eventsIngested(), ingested);
    }
};

QTEST_GUILESS_MAIN(TestApiEvents)
#include "tst_api_events.moc"

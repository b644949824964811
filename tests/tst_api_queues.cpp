// SPDX-License-Identifier: MIT
// Commands (dashboard -> agent), their acks, and input for the agent's prompt: queued, drained
// atomically, peeked. Over the real wire against an in-process afwd (port 0), fresh for every test
// function and data row; both backends (AFW_TEST_BACKEND, see tests/support/apitest.h).
#include "apitest.h"

using namespace Afw;
using namespace Afw::Test;
using namespace Qt::StringLiterals;

class TestApiQueues : public ApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void commands_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::newRow("/api/commands/:sessionId/commands") << u"/api/commands/%1/commands"_s;
        QTest::newRow("/api/sessions/:id/commands") << u"/api/sessions/%1/commands"_s;
    }

    void commands()
    {
        QFETCH(QString, pattern);
        const QString sid = uid("cmd");
        createSession(sid);
        const QString path = pattern.arg(sid);
        const QString otherForm =
            (pattern.startsWith(u"/api/commands"_s) ? u"/api/sessions/%1/commands"_s
                                                    : u"/api/commands/%1/commands"_s)
                .arg(sid);
        HttpResult r = post(path, QJsonObject{{u"type"_s, u"pause"_s},
                                              {u"payload"_s, QJsonObject{{u"why"_s, u"x"_s}}}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"success"_s, u"sessionId"_s, u"commandId"_s, u"command"_s}));
        QCOMPARE(o.value(u"success"_s), QJsonValue(true));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        const QJsonObject cmd = o.value(u"command"_s).toObject();
        QCOMPARE(keys(cmd),
                 sorted({u"id"_s, u"type"_s, u"payload"_s, u"timestamp"_s, u"status"_s}));
        QCOMPARE(cmd.value(u"status"_s).toString(),
                 u"pending"_s); // v1.2: what the hooks' control check keeps
        QCOMPARE(cmd.value(u"id"_s), o.value(u"commandId"_s));
        QVERIFY(cmd.value(u"id"_s).toString().startsWith(u"cmd-"_s));
        QCOMPARE(cmd.value(u"type"_s).toString(), u"pause"_s);
        QCOMPARE(cmd.value(u"payload"_s).toObject(), (QJsonObject{{u"why"_s, u"x"_s}}));
        QVERIFY(isServerIso(cmd.value(u"timestamp"_s).toString()));

        // Every valid type; no payload is a null payload.
        QStringList queued{cmd.value(u"id"_s).toString()};
        for (const char *t : {"resume", "cancel", "abort", "retry", "skip"}) {
            r = post(otherForm, QJsonObject{{u"type"_s, QLatin1String(t)}});
            QCOMPARE(r.status, 201);
            QCOMPARE(r.json().value(u"command"_s).toObject().value(u"type"_s).toString(),
                     QLatin1String(t));
            QVERIFY(r.json().value(u"command"_s).toObject().value(u"payload"_s).isNull());
            queued << r.json().value(u"commandId"_s).toString();
        }

        // peek keeps, drain removes (once), either URL form.
        r = get(path + u"?peek=true"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(keys(r.json()), sorted({u"sessionId"_s, u"count"_s, u"commands"_s}));
        QCOMPARE(r.json().value(u"count"_s).toInt(), 6);
        QCOMPARE(ids(r.json().value(u"commands"_s).toArray()), queued);
        QCOMPARE(r.json().value(u"commands"_s).toArray().at(0).toObject(), cmd);
        QCOMPARE(get(otherForm + u"?peek=true"_s).json().value(u"count"_s).toInt(), 6);
        r = get(path);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), sid);
        QCOMPARE(ids(r.json().value(u"commands"_s).toArray()), queued);
        r = get(otherForm);
        QCOMPARE(
            r.json(),
            (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 0}, {u"commands"_s, QJsonArray{}}}));
        QCOMPARE(get(path).json().value(u"count"_s).toInt(), 0);

        // Draining a session that does not exist is an empty list.
        const QString absent = uid("cmd-absent");
        r = get(pattern.arg(absent));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"count"_s).toInt(), 0);
        // Queueing to it is a 404.
        r = post(pattern.arg(absent), QJsonObject{{u"type"_s, u"pause"_s}});
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
        QCOMPARE(get(u"/api/sessions/"_s + absent + u"/ttl"_s)
                     .json()
                     .value(u"ttl"_s)
                     .toObject()
                     .value(u"commands"_s)
                     .toInteger(),
                 -2);
    }

    void commandInvalidType_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QJsonValue>("received");
        QTest::newRow("unknown") << QJsonObject{{u"type"_s, u"explode"_s}}
                                 << QJsonValue(u"explode"_s);
        QTest::newRow("case") << QJsonObject{{u"type"_s, u"PAUSE"_s}} << QJsonValue(u"PAUSE"_s);
        QTest::newRow("empty") << QJsonObject{{u"type"_s, u""_s}} << QJsonValue(u""_s);
        QTest::newRow("number") << QJsonObject{{u"type"_s, 5}} << QJsonValue(5);
        QTest::newRow("missing") << QJsonObject{{u"payload"_s, 1}} << QJsonValue();
        QTest::newRow("null") << QJsonObject{{u"type"_s, QJsonValue()}} << QJsonValue();
    }

    void commandInvalidType()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QJsonValue, received);
        const QString sid = uid("cmd-bad");
        createSession(sid);
        const HttpResult r = post(u"/api/commands/"_s + sid + u"/commands"_s, body);
        CHECKED(verifyError(r, 400, u"Invalid command type"_s));
        QCOMPARE(
            r.json().value(u"validTypes"_s).toArray(),
            (QJsonArray{u"pause"_s, u"resume"_s, u"cancel"_s, u"abort"_s, u"retry"_s, u"skip"_s}));
        QVERIFY(r.json().contains(u"received"_s));
        QCOMPARE(r.json().value(u"received"_s), received);
        QCOMPARE(get(u"/api/commands/"_s + sid + u"/commands"_s).json().value(u"count"_s).toInt(),
                 0);
    }

    void ack()
    {
        const QString sid = uid("ack");
        createSession(sid);
        const QString cmdId =
            post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"retry"_s}})
                .json()
                .value(u"commandId"_s)
                .toString();
        QVERIFY(!cmdId.isEmpty());
        HttpResult r =
            post(u"/api/commands/"_s + cmdId + u"/ack"_s, QJsonObject{{u"result"_s, u"retried"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QCOMPARE(r.json(),
                 (QJsonObject{
                     {u"success"_s, true}, {u"commandId"_s, cmdId}, {u"acknowledged"_s, true}}));
        r = post(u"/api/commands/"_s + cmdId + u"/ack"_s,
                 QJsonObject{{u"error"_s, u"could not"_s}});
        QCOMPARE(r.status, 200);
        // No body at all is an ack too.
        r = post(u"/api/commands/"_s + cmdId + u"/ack"_s, QByteArray());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"acknowledged"_s), QJsonValue(true));
        // An ack does not touch the queue.
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/commands?peek=true"_s)
                     .json()
                     .value(u"count"_s)
                     .toInt(),
                 1);
        // An unknown command id is acknowledged (fire and forget, as the original).
        r = post(u"/api/commands/cmd-unknown-1/ack"_s, QJsonObject{});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"commandId"_s).toString(), u"cmd-unknown-1"_s);
    }

    void input()
    {
        const QString sid = uid("in");
        createSession(sid);
        HttpResult r = post(u"/api/sessions/"_s + sid + u"/input"_s,
                            QJsonObject{{u"input"_s, u"yes"_s}, {u"prompt"_s, u"Continue?"_s}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"success"_s, u"sessionId"_s, u"inputQueued"_s}));
        QCOMPARE(o.value(u"success"_s), QJsonValue(true));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        const QJsonObject first = o.value(u"inputQueued"_s).toObject();
        QCOMPARE(keys(first), sorted({u"timestamp"_s, u"input"_s, u"prompt"_s}));
        QCOMPARE(first.value(u"input"_s).toString(), u"yes"_s);
        QCOMPARE(first.value(u"prompt"_s).toString(), u"Continue?"_s);
        QVERIFY(isServerIso(first.value(u"timestamp"_s).toString()));

        r = post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"second"_s}});
        QCOMPARE(r.status, 201);
        const QJsonObject second = r.json().value(u"inputQueued"_s).toObject();
        QCOMPARE(second.value(u"input"_s).toString(), u"second"_s);
        QVERIFY(!second.contains(u"prompt"_s));

        QCOMPARE(
            get(u"/api/sessions/"_s + sid + u"/input?peek=true"_s).json().value(u"count"_s).toInt(),
            2);
        r = get(u"/api/sessions/"_s + sid + u"/input"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, sid},
                                        {u"count"_s, 2},
                                        {u"inputs"_s, QJsonArray{first, second}}}));
        QCOMPARE(
            get(u"/api/sessions/"_s + sid + u"/input"_s).json(),
            (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 0}, {u"inputs"_s, QJsonArray{}}}));

        const QString absent = uid("in-absent");
        r = post(u"/api/sessions/"_s + absent + u"/input"_s, QJsonObject{{u"input"_s, u"x"_s}});
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
        QCOMPARE(get(u"/api/sessions/"_s + absent + u"/input"_s).json().value(u"count"_s).toInt(),
                 0);
    }

    // ------------------------------------------------------------ users
};

QTEST_GUILESS_MAIN(TestApiQueues)
#include "tst_api_queues.moc"

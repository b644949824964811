// SPDX-License-Identifier: MIT
// The session rules (shared/sessionrules.*): what events do to a session record, and what
// input is queued. REST, WebSocket, both backends and the console all follow them.
#include <QJsonDocument>
#include <QTest>

#include "sessionrules.h"

using namespace Afw;

namespace {
QJsonObject ev(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

IncomingEvent incoming(const QByteArray &json)
{
    auto e = validateEvent(ev(json.constData()), json);
    Q_ASSERT(e);
    return *e;
}
} // namespace

class TestSessionRules : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sessionFromEvents()
    {
        const QByteArray started =
            R"({"sessionId":"s","type":"session:started","timestamp":"2026-11-25T10:00:00Z","cwd":"/w","hostname":"h","platform":"linux","user":"bob"})";
        auto e = validateEvent(ev(started), started);
        QVERIFY(e);
        Session s = sessionFromEvent(*e);
        QCOMPARE(s.id, QStringLiteral("s"));
        QCOMPARE(s.cwd, QStringLiteral("/w"));
        QCOMPARE(s.hostname, QStringLiteral("h"));
        QCOMPARE(s.platform, QStringLiteral("linux"));
        QCOMPARE(s.user, QStringLiteral("bob"));
        QCOMPARE(s.status, Status::InProgress);
        QCOMPARE(s.toJson().value(QStringLiteral("startedAt")).toString(),
                 QStringLiteral("2026-11-25T10:00:00.000Z"));
        const QByteArray ended =
            R"({"sessionId":"s","type":"session:ended","timestamp":"2026-11-25T10:00:10Z","summary":"done","endReason":"user"})";
        auto end = validateEvent(ev(ended), ended);
        QVERIFY(end);
        QVERIFY(applySessionEvent(s, *end));
        QCOMPARE(s.status, Status::Completed);
        QCOMPARE(s.toJson().value(QStringLiteral("duration")).toInt(), 10000);
        QCOMPARE(s.summary, QStringLiteral("done"));
        QCOMPARE(s.endReason, QStringLiteral("user"));
        // A session:ended for an unknown session creates it ended.
        const Session endedOnly = sessionFromEvent(*end);
        QCOMPARE(endedOnly.status, Status::Completed);
        QCOMPARE(endedOnly.summary, QStringLiteral("done"));
        QCOMPARE(endedOnly.toJson().value(QStringLiteral("duration")).toInt(), 0);
    }

    // API.md v1.1: any event for an unknown session creates it, from the event's fields;
    // the same from the DOM path (batch) and the scanner path (single POST).
    void sessionFromAnyEvent_data()
    {
        QTest::addColumn<QByteArray>("event");
        QTest::addColumn<QByteArray>("expected"); // Session::toJson()
        QTest::newRow("step, nothing else")
            << QByteArray(
                   R"({"sessionId":"s1","type":"step:spawned","timestamp":"2026-11-25T10:00:00+01:00","stepNumber":1})")
            << QByteArray(
                   R"({"id":"s1","cwd":"","status":"in_progress","startedAt":"2026-11-25T09:00:00.000Z"})");
        QTest::newRow("all fields")
            << QByteArray(
                   R"({"sessionId":"s2","type":"file:created","timestamp":"2026-11-25T10:00:00Z","cwd":"/r","hostname":"h","platform":"darwin","user":"ann"})")
            << QByteArray(
                   R"({"id":"s2","cwd":"/r","hostname":"h","platform":"darwin","user":"ann","status":"in_progress","startedAt":"2026-11-25T10:00:00.000Z"})");
        QTest::newRow("userId when no user")
            << QByteArray(
                   R"({"sessionId":"s3","type":"x","timestamp":"2026-11-25T10:00:00Z","userId":"u@x"})")
            << QByteArray(
                   R"({"id":"s3","cwd":"","user":"u@x","status":"in_progress","startedAt":"2026-11-25T10:00:00.000Z"})");
        QTest::newRow("non-string fields are absent")
            << QByteArray(
                   R"({"sessionId":"s4","type":"x","timestamp":"2026-11-25T10:00:00Z","cwd":5,"hostname":null,"user":{"a":1},"userId":"fallback"})")
            << QByteArray(
                   R"({"id":"s4","cwd":"","user":"fallback","status":"in_progress","startedAt":"2026-11-25T10:00:00.000Z"})");
        QTest::newRow("invalid user left out")
            << QByteArray(
                   R"({"sessionId":"s5","type":"x","timestamp":"2026-11-25T10:00:00Z","user":"a b"})")
            << QByteArray(
                   R"({"id":"s5","cwd":"","status":"in_progress","startedAt":"2026-11-25T10:00:00.000Z"})");
        // Not raw strings: moc's tokenizer trips on \" inside them.
        QTest::newRow("escaped strings")
            << QByteArray(
                   "{\"sessionId\":\"s6\",\"type\":\"x\",\"timestamp\":\"2026-11-25T10:00:00Z\","
                   "\"cwd\":\"C:\\\\w \\u00e9\\\"q\\\"\"}")
            << QByteArray(
                   "{\"id\":\"s6\",\"cwd\":\"C:\\\\w \\u00e9\\\"q\\\"\",\"status\":\"in_progress\","
                   "\"startedAt\":\"2026-11-25T10:00:00.000Z\"}");
    }

    void sessionFromAnyEvent()
    {
        QFETCH(QByteArray, event);
        QFETCH(QByteArray, expected);
        const QJsonObject want = ev(expected.constData());
        QVERIFY(!want.isEmpty());
        auto viaDom = validateEvent(ev(event.constData()), event);
        QVERIFY(viaDom);
        QCOMPARE(sessionFromEvent(*viaDom).toJson(), want);
        QString jsonError, why;
        auto viaScan = parseEvent(event, &jsonError, &why);
        QVERIFY2(viaScan, qPrintable(jsonError + why));
        QCOMPARE(sessionFromEvent(*viaScan).toJson(), want);
        QCOMPARE(QJsonDocument::fromJson(sessionFromEvent(*viaScan).toJsonBytes()).object(), want);
    }

    // session:started on a session an earlier event made (or POST made pending): where
    // and whose it is are filled in, nothing the record has is overwritten.
    void sessionStartedFillsIn()
    {
        Session s;
        s.id = QStringLiteral("s");
        s.cwd = QStringLiteral("/kept");
        s.status = Status::Pending;
        const IncomingEvent started = incoming(
            R"({"sessionId":"s","type":"session:started","timestamp":"2026-11-25T10:00:00Z","cwd":"/other","hostname":"h","platform":"linux","user":"ann"})");
        QVERIFY(applySessionEvent(s, started));
        QCOMPARE(s.cwd, QStringLiteral("/kept"));
        QCOMPARE(s.hostname, QStringLiteral("h"));
        QCOMPARE(s.platform, QStringLiteral("linux"));
        QCOMPARE(s.user, QStringLiteral("ann"));
        QCOMPARE(s.status, Status::InProgress);
        // Again: nothing left to fill, already running.
        QVERIFY(!applySessionEvent(s, started));

        // A user that is not an id is never filled in.
        Session bare;
        bare.id = QStringLiteral("b");
        bare.status = Status::InProgress;
        QVERIFY(!applySessionEvent(
            bare,
            incoming(
                R"({"sessionId":"b","type":"session:started","timestamp":"2026-11-25T10:00:00Z","user":"a b"})")));
        QVERIFY(bare.user.isEmpty());
    }

    void eventCanChangeSession_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<bool>("can");
        QTest::newRow("session:started") << QStringLiteral("session:started") << true;
        QTest::newRow("session:ended") << QStringLiteral("session:ended") << true;
        QTest::newRow("step:started") << QStringLiteral("step:started") << false;
        QTest::newRow("chain:compiled") << QStringLiteral("chain:compiled") << false;
        QTest::newRow("prefix only") << QStringLiteral("session:") << false;
        QTest::newRow("other session type") << QStringLiteral("session:paused") << false;
    }

    // The rule agrees with applySessionEvent: a type it says cannot change a record never
    // does, whatever the event carries and whatever state the record is in.
    void eventCanChangeSession()
    {
        QFETCH(QString, type);
        QFETCH(bool, can);
        QCOMPARE(Afw::eventCanChangeSession(type), can);
        if (can)
            return;
        QJsonObject o = ev(
            R"({"sessionId":"s","timestamp":"2026-11-25T10:00:00Z","cwd":"/w","hostname":"h","platform":"p","user":"u","summary":"x","endReason":"y"})");
        o.insert(QStringLiteral("type"), type);
        const IncomingEvent e = incoming(QJsonDocument(o).toJson(QJsonDocument::Compact));
        Session s;
        s.id = QStringLiteral("s");
        s.status = Status::Pending;
        const QJsonObject before = s.toJson();
        QVERIFY(!applySessionEvent(s, e));
        QCOMPARE(s.toJson(), before);
    }

    void validateInput_data()
    {
        QTest::addColumn<QJsonValue>("input");
        QTest::addColumn<QJsonValue>("prompt");
        QTest::addColumn<bool>("valid");
        const QJsonValue absent(QJsonValue::Undefined);
        const QJsonValue null(QJsonValue::Null);
        QTest::newRow("input only") << QJsonValue(QStringLiteral("yes")) << absent << true;
        QTest::newRow("empty input") << QJsonValue(QString()) << absent << true;
        QTest::newRow("null prompt") << QJsonValue(QStringLiteral("yes")) << null << true;
        QTest::newRow("string prompt")
            << QJsonValue(QStringLiteral("yes")) << QJsonValue(QStringLiteral("Continue?")) << true;
        QTest::newRow("no input") << absent << absent << false;
        QTest::newRow("null input") << null << absent << false;
        QTest::newRow("number input") << QJsonValue(1) << absent << false;
        QTest::newRow("object input")
            << QJsonValue(QJsonObject{{QStringLiteral("input"), QStringLiteral("x")}}) << absent
            << false;
        QTest::newRow("number prompt")
            << QJsonValue(QStringLiteral("yes")) << QJsonValue(5) << false;
        QTest::newRow("bool prompt")
            << QJsonValue(QStringLiteral("yes")) << QJsonValue(true) << false;
        QTest::newRow("object prompt")
            << QJsonValue(QStringLiteral("yes")) << QJsonValue(QJsonObject{}) << false;
    }

    void validateInput()
    {
        QFETCH(QJsonValue, input);
        QFETCH(QJsonValue, prompt);
        QFETCH(bool, valid);
        QString why;
        const std::optional<Input> in = Afw::validateInput(input, prompt, &why);
        QCOMPARE(in.has_value(), valid);
        QCOMPARE(why.isEmpty(), valid);
        if (!in)
            return;
        QCOMPARE(in->input, input);
        QCOMPARE(in->prompt, prompt);
        QVERIFY(in->timestamp.isEmpty()); // the caller stamps it when it queues
        // What is queued: a null or absent prompt is left out.
        QCOMPARE(in->toJson().contains(QStringLiteral("prompt")), prompt.isString());
    }
};

QTEST_GUILESS_MAIN(TestSessionRules)
#include "tst_sessionrules.moc"

// SPDX-License-Identifier: MIT
// Validation and codecs of shared/: ids, timestamps, events, models.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "event.h"
#include "ids.h"
#include "models.h"
#include "timeutil.h"

using namespace Afw;

class TestIdsEvents : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void ids_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("valid");
        QTest::newRow("simple") << QStringLiteral("session-1") << true;
        QTest::newRow("all classes") << QStringLiteral("a.B_c:d@e-9") << true;
        QTest::newRow("128 chars") << QString(128, u'x') << true;
        QTest::newRow("129 chars") << QString(129, u'x') << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("space") << QStringLiteral("a b") << false;
        QTest::newRow("star") << QStringLiteral("*") << false;
        QTest::newRow("glob") << QStringLiteral("a*") << false;
        QTest::newRow("nul") << QString::fromUtf16(u"a\0b", 3) << false;
        QTest::newRow("dotdot") << QStringLiteral("..") << false;
        QTest::newRow("dot") << QStringLiteral(".") << false;
        QTest::newRow("slash") << QStringLiteral("a/b") << false;
        QTest::newRow("newline") << QStringLiteral("a\nb") << false;
        QTest::newRow("unicode") << QStringLiteral("caf\u00e9") << false;
        QTest::newRow("braces") << QStringLiteral("{a}") << false;
    }
    void ids()
    {
        QFETCH(QString, id);
        QFETCH(bool, valid);
        QCOMPARE(isValidId(id), valid);
    }

    void timestamps_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms"); // -1: invalid
        QTest::newRow("utc ms") << QStringLiteral("2026-11-25T21:04:17.123Z") << qint64(1795640657123);
        QTest::newRow("utc s") << QStringLiteral("2026-11-25T21:04:17Z") << qint64(1795640657000);
        QTest::newRow("offset") << QStringLiteral("2026-11-25T22:04:17.123+01:00") << qint64(1795640657123);
        QTest::newRow("neg offset") << QStringLiteral("2026-11-25T20:04:17.123-01:00") << qint64(1795640657123);
        QTest::newRow("no zone") << QStringLiteral("2026-11-25T21:04:17") << qint64(-1);
        QTest::newRow("date only") << QStringLiteral("2026-11-25") << qint64(-1);
        QTest::newRow("words") << QStringLiteral("yesterday") << qint64(-1);
        QTest::newRow("bad month") << QStringLiteral("2026-13-45T99:00:00Z") << qint64(-1);
        QTest::newRow("empty") << QString() << qint64(-1);
    }
    void timestamps()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        const auto parsed = parseIsoTimestamp(text);
        QCOMPARE(parsed.has_value(), ms >= 0);
        if (ms >= 0)
            QCOMPARE(*parsed, ms);
    }
    void isoFormat()
    {
        QCOMPARE(isoFromMs(1795640657123), QStringLiteral("2026-11-25T21:04:17.123Z"));
        QCOMPARE(isoFromMs(1795640657000), QStringLiteral("2026-11-25T21:04:17.000Z"));
    }

    void events_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("valid");
        QTest::newRow("minimal") << QByteArray(R"({"sessionId":"s","type":"x","timestamp":"2026-11-25T21:04:17Z"})") << true;
        QTest::newRow("unknown type ok") << QByteArray(R"({"sessionId":"s","type":"my:thing","timestamp":"2026-11-25T21:04:17Z"})") << true;
        QTest::newRow("missing sessionId") << QByteArray(R"({"type":"x","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("missing type") << QByteArray(R"({"sessionId":"s","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("missing timestamp") << QByteArray(R"({"sessionId":"s","type":"x"})") << false;
        QTest::newRow("sessionId number") << QByteArray(R"({"sessionId":5,"type":"x","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("type array") << QByteArray(R"({"sessionId":"s","type":[],"timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("type empty") << QByteArray(R"({"sessionId":"s","type":"","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("timestamp object") << QByteArray(R"({"sessionId":"s","type":"x","timestamp":{}})") << false;
        QTest::newRow("timestamp no zone") << QByteArray(R"({"sessionId":"s","type":"x","timestamp":"2026-11-25T21:04:17"})") << false;
        QTest::newRow("bad id space") << QByteArray(R"({"sessionId":"a b","type":"x","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("bad id star") << QByteArray(R"({"sessionId":"*","type":"x","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("bad id nul") << QByteArray(R"({"sessionId":"a\u0000b","type":"x","timestamp":"2026-11-25T21:04:17Z"})") << false;
        QTest::newRow("bad id dotdot") << QByteArray(R"({"sessionId":"..","type":"x","timestamp":"2026-11-25T21:04:17Z"})") << false;
    }
    void events()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, valid);
        const QJsonObject o = QJsonDocument::fromJson(json).object();
        QString why;
        const auto e = validateEvent(o, json, &why);
        QCOMPARE(e.has_value(), valid);
        if (!valid)
            QVERIFY(!why.isEmpty());
    }

    void stampKeepsClientBytesAndFields()
    {
        const QByteArray raw = R"({"sessionId":"s","type":"x","timestamp":"2026-11-25T21:04:17Z","extra":{"deep":[1,2,{"a":null}]}} )";
        const auto e = validateEvent(QJsonDocument::fromJson(raw).object(), raw);
        QVERIFY(e);
        const StampedEvent s = stampEvent(*e, 7);
        QVERIFY(s.json.startsWith(raw.trimmed().chopped(1))); // client bytes verbatim
        const QJsonObject back = QJsonDocument::fromJson(s.json).object();
        QCOMPARE(back.value(QStringLiteral("seq")).toInt(), 7);
        QCOMPARE(back.value(QStringLiteral("eventId")).toString(), s.eventId);
        QVERIFY(s.eventId.startsWith(QStringLiteral("evt-")));
        QCOMPARE(back.value(QStringLiteral("extra")).toObject().value(QStringLiteral("deep")).toArray().size(), 3);
    }
    void stampKeepsClientEventIdAndReplacesSeq()
    {
        const QByteArray raw = R"({"sessionId":"s","type":"x","timestamp":"2026-11-25T21:04:17Z","eventId":"mine","seq":99})";
        const auto e = validateEvent(QJsonDocument::fromJson(raw).object(), raw);
        QVERIFY(e);
        const StampedEvent s = stampEvent(*e, 3);
        QCOMPARE(s.eventId, QStringLiteral("mine"));
        const QJsonObject back = QJsonDocument::fromJson(s.json).object();
        QCOMPARE(back.value(QStringLiteral("seq")).toInt(), 3);
        QCOMPARE(back.value(QStringLiteral("eventId")).toString(), QStringLiteral("mine"));
        QCOMPARE(s.json.count("\"seq\""), 1); // never a duplicate key
    }
    void joinIsConcatenation()
    {
        QList<StoredEvent> list{{1, 0, R"({"a":1})"}, {2, 0, R"({"b":2})"}};
        QCOMPARE(joinEventsArray(list), QByteArray(R"([{"a":1},{"b":2}])"));
        QCOMPARE(joinEventsArray({}), QByteArray("[]"));
    }

    void enums()
    {
        for (const auto *s : {"pending", "in_progress", "completed", "failed", "skipped"})
            QCOMPARE(statusToString(*statusFromString(QString::fromLatin1(s))), QString::fromLatin1(s));
        QVERIFY(!statusFromString(u"done"));
        QCOMPARE(commandTypeNames().size(), 6);
        QVERIFY(commandTypeFromString(u"abort"));
        QVERIFY(!commandTypeFromString(u"ABORT"));
        QVERIFY(!commandTypeFromString(u"reboot"));
    }
    void sessionRoundTrip()
    {
        Session s;
        s.id = QStringLiteral("s1");
        s.cwd = QStringLiteral("/w");
        s.user = QStringLiteral("alice");
        s.startedAtMs = 1795640657123;
        s.setStatus(Status::Completed, 1795640658123);
        const QJsonObject o = s.toJson();
        QCOMPARE(o.value(QStringLiteral("duration")).toInt(), 1000);
        QVERIFY(!o.contains(QStringLiteral("hostname"))); // unknown optional fields omitted
        const auto back = Session::fromJson(o);
        QVERIFY(back);
        QCOMPARE(back->toJson(), o);
        QVERIFY(!Session::fromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("x")}}));
    }
};

QTEST_GUILESS_MAIN(TestIdsEvents)
#include "tst_ids_events.moc"

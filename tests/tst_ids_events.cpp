// SPDX-License-Identifier: MIT
// Validation and codecs of shared/: ids, timestamps, events, models.
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "event.h"
#include "ids.h"
#include "jsonscan.h"
#include "jsoncases.h" // kept out of this file: moc trips over the raw strings
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
        QTest::newRow("compact offset") << QStringLiteral("2026-11-25T22:04:17.123+0100") << qint64(1795640657123);
        QTest::newRow("micros") << QStringLiteral("2026-11-25T21:04:17.123456Z") << qint64(1795640657123);
        QTest::newRow("minutes only") << QStringLiteral("2026-11-25T21:04Z") << qint64(1795640640000);
        QTest::newRow("leap day") << QStringLiteral("2024-02-29T00:00:00Z") << qint64(1709164800000);
        QTest::newRow("not a leap day") << QStringLiteral("2026-02-29T00:00:00Z") << qint64(-1);
        QTest::newRow("epoch") << QStringLiteral("1970-01-01T00:00:00.000Z") << qint64(0);
        QTest::newRow("hour 24") << QStringLiteral("2026-11-25T24:00:00Z") << qint64(-1);
        QTest::newRow("trailing junk") << QStringLiteral("2026-11-25T21:04:17Zjunk") << qint64(-1);
        QTest::newRow("empty fraction") << QStringLiteral("2026-11-25T21:04:17.Z") << qint64(-1);
        QTest::newRow("bad offset") << QStringLiteral("2026-11-25T21:04:17+25:00") << qint64(-1);
        QTest::newRow("space separator") << QStringLiteral("2026-11-25 21:04:17Z") << qint64(-1);
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
        QCOMPARE(isoFromMs(0), QStringLiteral("1970-01-01T00:00:00.000Z"));
        QCOMPARE(isoFromMs(-1), QStringLiteral("1969-12-31T23:59:59.999Z"));
        // Formatted by hand in years 0001..9999: the same text as QDateTime, on the
        // edges of days, months, leap years and centuries, and either side of the range.
        QList<qint64> samples{-62135596800000, -62135596800001, 253402300799999, 253402300800000,
                              951782400000 /* 2000-02-29 */, 4107542400000 /* 2100-03-01 */,
                              -2203891200000 /* 1900-03-01 */, 1709164799999, 1709164800000};
        for (qint64 v = -62135596800000; v < 253402300799999; v += 86400000 * 97LL + 3600123)
            samples << v;
        for (const qint64 v : std::as_const(samples)) {
            QCOMPARE(isoFromMs(v), QDateTime::fromMSecsSinceEpoch(v, Qt::UTC).toString(Qt::ISODateWithMs));
            if (v >= -62135596800000 && v <= 253402300799999)
                QCOMPARE(parseIsoTimestamp(isoFromMs(v)), std::optional<qint64>(v));
        }
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

    // The scanner must accept what QJsonDocument accepts (top-level objects and
    // arrays), minus what RFC 8259 forbids, so the fast path and the DOM path agree.
    void jsonScanAgreesWithQt_data()
    {
        QTest::addColumn<QByteArray>("json");
        int i = 0;
        for (const char *c : kJsonCases)
            QTest::addRow("case %d", i++) << QByteArray(c);
        QTest::addRow("deep") << QByteArray(400, '[') + QByteArray(400, ']');
        QTest::addRow("too deep") << QByteArray(5000, '[') + QByteArray(5000, ']');
    }
    void jsonScanAgreesWithQt()
    {
        QFETCH(QByteArray, json);
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
        JsonScan scan({"a"});
        const bool ours = scan.scan(json);
        const bool qts = err.error == QJsonParseError::NoError;
        // The scanner is RFC 8259-strict where Qt is lenient (leading zeros, "1.", ".5", raw
        // control characters, unknown escapes): bytes that are stored verbatim must
        // parse in a browser's JSON.parse too. It must never accept what Qt refuses.
        if (ours && !qts && (json.startsWith('[') || json.startsWith('{') || json.startsWith(' ')))
            QFAIL("the scanner accepted JSON that QJsonDocument refuses");
        if (!ours && qts) {
            const QByteArray lenient[] = {"01", "1.", ".5", "\t", "\\x"};
            // ... and refuses an object with a member name twice, which Qt reads as the
            // first and JavaScript as the last.
            bool known = scan.error() == QLatin1String("duplicate member name");
            for (const auto &l : lenient)
                known = known || json.contains(l);
            QVERIFY2(known, qPrintable(QStringLiteral("scanner refused valid JSON: %1").arg(scan.error())));
        }
        // Qt refuses bare scalars at the top level; the scanner accepts them but the
        // event path then requires an object, so both refuse the same events.
        if (ours && !qts)
            QVERIFY(!scan.isObject());
        if (ours && scan.isObject() && scan.member(0).present && scan.member(0).isString)
            QCOMPARE(scan.member(0).value, doc.object().value(QStringLiteral("a")).toString());
    }
    void jsonScanRefusesDuplicateNames_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("valid");
        QTest::addRow("top level") << QByteArray(R"({"a":1,"a":2})") << false;
        QTest::addRow("escaped twin") << QByteArray(R"({"a":1,"\u0061":2})") << false;
        QTest::addRow("nested") << QByteArray(R"({"x":{"b":1,"c":{},"b":2}})") << false;
        QTest::addRow("in an array") << QByteArray(R"([{"k":1},{"k":1,"k":1}])") << false;
        QTest::addRow("same name, other objects") << QByteArray(R"({"k":{"k":{"k":1}},"j":[{"k":1},{"k":2}]})") << true;
        QTest::addRow("prefix names") << QByteArray(R"({"ab":1,"a":2,"abc":3,"":4})") << true;
        QTest::addRow("empty twice") << QByteArray(R"({"":1,"":2})") << false;
        // Past the linear scan: a hash set takes over.
        QByteArray many = "{";
        for (int i = 0; i < 100000; ++i)
            many += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":0";
        QTest::addRow("100,000 names") << QByteArray(many + '}') << true;
        QTest::addRow("100,000 names, last repeats the first") << QByteArray(many + R"(,"k0":1})") << false;
        QTest::addRow("17 names, repeat after the switch") << QByteArray(R"({"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"k":0,"l":0,"m":0,"n":0,"o":0,"p":0,"q":0,"r":0,"a":1})") << false;
    }
    void jsonScanRefusesDuplicateNames()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, valid);
        JsonScan scan({"k"});
        QCOMPARE(scan.scan(json), valid);
        if (!valid)
            QCOMPARE(scan.error(), QStringLiteral("duplicate member name"));
        QString error;
        QCOMPARE(parseJson(json, &error).has_value(), valid);
    }
    void parseEventMatchesValidateEvent()
    {
        const QByteArray raw = R"({"sessionId":"s\u0031","type":"x","timestamp":"2026-11-25T21:04:17Z","eventId":7,"seq":3})";
        QString jsonError, why;
        const auto fast = parseEvent(raw, &jsonError, &why);
        const auto slow = validateEvent(QJsonDocument::fromJson(raw).object(), raw, &why);
        QVERIFY(fast && slow);
        QCOMPARE(fast->sessionId, QStringLiteral("s1"));
        QCOMPARE(fast->sessionId, slow->sessionId);
        QCOMPARE(fast->clientEventId, slow->clientEventId); // a non-string eventId is not kept
        QCOMPARE(fast->rawHasEventId, true);
        QCOMPARE(fast->rawHasSeq, true);
        const QJsonObject stamped = QJsonDocument::fromJson(stampEvent(*fast, 9).json).object();
        QCOMPARE(stamped.value(QStringLiteral("seq")).toInt(), 9);
        QVERIFY(stamped.value(QStringLiteral("eventId")).isString());
        QVERIFY(!parseEvent("[1]", &jsonError, &why));
        QVERIFY(!parseEvent("{bad", &jsonError, &why));
        QVERIFY(!jsonError.isEmpty());
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

// SPDX-License-Identifier: MIT
// The event -> chain/step/session fold, data-driven.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "fold.h"
#include "jsonscan.h"

using namespace Afw;

Q_DECLARE_METATYPE(Afw::Session)

namespace {
QJsonObject ev(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}
QList<StoredEvent> stored(const QList<QByteArray> &events)
{
    QList<StoredEvent> out;
    qint64 seq = 0;
    for (const auto &e : events)
        out.append({++seq, 0, e});
    return out;
}
} // namespace

class TestFold : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void chains_data()
    {
        QTest::addColumn<QList<QByteArray>>("events");
        QTest::addColumn<QByteArray>("expectedChains"); // the fields that must match, per chain
        QTest::newRow("compiled only")
            << QList<QByteArray>{R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"c1","title":"T","source":"flow","steps":[{"stepNumber":1,"action":"code"},{"stepNumber":2,"action":"review"}]})"}
            << QByteArray(R"([{"id":"c1","status":"pending","title":"T","source":"flow","compiledAt":"2026-11-25T10:00:00Z","steps":[{"stepNumber":1,"status":"pending","action":"code"},{"stepNumber":2,"status":"pending","action":"review"}]}])");
        QTest::newRow("full run")
            << QList<QByteArray>{
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"c1","steps":[{"stepNumber":1},{"stepNumber":2}]})",
                   R"({"type":"chain:started","timestamp":"2026-11-25T10:00:01Z","chainId":"c1"})",
                   R"({"type":"step:started","timestamp":"2026-11-25T10:00:02Z","stepNumber":1})",
                   R"({"type":"step:completed","timestamp":"2026-11-25T10:00:05Z","stepNumber":1,"result":"ok","learning":"l"})",
                   R"({"type":"step:spawned","timestamp":"2026-11-25T10:00:06Z","stepNumber":2})",
                   R"({"type":"step:failed","timestamp":"2026-11-25T10:00:07Z","stepNumber":2,"error":"boom"})",
                   R"({"type":"chain:completed","timestamp":"2026-11-25T10:00:09Z","chainId":"c1","overallStatus":"failure","summary":"s","successfulSteps":1,"failedSteps":1})"}
            << QByteArray(R"([{"id":"c1","status":"failed","startedAt":"2026-11-25T10:00:01Z","completedAt":"2026-11-25T10:00:09Z","duration":8000,"summary":"s","successfulSteps":1,"failedSteps":1,"steps":[{"stepNumber":1,"status":"completed","startedAt":"2026-11-25T10:00:02Z","completedAt":"2026-11-25T10:00:05Z","duration":3000,"result":"ok","learning":"l"},{"stepNumber":2,"status":"failed","duration":1000,"error":"boom"}]}])");
        QTest::newRow("steps without a compiled chain")
            << QList<QByteArray>{R"({"type":"step:started","timestamp":"2026-11-25T10:00:02Z","stepNumber":3})"}
            << QByteArray(R"([{"id":"chain-1","status":"in_progress","steps":[{"stepNumber":3,"status":"in_progress"}]}])");
        QTest::newRow("generated chain id, success")
            << QList<QByteArray>{
                   R"({"type":"file:created","timestamp":"2026-11-25T10:00:00Z"})",
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","steps":[]})",
                   R"({"type":"chain:completed","timestamp":"2026-11-25T10:00:03Z","overallStatus":"success","duration":42})"}
            << QByteArray(R"([{"id":"chain-2","status":"completed","duration":42}])");
        QTest::newRow("two chains, steps go to the current one")
            << QList<QByteArray>{
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"a","steps":[{"stepNumber":1}]})",
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:01Z","chainId":"b","steps":[{"stepNumber":1}]})",
                   R"({"type":"step:completed","timestamp":"2026-11-25T10:00:02Z","stepNumber":1})"}
            << QByteArray(R"([{"id":"a","status":"pending","steps":[{"stepNumber":1,"status":"pending"}]},{"id":"b","status":"in_progress","steps":[{"stepNumber":1,"status":"completed"}]}])");
        QTest::newRow("malformed fields ignored")
            << QList<QByteArray>{R"({"type":"step:started","timestamp":"2026-11-25T10:00:02Z","stepNumber":"one"})",
                                 R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","steps":"nope"})"}
            << QByteArray(R"([{"id":"chain-2","status":"pending","steps":[]}])");
    }
    void chains()
    {
        QFETCH(QList<QByteArray>, events);
        QFETCH(QByteArray, expectedChains);
        ChainFold fold;
        fold.applyAll(stored(events));
        const QJsonArray expected = QJsonDocument::fromJson(expectedChains).array();
        QCOMPARE(fold.chains().size(), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const QJsonObject got = fold.chains().at(i).toJson();
            const QJsonObject want = expected.at(i).toObject();
            for (auto it = want.begin(); it != want.end(); ++it) {
                if (it.key() == QLatin1String("steps")) {
                    const QJsonArray gs = got.value(it.key()).toArray();
                    const QJsonArray ws = it.value().toArray();
                    QCOMPARE(gs.size(), ws.size());
                    for (qsizetype j = 0; j < ws.size(); ++j) {
                        const QJsonObject w = ws.at(j).toObject();
                        for (auto f = w.begin(); f != w.end(); ++f)
                            QCOMPARE(gs.at(j).toObject().value(f.key()), f.value());
                    }
                    continue;
                }
                QCOMPARE(got.value(it.key()), it.value());
            }
        }
    }

    void derivedCounters()
    {
        ChainFold fold;
        fold.applyAll(stored({
            R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"c","steps":[{"stepNumber":1}]})",
            R"({"type":"step:completed","timestamp":"2026-11-25T10:00:02Z","stepNumber":1})",
            R"({"type":"chain:completed","timestamp":"2026-11-25T10:00:03Z","overallStatus":"success"})",
            R"({"type":"error:occurred","timestamp":"2026-11-25T10:00:04Z","severity":"critical"})",
            R"({"type":"error:occurred","timestamp":"2026-11-25T10:00:04Z","severity":"low"})",
        }));
        QJsonObject session;
        fold.decorateSession(session);
        QCOMPARE(session.value(QStringLiteral("totalStepsExecuted")).toInt(), 1);
        QCOMPARE(session.value(QStringLiteral("totalChainsCompleted")).toInt(), 1);
        QCOMPARE(session.value(QStringLiteral("criticalErrors")).toArray().size(), 1);
        // v1.1: an object (the dashboard reads currentChain.steps), never a bare id.
        const QJsonObject current = session.value(QStringLiteral("currentChain")).toObject();
        QCOMPARE(current.value(QStringLiteral("id")).toString(), QStringLiteral("c"));
        QCOMPARE(current.value(QStringLiteral("steps")).toArray().size(), 1);
        QCOMPARE(session.value(QStringLiteral("chains")).toArray().size(), 1);
        QCOMPARE(QJsonValue(current), session.value(QStringLiteral("chains")).toArray().at(0));
    }

    // API.md v1.1: the latest chain not yet completed or failed, else the latest chain.
    void currentChain_data()
    {
        QTest::addColumn<QList<QByteArray>>("events");
        QTest::addColumn<QString>("current"); // empty: none
        QTest::newRow("no chain") << QList<QByteArray>{R"({"type":"file:created","timestamp":"2026-11-25T10:00:00Z"})"}
                                  << QString();
        QTest::newRow("one pending")
            << QList<QByteArray>{R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"a"})"}
            << QStringLiteral("a");
        QTest::newRow("latest open wins over a later finished one")
            << QList<QByteArray>{
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"a"})",
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:01Z","chainId":"b"})",
                   R"({"type":"chain:completed","timestamp":"2026-11-25T10:00:02Z","chainId":"b","overallStatus":"success"})"}
            << QStringLiteral("a");
        QTest::newRow("all finished: the latest")
            << QList<QByteArray>{
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"a"})",
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:01Z","chainId":"b"})",
                   R"({"type":"chain:completed","timestamp":"2026-11-25T10:00:02Z","chainId":"b","overallStatus":"failure"})",
                   R"({"type":"chain:completed","timestamp":"2026-11-25T10:00:03Z","chainId":"a","overallStatus":"success"})"}
            << QStringLiteral("b");
        QTest::newRow("two open: the latest")
            << QList<QByteArray>{
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"a"})",
                   R"({"type":"chain:started","timestamp":"2026-11-25T10:00:01Z","chainId":"a"})",
                   R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:02Z","chainId":"b"})"}
            << QStringLiteral("b");
        QTest::newRow("made by a step")
            << QList<QByteArray>{R"({"type":"step:spawned","timestamp":"2026-11-25T10:00:00Z","stepNumber":1})"}
            << QStringLiteral("chain-1");
    }

    void currentChain()
    {
        QFETCH(QList<QByteArray>, events);
        QFETCH(QString, current);
        ChainFold fold;
        fold.applyAll(stored(events));
        QJsonObject session;
        fold.decorateSession(session);
        if (current.isEmpty()) {
            QVERIFY(!fold.currentChain());
            QVERIFY(!session.contains(QStringLiteral("currentChain")));
            return;
        }
        QVERIFY(fold.currentChain());
        QCOMPARE(fold.currentChain()->id, current);
        QCOMPARE(session.value(QStringLiteral("currentChain")).toObject().value(QStringLiteral("id")).toString(),
                 current);
    }

    // A kept fold extended with newer events equals the fold of all of them at once.
    void extendedFoldEqualsFullFold()
    {
        const QList<StoredEvent> all = stored({
            R"({"type":"step:spawned","timestamp":"2026-11-25T10:00:00Z","stepNumber":1})",
            R"({"type":"step:completed","timestamp":"2026-11-25T10:00:01Z","stepNumber":1})",
            R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:02Z","chainId":"c","steps":[{"stepNumber":1}]})",
            R"({"type":"step:started","timestamp":"2026-11-25T10:00:03Z","stepNumber":1})",
            R"({"type":"error:occurred","timestamp":"2026-11-25T10:00:04Z","severity":"critical"})",
        });
        ChainFold whole;
        whole.applyAll(all);
        QJsonObject expected;
        whole.decorateSession(expected);
        for (qsizetype cut = 0; cut <= all.size(); ++cut) {
            FoldState st;
            st.extend(all.mid(0, cut));
            st.extend(all, cut);
            QCOMPARE(st.lastSeq, all.size());
            QCOMPARE(st.last, all.last().json);
            QJsonObject got;
            st.fold.decorateSession(got);
            QCOMPARE(got, expected);
        }
    }

    void storedChainsWinById()
    {
        ChainFold fold;
        fold.apply(ev(R"({"type":"chain:compiled","timestamp":"2026-11-25T10:00:00Z","chainId":"c","title":"from events"})"), 1);
        Chain stored;
        stored.id = QStringLiteral("c");
        stored.status = Status::Completed;
        stored.fields.insert(QStringLiteral("title"), QStringLiteral("stored"));
        Chain other;
        other.id = QStringLiteral("d");
        fold.mergeStored({stored, other});
        QCOMPARE(fold.chains().size(), 2);
        QCOMPARE(fold.chains().at(0).fields.value(QStringLiteral("title")).toString(), QStringLiteral("stored"));
        QCOMPARE(fold.chains().at(0).status, Status::Completed);
    }

    // The hand-written record Redis gets with every event is the record toJson() makes,
    // and valid JSON by the strict scanner's rules too.
    void sessionRecordBytes_data()
    {
        QTest::addColumn<Session>("session");
        Session minimal;
        minimal.id = QStringLiteral("s1");
        minimal.startedAtMs = 1764100000123;
        QTest::newRow("minimal") << minimal;
        Session full = minimal;
        full.cwd = QStringLiteral("/home/me/proj");
        full.hostname = QStringLiteral("box");
        full.platform = QStringLiteral("linux");
        full.user = QStringLiteral("ann@example.com");
        full.status = Status::Failed;
        full.endedAtMs = minimal.startedAtMs + 4321;
        full.endReason = QStringLiteral("error");
        full.summary = QStringLiteral("it broke");
        full.metadata = QJsonObject{{QStringLiteral("k"), QJsonArray{1, QStringLiteral("two")}}};
        QTest::newRow("every field") << full;
        Session odd = minimal;
        odd.cwd = QStringLiteral("C:\\Users\\\"me\"\n\t") + QChar(0x01) + QChar(0x1f) + QStringLiteral("/é/€/")
                  + QString::fromUcs4(U"\U0001F600");
        odd.summary = QStringLiteral("</script>\u2028");
        QTest::newRow("escapes") << odd;
    }

    void sessionRecordBytes()
    {
        QFETCH(Session, session);
        const QByteArray bytes = session.toJsonBytes();
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(bytes, &err);
        QVERIFY2(err.error == QJsonParseError::NoError, bytes.constData());
        QCOMPARE(doc.object(), session.toJson());
        JsonScan scan({"id"});
        QVERIFY2(scan.scan(bytes), qPrintable(scan.error()));
        QCOMPARE(scan.member(0).value, session.id);
    }
};

QTEST_GUILESS_MAIN(TestFold)
#include "tst_fold.moc"

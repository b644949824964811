// SPDX-License-Identifier: MIT
// The event -> chain/step/session fold, data-driven.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "fold.h"

using namespace Afw;

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
        QCOMPARE(session.value(QStringLiteral("criticalErrors")).toInt(), 1);
        QCOMPARE(session.value(QStringLiteral("currentChain")).toString(), QStringLiteral("c"));
        QCOMPARE(session.value(QStringLiteral("chains")).toArray().size(), 1);
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

    void sessionFromEvents()
    {
        const QByteArray started = R"({"sessionId":"s","type":"session:started","timestamp":"2026-11-25T10:00:00Z","cwd":"/w","hostname":"h","platform":"linux","user":"bob"})";
        auto e = validateEvent(ev(started), started);
        QVERIFY(e);
        auto s = sessionFromStartedEvent(*e);
        QVERIFY(s);
        QCOMPARE(s->cwd, QStringLiteral("/w"));
        QCOMPARE(s->user, QStringLiteral("bob"));
        QCOMPARE(s->status, Status::InProgress);
        const QByteArray ended = R"({"sessionId":"s","type":"session:ended","timestamp":"2026-11-25T10:00:10Z","summary":"done","endReason":"user"})";
        auto end = validateEvent(ev(ended), ended);
        QVERIFY(end);
        QVERIFY(!sessionFromStartedEvent(*end));
        QVERIFY(applySessionEvent(*s, *end));
        QCOMPARE(s->status, Status::Completed);
        QCOMPARE(s->toJson().value(QStringLiteral("duration")).toInt(), 10000);
        QCOMPARE(s->summary, QStringLiteral("done"));
        QCOMPARE(s->endReason, QStringLiteral("user"));
    }
};

QTEST_GUILESS_MAIN(TestFold)
#include "tst_fold.moc"

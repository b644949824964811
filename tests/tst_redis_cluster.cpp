// SPDX-License-Identifier: MIT
// Two in-process daemons sharing one real redis-server: what one stores the other reads,
// events fan out through pub/sub exactly once per WebSocket client, queues drain exactly
// once across instances, and the keys are the layout of API.md.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <memory>

#include "testdaemon.h"
#include "http.h"
#include "wsclient.h"
#include "redisclient.h"
#include "redisserver.h"
#include "redissubscriber.h"
#include "storage/storage.h"
#include "timeutil.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Test::http;

namespace {

constexpr int kWaitMs = 5000;
const QByteArray kPrefix = "afw-test:";

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Redis::Reply await(const QFuture<Redis::Reply> &f)
{
    return Test::awaitReply(f, kWaitMs);
}

using Afw::Test::WsClient;

// GET .../commands in a loop against one daemon, collecting every drained command id.
class Poller : public QObject
{
public:
    Poller(QNetworkAccessManager &nam, const QUrl &url, QStringList *sink)
        : m_nam(nam), m_url(url), m_sink(sink)
    {
    }
    void start() { next(); }
    void stop() { m_stopping = true; }
    bool idle() const { return m_idle; }
    int errors = 0;
    int taken = 0;

private:
    void next()
    {
        QNetworkReply *reply = m_nam.get(QNetworkRequest(m_url));
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status != 200)
                ++errors;
            const QJsonArray cmds = QJsonDocument::fromJson(reply->readAll())
                                        .object()
                                        .value("commands"_L1)
                                        .toArray();
            for (const QJsonValue &c : cmds)
                m_sink->append(c.toObject().value("id"_L1).toString());
            taken += int(cmds.size());
            if (m_stopping && cmds.isEmpty()) {
                m_idle = true;
                return;
            }
            next();
        });
    }

    QNetworkAccessManager &m_nam;
    QUrl m_url;
    QStringList *m_sink;
    bool m_stopping = false;
    bool m_idle = false;
};

} // namespace

class TestRedisCluster : public QObject
{
    Q_OBJECT

    Test::DaemonFixture m_fixture;
    std::unique_ptr<Test::RedisServer> m_redis;
    std::unique_ptr<Daemon> m_a, m_b;
    std::unique_ptr<Redis::Client> m_raw;
    QNetworkAccessManager m_nam;
    int m_counter = 0;

    QString uid(const char *base) { return QLatin1String(base) + u'-' + QString::number(++m_counter); }
    static QUrl url(const Daemon &d, const QString &path) { return Test::DaemonFixture::url(d, path); }
    std::unique_ptr<Daemon> startDaemon()
    {
        Config c;
        c.redisPrefix = QString::fromLatin1(kPrefix); // both instances on the same keys
        c.redisUrl = m_redis->url();
        return m_fixture.start(c);
    }
    bool createSession(const Daemon &d, const QString &id)
    {
        const auto r = http(m_nam, "POST", url(d, u"/api/sessions"_s),
                            json({{"cwd"_L1, "/repo"_L1}, {"id"_L1, id}}));
        return r.status == 201;
    }
    qint64 postEvent(const Daemon &d, const QString &sessionId, const QString &type = u"step:started"_s)
    {
        const auto r = http(m_nam, "POST", url(d, u"/api/events"_s),
                            json({{"sessionId"_L1, sessionId},
                                  {"type"_L1, type},
                                  {"timestamp"_L1, nowIso()}}));
        return r.status == 201 ? r.json().value("seq"_L1).toInteger() : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        AFW_REQUIRE_REDIS_SERVER();
        m_redis = std::make_unique<Test::RedisServer>();
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        m_a = startDaemon();
        m_b = startDaemon();
        QVERIFY(m_a && m_b);
        QVERIFY(m_a->port() != m_b->port());
        QTRY_VERIFY_WITH_TIMEOUT(m_a->storage()->isAvailable() && m_b->storage()->isAvailable(), kWaitMs);
        m_raw = std::make_unique<Redis::Client>(*Redis::RedisUrl::parse(m_redis->url()));
        m_raw->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_raw->isConnected(), kWaitMs);
        QCOMPARE(http(m_nam, "GET", url(*m_a, u"/health"_s)).json().value("storage"_L1).toString(),
                 u"redis"_s);
    }

    void cleanupTestCase()
    {
        m_a.reset();
        m_b.reset();
        m_raw.reset();
    }

    void sessionCreatedOnAIsReadAndListedOnB()
    {
        const QString id = uid("shared");
        QVERIFY(createSession(*m_a, id));
        const auto got = http(m_nam, "GET", url(*m_b, u"/api/sessions/"_s + id));
        QCOMPARE(got.status, 200);
        QCOMPARE(got.json().value("cwd"_L1).toString(), u"/repo"_s);
        QCOMPARE(got.json().value("status"_L1).toString(), u"pending"_s);
        const auto list = http(m_nam, "GET", url(*m_b, u"/api/sessions"_s));
        QCOMPARE(list.status, 200);
        QStringList ids;
        for (const QJsonValue &v : list.json().value("sessions"_L1).toArray())
            ids.append(v.toObject().value("id"_L1).toString());
        QVERIFY(ids.contains(id));
        // Re-posting the id on B is idempotent across instances.
        const auto again = http(m_nam, "POST", url(*m_b, u"/api/sessions"_s),
                                json({{"cwd"_L1, "/other"_L1}, {"id"_L1, id}}));
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value("cwd"_L1).toString(), u"/repo"_s);
    }

    void eventReachesEachClientExactlyOnce()
    {
        const QString id = uid("fanout");
        QVERIFY(createSession(*m_a, id));
        // Envelope by query on A and by subprotocol on B, plus a dashboard (events
        // framing) on B.
        WsClient onA, onB, dashboard;
        QVERIFY(onA.open(m_a->port()));
        QVERIFY(onB.open(m_b->port(), WsClient::Framing::EnvelopeSubprotocol));
        QVERIFY(dashboard.open(m_b->port(), WsClient::Framing::Events));
        QVERIFY(onA.subscribe(id));
        QVERIFY(onB.subscribe(id));
        QVERIFY(dashboard.subscribe(id));

        QCOMPARE(postEvent(*m_a, id), 1);
        QTRY_COMPARE_WITH_TIMEOUT(onA.count(u"event"_s, id), 1, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(onB.count(u"event"_s, id), 1, kWaitMs);
        QCOMPARE(postEvent(*m_b, id), 2); // and the other way round
        QTRY_COMPARE_WITH_TIMEOUT(onA.count(u"event"_s, id), 2, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(onB.count(u"event"_s, id), 2, kWaitMs);
        // Nothing else is on its way: the pong comes after any duplicate would have.
        QVERIFY(onA.roundTrip());
        QVERIFY(onB.roundTrip());
        QCOMPARE(onA.count(u"event"_s, id), 2);
        QCOMPARE(onB.count(u"event"_s, id), 2);
        for (const WsClient *c : {&onA, &onB}) {
            QList<qint64> seqs;
            for (const QJsonObject &o : c->frames) {
                if (o.value("type"_L1).toString() == "event"_L1)
                    seqs.append(o.value("payload"_L1).toObject().value("seq"_L1).toInteger());
            }
            QCOMPARE(seqs, (QList<qint64>{1, 2}));
        }
        QVERIFY(dashboard.roundTrip());
        QList<qint64> bare;
        for (const QJsonObject &o : dashboard.frames) {
            if (o.contains("eventId"_L1)) { // a bare event: the stored one itself
                QCOMPARE(o.value("sessionId"_L1).toString(), id);
                bare.append(o.value("seq"_L1).toInteger());
            }
        }
        QCOMPARE(bare, (QList<qint64>{1, 2}));
    }

    // afterSeq replay while events keep coming: with Redis the replay is a real round
    // trip, so live events reach the hub while the stored ones are read, and must be
    // held, then sent after them, with no gap and no duplicate.
    void replayWhileEventsArriveHasNoGapOrDuplicate()
    {
        const QString id = uid("replay");
        QVERIFY(createSession(*m_a, id));
        QList<IncomingEvent> first;
        for (int i = 0; i < 50; ++i) {
            const QJsonObject o{{u"sessionId"_s, id}, {u"type"_s, u"step:started"_s}, {u"timestamp"_s, nowIso()}};
            first.append(*validateEvent(o, {}));
        }
        auto stored = m_a->storage()->addEvents(first);
        QTRY_VERIFY_WITH_TIMEOUT(stored.isFinished(), kWaitMs);
        QVERIFY(stored.result().ok());

        WsClient late;
        QVERIFY(late.open(m_b->port()));
        // Out of firehose mode first (a client with no subscription gets everything,
        // which would be a different question), then subscribe on B and, without
        // waiting, store 50 more events through A: their pub/sub echoes race B's
        // LRANGE for the replay.
        QVERIFY(late.subscribe(uid("elsewhere")));
        late.socket.sendTextMessage(QString::fromUtf8(
            json({{"type"_L1, "subscribe"_L1}, {"sessionId"_L1, id}, {"afterSeq"_L1, 10}})));
        QList<QFuture<Result<AddedEvent>>> more;
        for (int i = 0; i < 50; ++i) {
            const QJsonObject o{{u"sessionId"_s, id}, {u"type"_s, u"step:completed"_s}, {u"timestamp"_s, nowIso()}};
            more.append(m_a->storage()->addEvent(*validateEvent(o, {})));
        }
        QTRY_COMPARE_WITH_TIMEOUT(late.count(u"event"_s, id), 90, kWaitMs);
        QVERIFY(late.roundTrip());
        QList<qint64> seqs;
        for (const QJsonObject &o : late.frames) {
            if (o.value("type"_L1).toString() == "event"_L1)
                seqs.append(o.value("payload"_L1).toObject().value("seq"_L1).toInteger());
        }
        QList<qint64> want;
        for (qint64 s = 11; s <= 100; ++s)
            want.append(s);
        QCOMPARE(seqs, want);
    }

    void commandQueuedOnBIsDrainedOnA()
    {
        const QString id = uid("cmd");
        QVERIFY(createSession(*m_a, id));
        WsClient watcher;
        QVERIFY(watcher.open(m_a->port()));
        QVERIFY(watcher.subscribe(id));
        const auto queued = http(m_nam, "POST", url(*m_b, u"/api/commands/%1/commands"_s.arg(id)),
                                 json({{"type"_L1, "pause"_L1}}));
        QCOMPARE(queued.status, 201);
        const QString commandId = queued.json().value("commandId"_L1).toString();
        QVERIFY(!commandId.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(watcher.count(u"command"_s, id), 1, kWaitMs); // pushed on A too

        const auto peek = http(m_nam, "GET", url(*m_a, u"/api/commands/%1/commands?peek=true"_s.arg(id)));
        QCOMPARE(peek.json().value("count"_L1).toInt(), 1);
        const auto taken = http(m_nam, "GET", url(*m_a, u"/api/commands/%1/commands"_s.arg(id)));
        QCOMPARE(taken.status, 200);
        QCOMPARE(taken.json().value("count"_L1).toInt(), 1);
        QCOMPARE(taken.json().value("commands"_L1).toArray().first().toObject().value("id"_L1).toString(),
                 commandId);
        QCOMPARE(http(m_nam, "GET", url(*m_b, u"/api/commands/%1/commands"_s.arg(id))).json().value("count"_L1).toInt(), 0);

        // The ack, posted on B, names the session it belongs to on A's WebSocket.
        const auto ack = http(m_nam, "POST", url(*m_b, u"/api/commands/%1/ack"_s.arg(commandId)),
                              json({{"result"_L1, "ok"_L1}}));
        QCOMPARE(ack.status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.count(u"command_ack"_s, id), 1, kWaitMs);
    }

    void concurrentPollersDeliverEachCommandOnce()
    {
        constexpr int total = 10000;
        constexpr int batchSize = 500;
        const QString id = uid("poll");
        QVERIFY(createSession(*m_a, id));
        QStringList drained;
        std::vector<std::unique_ptr<Poller>> pollers;
        for (Daemon *d : {m_a.get(), m_b.get(), m_a.get(), m_b.get()}) {
            pollers.push_back(std::make_unique<Poller>(
                m_nam, url(*d, u"/api/commands/%1/commands"_s.arg(id)), &drained));
            pollers.back()->start();
        }
        // Queued through both instances' storage while the pollers run.
        for (int base = 0; base < total; base += batchSize) {
            Storage *s = (base / batchSize) % 2 ? m_b->storage() : m_a->storage();
            QList<QFuture<Result<bool>>> batch;
            for (int i = base; i < base + batchSize; ++i) {
                Command c;
                c.id = u"c-%1"_s.arg(i);
                c.type = CommandType::Skip;
                c.timestamp = nowIso();
                batch.append(s->queueCommand(id, c));
            }
            QVERIFY(QTest::qWaitFor([&] {
                return std::all_of(batch.cbegin(), batch.cend(), [](const auto &f) { return f.isFinished(); });
            }, kWaitMs));
            for (const auto &f : batch)
                QVERIFY(f.result().ok());
        }
        QTRY_COMPARE_WITH_TIMEOUT(drained.size(), total, 15000);
        for (auto &p : pollers)
            p->stop();
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(pollers.cbegin(), pollers.cend(),
                                             [](const auto &p) { return p->idle(); }),
                                 kWaitMs);
        QCOMPARE(drained.size(), total); // nothing more came after the count was reached
        const QSet<QString> distinct(drained.cbegin(), drained.cend());
        QCOMPARE(distinct.size(), total);
        int busy = 0;
        for (const auto &p : pollers) {
            QCOMPARE(p->errors, 0);
            busy += p->taken > 0 ? 1 : 0;
        }
        QVERIFY2(busy >= 2, "the pollers did not actually compete");
    }

    void keyLayout()
    {
        const QString id = uid("layout");
        QVERIFY(createSession(*m_a, id));
        QCOMPARE(postEvent(*m_a, id, u"chain:compiled"_s), 1);
        QCOMPARE(http(m_nam, "POST", url(*m_a, u"/api/commands/%1/commands"_s.arg(id)),
                      json({{"type"_L1, "pause"_L1}})).status, 201);
        QCOMPARE(http(m_nam, "POST", url(*m_a, u"/api/sessions/%1/input"_s.arg(id)),
                      json({{"input"_L1, "yes"_L1}})).status, 201);
        // A chain as the Node original stores it when it shares the Redis: afwd writes
        // none, but reads and deletes them.
        Chain chain;
        chain.id = uid("chain");
        const QByteArray chainJson = json(chain.toJson());
        const QByteArray dayMs = QByteArray::number(qint64(24) * 3600 * 1000);
        QVERIFY(!await(m_raw->transaction({{"RPUSH", kPrefix + "chains:" + id.toUtf8(), chainJson},
                                           {"PEXPIRE", kPrefix + "chains:" + id.toUtf8(), dayMs},
                                           {"SET", kPrefix + "chain:" + chain.id.toUtf8(), chainJson, "PX", dayMs}}))
                     .isError());

        const QByteArray sid = id.toUtf8();
        struct Expect { QByteArray key; QByteArray type; qint64 maxTtlMs; };
        const qint64 day = qint64(24) * 3600 * 1000, fiveMin = 5 * 60 * 1000;
        const QList<Expect> expected{
            {kPrefix + "sessions:" + sid, "string", day},
            {kPrefix + "events:" + sid, "list", day},
            {kPrefix + "seq:" + sid, "string", day},
            {kPrefix + "chains:" + sid, "list", day},
            {kPrefix + "chain:" + chain.id.toUtf8(), "string", day},
            {kPrefix + "commands:" + sid, "list", fiveMin},
            {kPrefix + "input:" + sid, "list", fiveMin},
        };
        for (const Expect &e : expected) {
            QCOMPARE(await(m_raw->command({"TYPE", e.key})).str, e.type);
            const qint64 pttl = await(m_raw->command({"PTTL", e.key})).integer;
            QVERIFY2(pttl > e.maxTtlMs - 60000 && pttl <= e.maxTtlMs, e.key.constData());
        }
        QCOMPARE(await(m_raw->command({"GET", kPrefix + "seq:" + sid})).str, "1");
        QCOMPARE(await(m_raw->command({"TYPE", kPrefix + "session-index"})).str, "zset");
        QCOMPARE(await(m_raw->command({"PTTL", kPrefix + "session-index"})).integer, -1);

        const QJsonObject session
            = QJsonDocument::fromJson(await(m_raw->command({"GET", kPrefix + "sessions:" + sid})).str).object();
        QCOMPARE(session.value("id"_L1).toString(), id);
        const qint64 startedAt = *parseIsoTimestamp(session.value("startedAt"_L1).toString());
        const Redis::Reply score = await(m_raw->command({"ZSCORE", kPrefix + "session-index", sid}));
        QCOMPARE(score.str.toLongLong(), startedAt);

        // chainsCount comes from the fold now (v1.1): the chainids:<id> set of earlier
        // versions is no longer written.
        QCOMPARE(await(m_raw->command({"EXISTS", kPrefix + "chainids:" + sid})).integer, 0);

        const QByteArray stored = await(m_raw->command({"LINDEX", kPrefix + "events:" + sid, "0"})).str;
        QVERIFY(stored.endsWith(",\"seq\":1}")); // seq last, client bytes before it
        const QJsonObject event = QJsonDocument::fromJson(stored).object();
        QCOMPARE(event.value("type"_L1).toString(), u"chain:compiled"_s);
        QVERIFY(event.value("eventId"_L1).toString().startsWith("evt-"_L1));

        // The listing's chainsCount: one stored chain + one chain:compiled event.
        const auto chains = http(m_nam, "GET", url(*m_b, u"/api/sessions/%1/chains"_s.arg(id)));
        QCOMPARE(chains.json().value("chains"_L1).toArray().last().toObject().value("id"_L1).toString(),
                 chain.id);
        const auto list = http(m_nam, "GET", url(*m_b, u"/api/sessions"_s));
        bool found = false;
        for (const QJsonValue &v : list.json().value("sessions"_L1).toArray()) {
            if (v.toObject().value("id"_L1).toString() == id) {
                found = true;
                QCOMPARE(v.toObject().value("chainsCount"_L1).toInt(), 2);
            }
        }
        QVERIFY(found);

        // DELETE removes every part and the index entry.
        QCOMPARE(http(m_nam, "DELETE", url(*m_b, u"/api/sessions/"_s + id)).status, 204);
        for (const Expect &e : expected) {
            if (!e.key.startsWith(QByteArray(kPrefix + "chain:")))
                QCOMPARE(await(m_raw->command({"EXISTS", e.key})).integer, 0);
        }
        QCOMPARE(await(m_raw->command({"EXISTS", kPrefix + "chain:" + chain.id.toUtf8()})).integer, 0);
        QVERIFY(await(m_raw->command({"ZSCORE", kPrefix + "session-index", sid})).isNil());

        // v1.1: a session made by an event alone is stored like any other: the record
        // (with the session TTL) and its index entry, scored by the event's time.
        const QString byEvent = uid("by-event");
        const QByteArray be = byEvent.toUtf8();
        QCOMPARE(http(m_nam, "POST", url(*m_a, u"/api/events"_s),
                      json({{"sessionId"_L1, byEvent}, {"type"_L1, "step:spawned"_L1},
                            {"timestamp"_L1, "2026-11-25T21:04:17.123Z"_L1}, {"stepNumber"_L1, 1}}))
                     .status,
                 201);
        QCOMPARE(await(m_raw->command({"TYPE", kPrefix + "sessions:" + be})).str, "string");
        const qint64 pttl = await(m_raw->command({"PTTL", kPrefix + "sessions:" + be})).integer;
        QVERIFY(pttl > day - 60000 && pttl <= day);
        const QJsonObject record
            = QJsonDocument::fromJson(await(m_raw->command({"GET", kPrefix + "sessions:" + be})).str).object();
        QCOMPARE(record, (QJsonObject{{"id"_L1, byEvent}, {"cwd"_L1, ""_L1}, {"status"_L1, "in_progress"_L1},
                                      {"startedAt"_L1, "2026-11-25T21:04:17.123Z"_L1}}));
        QCOMPARE(await(m_raw->command({"ZSCORE", kPrefix + "session-index", be})).str.toLongLong(),
                 *parseIsoTimestamp(u"2026-11-25T21:04:17.123Z"_s));
    }

    void irregularSeqsStillPage()
    {
        // A seq key lost under the events (a foreign writer, a manual DEL): the `after`
        // shortcut must notice the list is no longer consecutive and filter the whole list.
        const QString id = uid("irregular");
        for (int i = 0; i < 3; ++i)
            QCOMPARE(postEvent(*m_a, id), i + 1);
        QCOMPARE(await(m_raw->command({"DEL", kPrefix + "seq:" + id.toUtf8()})).integer, 1);
        QCOMPARE(postEvent(*m_b, id), 1);
        QCOMPARE(postEvent(*m_b, id), 2);
        const auto r = http(m_nam, "GET", url(*m_a, u"/api/events/%1?after=1"_s.arg(id)));
        QCOMPARE(r.status, 200);
        QList<qint64> seqs;
        for (const QJsonValue &v : r.json().value("events"_L1).toArray())
            seqs.append(v.toObject().value("seq"_L1).toInteger());
        QCOMPARE(seqs, (QList<qint64>{2, 3, 2}));
    }

    void pubSubMessageShape()
    {
        Redis::Subscriber sub(*Redis::RedisUrl::parse(m_redis->url()));
        QSignalSpy subscribed(&sub, &Redis::Subscriber::subscribed);
        QSignalSpy messages(&sub, &Redis::Subscriber::message);
        sub.subscribe(kPrefix + "events");
        sub.subscribe(kPrefix + "commands");
        sub.start();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.size(), 2, kWaitMs);

        const QString id = uid("shape");
        QVERIFY(createSession(*m_b, id));
        QCOMPARE(postEvent(*m_b, id), 1);
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, kWaitMs);
        QCOMPARE(messages.at(0).at(0).toByteArray(), kPrefix + "events");
        const QJsonObject msg = QJsonDocument::fromJson(messages.at(0).at(1).toByteArray()).object();
        QCOMPARE(msg.keys(), (QStringList{u"event"_s, u"sessionId"_s, u"timestamp"_s}));
        QCOMPARE(msg.value("sessionId"_L1).toString(), id);
        QVERIFY(parseIsoTimestamp(msg.value("timestamp"_L1).toString()));
        const QJsonObject event = msg.value("event"_L1).toObject();
        QCOMPARE(event.value("seq"_L1).toInt(), 1);
        QCOMPARE(event.value("sessionId"_L1).toString(), id);
        QVERIFY(!event.value("eventId"_L1).toString().isEmpty());

        QCOMPARE(http(m_nam, "POST", url(*m_b, u"/api/commands/%1/commands"_s.arg(id)),
                      json({{"type"_L1, "resume"_L1}})).status, 201);
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, kWaitMs);
        QCOMPARE(messages.at(1).at(0).toByteArray(), kPrefix + "commands");
        const QJsonObject cmd = QJsonDocument::fromJson(messages.at(1).at(1).toByteArray()).object();
        QCOMPARE(cmd.value("kind"_L1).toString(), u"command"_s);
        QCOMPARE(cmd.value("sessionId"_L1).toString(), id);
        QCOMPARE(cmd.value("payload"_L1).toObject().value("type"_L1).toString(), u"resume"_s);
    }
};

QTEST_GUILESS_MAIN(TestRedisCluster)
#include "tst_redis_cluster.moc"

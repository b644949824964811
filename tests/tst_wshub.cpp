// SPDX-License-Identifier: MIT
// The WebSocket side of API.md over the real wire: an in-process Afw::Daemon on port
// 0, real QWebSocket clients, and hand-made raw clients where QWebSocket is too
// polite (a reader that stalls, a peer that never answers pings).
// Backend: memory by default; AFW_TEST_BACKEND=redis runs the same tests against one
// real redis-server (every daemon with its own key prefix), where events and commands
// reach the hub through pub/sub, i.e. after the HTTP answer: see sync().
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include <map>
#include <memory>

#include "daemon.h"
#include "event.h"
#include "http.h"
#include "ids.h"
#include "redisserver.h"
#include "wssocket.h"
#include "storage/storage.h"
#include "timeutil.h"
#include "ws/wshub.h"

using namespace Qt::StringLiterals;
using Afw::Test::http;

namespace {

constexpr int kWaitMs = 5000;

QJsonObject parse(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

bool isServerType(const QString &type)
{
    static const QStringList types{u"subscription_confirmed"_s, u"command"_s, u"command_ack"_s, u"error"_s,
                                   u"pong"_s};
    return types.contains(type);
}

// A client that keeps every text frame it receives (parsed once, on arrival), on the
// console's own WebSocket client (WsSocket). In events framing (`bare`) an event frame
// is the event itself: counted as "event" too.
class WsClient : public QObject
{
public:
    WsClient()
    {
        connect(&socket, &Afw::Test::WsSocket::textMessageReceived, this, [this](const QString &text) {
            frames.append(text);
            objects.append(parse(text));
            const QString type = objects.last().value("type"_L1).toString();
            ++m_counts[type];
            if (bare && !isServerType(type))
                ++m_counts[u"event"_s];
        });
    }

    bool isEvent(const QJsonObject &o) const
    {
        const QString type = o.value("type"_L1).toString();
        return bare ? !isServerType(type) : type == "event"_L1;
    }
    // The event a frame carries: the payload of an envelope, a bare event itself.
    QJsonObject eventOf(const QJsonObject &o) const { return bare ? o : o.value("payload"_L1).toObject(); }
    QList<QJsonObject> events() const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &o : objects) {
            if (isEvent(o))
                out.append(eventOf(o));
        }
        return out;
    }

    QList<QJsonObject> ofType(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &o : objects) {
            if (o.value("type"_L1).toString() == type)
                out.append(o);
        }
        return out;
    }
    qsizetype count(const QString &type) const { return m_counts.value(type); }

    // seq of each event frame for one session, in arrival order
    QList<qint64> seqs(const QString &sessionId) const
    {
        QList<qint64> out;
        for (const QJsonObject &o : objects) {
            if (isEvent(o) && o.value("sessionId"_L1).toString() == sessionId)
                out.append(eventOf(o).value("seq"_L1).toInteger());
        }
        return out;
    }

    void send(const QJsonObject &o) { socket.sendTextMessage(compact(o)); }

    // ping -> pong: everything the server sent before the pong has arrived.
    bool roundTrip()
    {
        // The server may count the client before the client has read the 101 answer.
        if (!QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs))
            return false;
        const qsizetype before = count(u"pong"_s);
        send({{"type"_L1, "ping"_L1}});
        return QTest::qWaitFor([&] { return count(u"pong"_s) == before + 1; }, kWaitMs);
    }

    bool subscribe(const QString &sessionId, std::optional<qint64> afterSeq = std::nullopt)
    {
        QJsonObject msg{{"type"_L1, "subscribe"_L1}, {"sessionId"_L1, sessionId}};
        if (afterSeq)
            msg.insert("afterSeq"_L1, *afterSeq);
        const qsizetype from = objects.size();
        const auto confirmedFor = [this, sessionId, from] {
            for (qsizetype i = from; i < objects.size(); ++i) {
                if (objects[i].value("type"_L1).toString() == "subscription_confirmed"_L1
                    && objects[i].value("sessionId"_L1).toString() == sessionId)
                    return true;
            }
            return false;
        };
        send(msg);
        return QTest::qWaitFor(confirmedFor, kWaitMs);
    }

    Afw::Test::WsSocket socket;
    QStringList frames;
    QList<QJsonObject> objects;
    bool bare = false; // connected in events framing

private:
    QHash<QString, qsizetype> m_counts;
};

// How a test client asks for its framing (API.md v1.1).
enum class Framing { EnvelopeQuery, EnvelopeSubprotocol, Events };

Framing framingNamed(const QString &name)
{
    if (name == "subprotocol"_L1)
        return Framing::EnvelopeSubprotocol;
    return name == "events"_L1 ? Framing::Events : Framing::EnvelopeQuery;
}

// A client that speaks WebSocket by hand over a QTcpSocket, so a test can make it
// stall (stop reading) or ignore server pings, which QWebSocket never does.
class RawWsClient : public QObject
{
public:
    RawWsClient()
    {
        connect(&socket, &QTcpSocket::readyRead, this, [this] {
            if (reading)
                onReadyRead();
        });
    }

    // GET /ws with Upgrade headers; true once the 101 response has arrived.
    bool handshake(quint16 port)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs))
            return false;
        socket.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
                     + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        if (!QTest::qWaitFor([this] { return headerDone; }, kWaitMs))
            return false;
        return status.startsWith("HTTP/1.1 101");
    }

    // Stop reading: Qt stops pulling from the kernel once its 1-byte buffer is full,
    // so the server's send queue backs up like a stuck browser tab's.
    void stall()
    {
        reading = false;
        socket.setReadBufferSize(1);
    }

    // Read (and parse) again everything the server sends.
    void resume()
    {
        reading = true;
        socket.setReadBufferSize(0);
        onReadyRead();
    }

    QTcpSocket socket;
    bool reading = true;
    bool answerPings = true;
    bool headerDone = false;
    QByteArray status;
    int pings = 0;
    int textFrames = 0;
    int closeCode = -1;

private:
    void onReadyRead()
    {
        m_buffer += socket.readAll();
        if (!headerDone) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            status = m_buffer.left(m_buffer.indexOf("\r\n"));
            m_buffer.remove(0, end + 4);
            headerDone = true;
        }
        parseFrames();
    }

    void parseFrames()
    {
        for (;;) {
            if (m_buffer.size() < 2)
                return;
            const auto b = reinterpret_cast<const uchar *>(m_buffer.constData());
            const int opcode = b[0] & 0x0f;
            quint64 len = b[1] & 0x7f;
            qsizetype header = 2;
            if (len == 126) {
                if (m_buffer.size() < 4)
                    return;
                len = (quint64(b[2]) << 8) | b[3];
                header = 4;
            } else if (len == 127) {
                if (m_buffer.size() < 10)
                    return;
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | b[2 + i];
                header = 10;
            }
            if (quint64(m_buffer.size()) < header + len)
                return;
            const QByteArray payload = m_buffer.mid(header, qsizetype(len));
            m_buffer.remove(0, header + qsizetype(len));
            if (opcode == 0x1) {
                ++textFrames;
            } else if (opcode == 0x8) {
                closeCode = payload.size() >= 2 ? (uchar(payload[0]) << 8) | uchar(payload[1]) : 1005;
            } else if (opcode == 0x9) {
                ++pings;
                if (answerPings)
                    sendFrame(0xA, payload);
            }
        }
    }

    void sendFrame(int opcode, const QByteArray &payload)
    {
        // Client frames are masked (RFC 6455 5.3); short payloads only.
        QByteArray f;
        f += char(0x80 | opcode);
        f += char(0x80 | payload.size());
        const char mask[4] = {0x11, 0x22, 0x33, 0x44};
        f.append(mask, 4);
        for (qsizetype i = 0; i < payload.size(); ++i)
            f += char(payload[i] ^ mask[i % 4]);
        socket.write(f);
    }

    QByteArray m_buffer;
};

} // namespace

class tst_WsHub : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void helloOnConnect();
    void subscribeConfirms();
    // Delivery rules are the same in every framing: these run once per framing.
    void severalSubscriptions_data() { framings(); }
    void severalSubscriptions();
    void wildcardSubscription_data() { framings(); }
    void wildcardSubscription();
    void firehoseUntilSubscribed_data() { framings(); }
    void firehoseUntilSubscribed();
    void unsubscribeStopsDelivery_data() { framings(); }
    void unsubscribeStopsDelivery();
    void perSessionSeqOrder_data() { framings(); }
    void perSessionSeqOrder();
    void afterSeqReplay_data() { framings(); }
    void afterSeqReplay();
    void afterSeqBeyondStoredSkipsReplayed_data() { framings(); }
    void afterSeqBeyondStoredSkipsReplayed();
    void sessionAndWildcardDeliverOnce_data() { framings(); }
    void sessionAndWildcardDeliverOnce();
    void fanOutToMixedWatchers_data() { framings(); }
    void fanOutToMixedWatchers();
    void inputQueues_data() { framings(); }
    void inputQueues();
    void inputUnknownSessionIsError();
    // v1.1 framings
    void eventsFramingPlainClient();
    void eventsFramingEveryFrameNamesSessionAndTime();
    void eventsFramingExplicitQuery();
    void unknownFramingRefused();
    void envelopeViaSubprotocolAndQueryIsTodaysProtocol();
    void pingPong();
    void badMessagesKeepConnection_data();
    void badMessagesKeepConnection();
    void binaryFrameIsError();
    void oversizedFrameClosesOnlyThatClient();
    void commandsAndAcks();
    void broadcastIsByteIdentical();
    void burstOverBacklogBoundKeepsHealthyClient();
    void slowClientIsDropped();
    void authRefusedWithoutKey();
    void authWithQueryKey();
    void authWithHeaderKey();
    void serverPingsDropSilentPeers();
    void shutdownClosesClientsWith1001();

private:
    std::unique_ptr<Afw::Daemon> start(Afw::Config config = {});
    QUrl wsUrl(const Afw::Daemon &d, const QString &query = {}) const;
    QUrl apiUrl(const Afw::Daemon &d, const QString &path) const;
    // Envelope framing by ?framing=envelope unless told otherwise; waits for the hello
    // (envelope) or for connected and a ping answered (events, which sends no hello).
    bool connectClient(WsClient &c, const Afw::Daemon &d, const QString &query = {},
                       Framing framing = Framing::EnvelopeQuery);
    // The framing of the current data row ("framing" column).
    static Framing rowFraming() { return framingNamed(QString::fromLatin1(QTest::currentDataTag())); }
    static void framings()
    {
        QTest::addColumn<QString>("framing"); // read through the row's tag, rowFraming()
        for (const char *name : {"query", "subprotocol", "events"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }
    qint64 postEvent(const Afw::Daemon &d, const QString &sessionId, const QString &type = u"step:started"_s);
    bool createSession(const Afw::Daemon &d, const QString &id);
    void addEvent(Afw::Daemon &d, const QString &sessionId, qsizetype padding = 0);
    // n more events/commands/acks were stored through d and will be broadcast.
    void expect(const Afw::Daemon &d, int n = 1) { m_flow[&d].expected += n; }
    // Everything expect()ed has reached the hub (with Redis: come back through
    // pub/sub), then a ping round trip: every frame it caused is at the client.
    bool sync(const Afw::Daemon &d, WsClient &c);

    QNetworkAccessManager m_nam;
    const bool m_useRedis = qgetenv("AFW_TEST_BACKEND") == "redis";
    std::unique_ptr<Afw::Test::RedisServer> m_redis;
    int m_prefixCounter = 0;
    struct Flow
    {
        int expected = 0; // stored (as far as the test knows)
        int seen = 0;     // signalled by the storage to the hub
    };
    std::map<const Afw::Daemon *, Flow> m_flow;
};

void tst_WsHub::initTestCase()
{
    const QByteArray backend = qgetenv("AFW_TEST_BACKEND");
    QVERIFY2(backend.isEmpty() || backend == "memory" || backend == "redis",
             qPrintable(u"AFW_TEST_BACKEND must be memory or redis, not "_s + QString::fromLocal8Bit(backend)));
    if (m_useRedis) {
        AFW_REQUIRE_REDIS_SERVER();
        m_redis = std::make_unique<Afw::Test::RedisServer>();
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
    }
    qInfo() << "storage backend:" << (m_useRedis ? "redis" : "memory");
}

void tst_WsHub::cleanupTestCase()
{
    m_redis.reset();
}

bool tst_WsHub::sync(const Afw::Daemon &d, WsClient &c)
{
    const Flow &f = m_flow[&d];
    if (!QTest::qWaitFor([&f] { return f.seen >= f.expected; }, kWaitMs)) {
        qWarning() << "hub saw" << f.seen << "of" << f.expected << "events/commands";
        return false;
    }
    return c.roundTrip();
}

std::unique_ptr<Afw::Daemon> tst_WsHub::start(Afw::Config config)
{
    config.host = u"127.0.0.1"_s;
    config.port = 0;
    if (m_useRedis) {
        config.redisUrl = m_redis->url();
        config.redisPrefix = u"t%1:"_s.arg(++m_prefixCounter);
    }
    auto d = std::make_unique<Afw::Daemon>(config);
    QString error;
    if (!d->start(&error)) {
        qWarning() << "daemon did not start:" << error;
        return nullptr;
    }
    // The Redis backend connects asynchronously.
    if (!QTest::qWaitFor([&d] { return d->storage()->isAvailable(); }, kWaitMs)) {
        qWarning() << "storage not available within" << kWaitMs << "ms";
        return nullptr;
    }
    // Connected after the hub's own connections, so these run after its slots.
    const Afw::Daemon *key = d.get();
    m_flow[key] = {};
    const auto seen = [this, key] { ++m_flow[key].seen; };
    connect(d->storage(), &Afw::Storage::eventAdded, d.get(), seen);
    connect(d->storage(), &Afw::Storage::commandQueued, d.get(), seen);
    connect(d->storage(), &Afw::Storage::commandAcked, d.get(), seen);
    return d;
}

QUrl tst_WsHub::wsUrl(const Afw::Daemon &d, const QString &query) const
{
    QUrl url(u"ws://127.0.0.1/ws"_s);
    url.setPort(d.port());
    if (!query.isEmpty())
        url.setQuery(query);
    return url;
}

QUrl tst_WsHub::apiUrl(const Afw::Daemon &d, const QString &path) const
{
    QUrl url(u"http://127.0.0.1"_s + path);
    url.setPort(d.port());
    return url;
}

bool tst_WsHub::connectClient(WsClient &c, const Afw::Daemon &d, const QString &query, Framing framing)
{
    QString q = query;
    if (framing == Framing::EnvelopeQuery)
        q = q.isEmpty() ? u"framing=envelope"_s : q + u"&framing=envelope"_s;
    c.bare = framing == Framing::Events;
    if (framing == Framing::EnvelopeSubprotocol) {
        QWebSocketHandshakeOptions options;
        options.setSubprotocols({u"afw.v1"_s});
        c.socket.open(wsUrl(d, q), options);
    } else {
        c.socket.open(wsUrl(d, q));
    }
    if (framing == Framing::Events) {
        return QTest::qWaitFor([&c] { return c.socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs)
               && c.roundTrip();
    }
    return QTest::qWaitFor([&c] { return c.count(u"subscription_confirmed"_s) >= 1; }, kWaitMs);
}

qint64 tst_WsHub::postEvent(const Afw::Daemon &d, const QString &sessionId, const QString &type)
{
    const QJsonObject ev{{"sessionId"_L1, sessionId},
                         {"type"_L1, type},
                         {"timestamp"_L1, "2026-11-25T21:04:17.123Z"_L1}};
    const auto r = http(m_nam, "POST", apiUrl(d, u"/api/events"_s), QJsonDocument(ev).toJson());
    if (r.status != 201) {
        qWarning() << "POST /api/events:" << r.status << r.body << r.networkError;
        return -1;
    }
    expect(d);
    return r.json().value("seq"_L1).toInteger();
}

bool tst_WsHub::createSession(const Afw::Daemon &d, const QString &id)
{
    const QJsonObject body{{"cwd"_L1, "/tmp"_L1}, {"id"_L1, id}};
    const auto r = http(m_nam, "POST", apiUrl(d, u"/api/sessions"_s), QJsonDocument(body).toJson());
    return r.status == 201 || r.status == 200;
}

void tst_WsHub::addEvent(Afw::Daemon &d, const QString &sessionId, qsizetype padding)
{
    QJsonObject o{{"sessionId"_L1, sessionId},
                  {"type"_L1, "execution:log-created"_L1},
                  {"timestamp"_L1, "2026-11-25T21:04:17.123Z"_L1}};
    if (padding > 0)
        o.insert("pad"_L1, QString(padding, u'x'));
    auto in = Afw::validateEvent(o, QJsonDocument(o).toJson(QJsonDocument::Compact));
    Q_ASSERT(in);
    d.storage()->addEvent(*in);
    expect(d);
}

// ---------------------------------------------------------------------------

void tst_WsHub::helloOnConnect()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    const QJsonObject hello = parse(c.frames.first());
    QCOMPARE(hello.value("type"_L1).toString(), u"subscription_confirmed"_s);
    QVERIFY(!hello.contains("sessionId"_L1));
    const QString clientId = hello.value("payload"_L1).toObject().value("clientId"_L1).toString();
    QVERIFY(!clientId.isEmpty());
    QTRY_COMPARE(d->ws()->clientCount(), 1);

    WsClient other;
    QVERIFY(connectClient(other, *d));
    const QString otherId =
        parse(other.frames.first()).value("payload"_L1).toObject().value("clientId"_L1).toString();
    QVERIFY(!otherId.isEmpty());
    QVERIFY(otherId != clientId);
    QTRY_COMPARE(d->ws()->clientCount(), 2);

    c.socket.close();
    QTRY_COMPARE(d->ws()->clientCount(), 1);
}

void tst_WsHub::subscribeConfirms()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    const QString clientId = c.ofType(u"subscription_confirmed"_s).first().value("payload"_L1).toObject().value("clientId"_L1).toString();
    QVERIFY(c.subscribe(u"sess-a"_s));
    const QJsonObject conf = c.ofType(u"subscription_confirmed"_s).last();
    QCOMPARE(conf.value("sessionId"_L1).toString(), u"sess-a"_s);
    QCOMPARE(conf.value("payload"_L1).toObject().value("clientId"_L1).toString(), clientId);
}

void tst_WsHub::severalSubscriptions()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QVERIFY(c.subscribe(u"sess-a"_s));
    QVERIFY(c.subscribe(u"sess-b"_s));
    QCOMPARE(postEvent(*d, u"sess-a"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-c"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-b"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-a"_s), 2);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-a"_s), (QList<qint64>{1, 2}));
    QCOMPARE(c.seqs(u"sess-b"_s), (QList<qint64>{1}));
    QVERIFY(c.seqs(u"sess-c"_s).isEmpty());
    QCOMPARE(c.count(u"event"_s), 3);
}

void tst_WsHub::wildcardSubscription()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QVERIFY(c.subscribe(u"*"_s));
    QCOMPARE(c.ofType(u"subscription_confirmed"_s).last().value("sessionId"_L1).toString(), u"*"_s);
    QCOMPARE(postEvent(*d, u"sess-a"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-b"_s), 1);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-a"_s), (QList<qint64>{1}));
    QCOMPARE(c.seqs(u"sess-b"_s), (QList<qint64>{1}));
    const QJsonObject ev = c.events().first();
    QCOMPARE(ev.value("type"_L1).toString(), u"step:started"_s);
    QCOMPARE(ev.value("sessionId"_L1).toString(), u"sess-a"_s);
    QVERIFY(!ev.value("eventId"_L1).toString().isEmpty());
}

void tst_WsHub::firehoseUntilSubscribed()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QCOMPARE(postEvent(*d, u"sess-a"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-b"_s), 1);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-a"_s), (QList<qint64>{1}));
    QCOMPARE(c.seqs(u"sess-b"_s), (QList<qint64>{1}));

    QVERIFY(c.subscribe(u"sess-a"_s));
    QCOMPARE(postEvent(*d, u"sess-a"_s), 2);
    QCOMPARE(postEvent(*d, u"sess-b"_s), 2);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-a"_s), (QList<qint64>{1, 2}));
    QCOMPARE(c.seqs(u"sess-b"_s), (QList<qint64>{1}));
}

void tst_WsHub::unsubscribeStopsDelivery()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QVERIFY(c.subscribe(u"sess-a"_s));
    QVERIFY(c.subscribe(u"sess-b"_s));
    QCOMPARE(postEvent(*d, u"sess-a"_s), 1);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-a"_s), (QList<qint64>{1}));

    c.send({{"type"_L1, "unsubscribe"_L1}, {"sessionId"_L1, "sess-a"_L1}});
    QVERIFY(sync(*d, c)); // the unsubscribe has been handled
    QCOMPARE(postEvent(*d, u"sess-a"_s), 2);
    QCOMPARE(postEvent(*d, u"sess-b"_s), 1);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-a"_s), (QList<qint64>{1}));
    QCOMPARE(c.seqs(u"sess-b"_s), (QList<qint64>{1}));
    QVERIFY(c.ofType(u"error"_s).isEmpty());

    // Dropping the last subscription does not turn the client back into a firehose.
    c.send({{"type"_L1, "unsubscribe"_L1}, {"sessionId"_L1, "sess-b"_L1}});
    QVERIFY(sync(*d, c));
    QCOMPARE(postEvent(*d, u"sess-a"_s), 3);
    QCOMPARE(postEvent(*d, u"sess-b"_s), 2);
    QCOMPARE(postEvent(*d, u"sess-c"_s), 1);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.count(u"event"_s), 2);
}

void tst_WsHub::perSessionSeqOrder()
{
    auto d = start();
    QVERIFY(d);
    WsClient firehose, subscribed;
    QVERIFY(connectClient(firehose, *d, {}, rowFraming()));
    QVERIFY(connectClient(subscribed, *d, {}, rowFraming()));
    QVERIFY(subscribed.subscribe(u"sess-a"_s));
    QVERIFY(subscribed.subscribe(u"sess-b"_s));
    constexpr int kPerSession = 300;
    QList<qint64> expected;
    for (int i = 1; i <= kPerSession; ++i) {
        addEvent(*d, u"sess-a"_s);
        addEvent(*d, u"sess-b"_s);
        expected.append(i);
        if (i % 50 == 0) // let the clients read between bursts
            QVERIFY(QTest::qWaitFor([&] { return firehose.count(u"event"_s) == 2 * i; }, kWaitMs));
    }
    QVERIFY(sync(*d, firehose));
    QVERIFY(sync(*d, subscribed));
    QCOMPARE(firehose.seqs(u"sess-a"_s), expected);
    QCOMPARE(firehose.seqs(u"sess-b"_s), expected);
    QCOMPARE(subscribed.seqs(u"sess-a"_s), expected);
    QCOMPARE(subscribed.seqs(u"sess-b"_s), expected);
}

void tst_WsHub::fanOutToMixedWatchers()
{
    // Every kind of watcher at once (one session, the other, both, "*", a session and
    // "*", the firehose), events in bursts (one storage turn each) and one by one, a
    // watcher leaving half-way: each gets exactly its sessions' events, once, in order.
    auto d = start();
    QVERIFY(d);
    const QString a = u"fan-a"_s, b = u"fan-b"_s;
    struct Watcher
    {
        WsClient client;
        QStringList subs;
        bool wantsA = false, wantsB = false;
    };
    std::vector<std::unique_ptr<Watcher>> ws;
    const QList<std::tuple<QStringList, bool, bool>> kinds{
        {{a}, true, false}, {{b}, false, true}, {{a, b}, true, true},
        {{u"*"_s}, true, true}, {{a, u"*"_s}, true, true}, {{}, true, true}};
    for (int copy = 0; copy < 2; ++copy) {
        for (const auto &[subs, wantsA, wantsB] : kinds) {
            ws.push_back(std::make_unique<Watcher>());
            Watcher &w = *ws.back();
            w.subs = subs;
            w.wantsA = wantsA;
            w.wantsB = wantsB;
            QVERIFY(connectClient(w.client, *d, {}, rowFraming()));
            for (const QString &sid : subs)
                QVERIFY(w.client.subscribe(sid));
        }
    }
    auto leaving = std::make_unique<WsClient>();
    QVERIFY(connectClient(*leaving, *d, {}, rowFraming()));
    QVERIFY(leaving->subscribe(a));

    constexpr int kRounds = 60;
    QList<qint64> expected;
    for (int i = 1; i <= kRounds; ++i) {
        if (i % 3 == 0) { // a burst: several events of both sessions in one turn
            addEvent(*d, a);
            addEvent(*d, b);
            addEvent(*d, a);
            addEvent(*d, b);
            const qint64 next = expected.size() + 1;
            expected << next << next + 1;
        } else {
            addEvent(*d, a);
            addEvent(*d, b);
            expected << expected.size() + 1;
        }
        if (i == kRounds / 2)
            leaving.reset(); // gone in the middle of the stream
    }
    for (const auto &w : ws) {
        QVERIFY(sync(*d, w->client));
        QCOMPARE(w->client.seqs(a), w->wantsA ? expected : QList<qint64>{});
        QCOMPARE(w->client.seqs(b), w->wantsB ? expected : QList<qint64>{});
    }
    QTRY_COMPARE(d->ws()->clientCount(), int(ws.size()));
}

void tst_WsHub::afterSeqReplay()
{
    auto d = start();
    QVERIFY(d);
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(postEvent(*d, u"sess-r"_s), i);
    QCOMPARE(postEvent(*d, u"sess-other"_s), 1);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QVERIFY(c.subscribe(u"sess-r"_s, 2));
    QTRY_COMPARE(c.seqs(u"sess-r"_s), (QList<qint64>{3, 4, 5}));
    // The confirmation precedes the replay.
    qsizetype confIndex = c.objects.size() - 1;
    while (confIndex >= 0 && c.objects[confIndex].value("type"_L1).toString() != "subscription_confirmed"_L1)
        --confIndex;
    QVERIFY(confIndex >= (c.bare ? 0 : 1));
    QCOMPARE(c.eventOf(c.objects.at(confIndex + 1)).value("seq"_L1).toInteger(), 3);
    QCOMPARE(postEvent(*d, u"sess-r"_s), 6);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-r"_s), (QList<qint64>{3, 4, 5, 6}));
    QVERIFY(c.seqs(u"sess-other"_s).isEmpty());

    // afterSeq 0 replays everything; a second client alongside sees live only.
    WsClient all, live;
    QVERIFY(connectClient(all, *d, {}, rowFraming()));
    QVERIFY(connectClient(live, *d, {}, rowFraming()));
    QVERIFY(all.subscribe(u"sess-r"_s, 0));
    QVERIFY(live.subscribe(u"sess-r"_s));
    QCOMPARE(postEvent(*d, u"sess-r"_s), 7);
    QVERIFY(sync(*d, all));
    QVERIFY(sync(*d, live));
    QCOMPARE(all.seqs(u"sess-r"_s), (QList<qint64>{1, 2, 3, 4, 5, 6, 7}));
    QCOMPARE(live.seqs(u"sess-r"_s), (QList<qint64>{7}));
}

void tst_WsHub::afterSeqBeyondStoredSkipsReplayed()
{
    // Re-subscribing with the last seq seen (a reconnecting dashboard) neither
    // repeats nor loses anything.
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QVERIFY(c.subscribe(u"sess-r"_s, 0));
    for (int i = 1; i <= 3; ++i)
        QCOMPARE(postEvent(*d, u"sess-r"_s), i);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-r"_s), (QList<qint64>{1, 2, 3}));
    QVERIFY(c.subscribe(u"sess-r"_s, 3));
    QCOMPARE(postEvent(*d, u"sess-r"_s), 4);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-r"_s), (QList<qint64>{1, 2, 3, 4}));
}

void tst_WsHub::sessionAndWildcardDeliverOnce()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    QVERIFY(c.subscribe(u"sess-x"_s));
    QVERIFY(c.subscribe(u"*"_s));
    QCOMPARE(postEvent(*d, u"sess-x"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-y"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-x"_s), 2);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-x"_s), (QList<qint64>{1, 2}));
    QCOMPARE(c.seqs(u"sess-y"_s), (QList<qint64>{1}));

    // A command for X also arrives once.
    QVERIFY(createSession(*d, u"sess-x"_s));
    const auto r = http(m_nam, "POST", apiUrl(*d, u"/api/sessions/sess-x/commands"_s), R"({"type":"pause"})");
    QCOMPARE(r.status, 201);
    expect(*d);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.count(u"command"_s), 1);
}

void tst_WsHub::inputQueues()
{
    auto d = start();
    QVERIFY(d);
    QVERIFY(createSession(*d, u"sess-in"_s));
    WsClient c;
    QVERIFY(connectClient(c, *d, {}, rowFraming()));
    c.send({{"type"_L1, "input"_L1}, {"sessionId"_L1, "sess-in"_L1}, {"payload"_L1, "yes, go on"_L1}});
    c.send({{"type"_L1, "input"_L1},
            {"sessionId"_L1, "sess-in"_L1},
            {"payload"_L1, QJsonObject{{"input"_L1, "second"_L1}, {"prompt"_L1, "Continue?"_L1}}}});
    QVERIFY(sync(*d, c)); // both handled
    QVERIFY(c.ofType(u"error"_s).isEmpty());

    const auto r = http(m_nam, "GET", apiUrl(*d, u"/api/sessions/sess-in/input"_s));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value("count"_L1).toInt(), 2);
    const QJsonArray inputs = r.json().value("inputs"_L1).toArray();
    QCOMPARE(inputs.at(0).toObject().value("input"_L1).toString(), u"yes, go on"_s);
    QCOMPARE(inputs.at(1).toObject().value("input"_L1).toString(), u"second"_s);
    QCOMPARE(inputs.at(1).toObject().value("prompt"_L1).toString(), u"Continue?"_s);
    QVERIFY(!inputs.at(0).toObject().value("timestamp"_L1).toString().isEmpty());

    const auto drained = http(m_nam, "GET", apiUrl(*d, u"/api/sessions/sess-in/input"_s));
    QCOMPARE(drained.json().value("count"_L1).toInt(), 0);
}

void tst_WsHub::inputUnknownSessionIsError()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    c.send({{"type"_L1, "input"_L1}, {"sessionId"_L1, "no-such-session"_L1}, {"payload"_L1, "hi"_L1}});
    QTRY_COMPARE(c.count(u"error"_s), 1);
    QVERIFY(c.ofType(u"error"_s).first().value("payload"_L1).toString().contains("no-such-session"_L1));
    // "*" is a subscription wildcard, not a session for input.
    c.send({{"type"_L1, "input"_L1}, {"sessionId"_L1, "*"_L1}, {"payload"_L1, "hi"_L1}});
    QTRY_COMPARE(c.count(u"error"_s), 2);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_WsHub::pingPong()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    const QString clientId = parse(c.frames.first()).value("payload"_L1).toObject().value("clientId"_L1).toString();
    QVERIFY(c.roundTrip());
    QVERIFY(c.roundTrip());
    const QList<QJsonObject> pongs = c.ofType(u"pong"_s);
    QCOMPARE(pongs.size(), 2);
    QCOMPARE(pongs.first().value("clientId"_L1).toString(), clientId);
}

void tst_WsHub::badMessagesKeepConnection_data()
{
    QTest::addColumn<QString>("message");
    const QString longId(129, u'a');
    QTest::newRow("not JSON") << u"hello there"_s;
    QTest::newRow("truncated JSON") << u"{\"type\":\"subscribe\""_s;
    QTest::newRow("JSON array") << u"[{\"type\":\"ping\"}]"_s;
    QTest::newRow("JSON string") << u"\"ping\""_s;
    QTest::newRow("unknown type") << u"{\"type\":\"launch\"}"_s;
    QTest::newRow("no type") << u"{\"sessionId\":\"a\"}"_s;
    QTest::newRow("sessionId with space") << u"{\"type\":\"subscribe\",\"sessionId\":\"a b\"}"_s;
    QTest::newRow("sessionId 129 chars")
        << QString(u"{\"type\":\"subscribe\",\"sessionId\":\""_s + longId + u"\"}"_s);
    QTest::newRow("sessionId missing") << u"{\"type\":\"subscribe\"}"_s;
    QTest::newRow("sessionId number") << u"{\"type\":\"subscribe\",\"sessionId\":42}"_s;
    QTest::newRow("sessionId redis glob") << u"{\"type\":\"subscribe\",\"sessionId\":\"a*\"}"_s;
    QTest::newRow("unsubscribe bad id") << u"{\"type\":\"unsubscribe\",\"sessionId\":\"a/b\"}"_s;
    QTest::newRow("input bad id") << u"{\"type\":\"input\",\"sessionId\":\"\",\"payload\":\"x\"}"_s;
    QTest::newRow("input no payload") << u"{\"type\":\"input\",\"sessionId\":\"s\"}"_s;
    QTest::newRow("afterSeq -1") << u"{\"type\":\"subscribe\",\"sessionId\":\"a\",\"afterSeq\":-1}"_s;
    QTest::newRow("afterSeq string") << u"{\"type\":\"subscribe\",\"sessionId\":\"a\",\"afterSeq\":\"x\"}"_s;
    QTest::newRow("afterSeq fraction") << u"{\"type\":\"subscribe\",\"sessionId\":\"a\",\"afterSeq\":1.5}"_s;
    QTest::newRow("afterSeq null") << u"{\"type\":\"subscribe\",\"sessionId\":\"a\",\"afterSeq\":null}"_s;
}

void tst_WsHub::badMessagesKeepConnection()
{
    QFETCH(QString, message);
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    c.socket.sendTextMessage(message);
    QVERIFY(sync(*d, c));
    const QList<QJsonObject> errors = c.ofType(u"error"_s);
    QCOMPARE(errors.size(), 1);
    QVERIFY(errors.first().value("payload"_L1).isString());
    QVERIFY(!errors.first().value("payload"_L1).toString().isEmpty());
    // the error came before the pong, and nothing was subscribed
    QCOMPARE(c.count(u"subscription_confirmed"_s), 1);
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
    QVERIFY(sync(*d, c));
    QCOMPARE(d->ws()->clientCount(), 1);
}

void tst_WsHub::binaryFrameIsError()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    c.socket.sendBinaryMessage(QByteArrayLiteral(R"({"type":"ping"})"));
    QTRY_COMPARE(c.count(u"error"_s), 1);
    QCOMPARE(c.count(u"pong"_s), 0);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_WsHub::oversizedFrameClosesOnlyThatClient()
{
    Afw::Config config;
    config.wsMaxMessageBytes = 4096;
    auto d = start(config);
    QVERIFY(d);
    WsClient big, bystander;
    QVERIFY(connectClient(big, *d));
    QVERIFY(connectClient(bystander, *d));
    QTRY_COMPARE(d->ws()->clientCount(), 2);

    // Under the limit is fine.
    big.socket.sendTextMessage(u"{\"type\":\"ping\",\"pad\":\""_s + QString(3000, u'x') + u"\"}"_s);
    QTRY_COMPARE(big.count(u"pong"_s), 1);

    QSignalSpy disconnected(&big.socket, &Afw::Test::WsSocket::disconnected);
    big.socket.sendTextMessage(u"{\"type\":\"ping\",\"pad\":\""_s + QString(8192, u'x') + u"\"}"_s);
    QVERIFY(disconnected.wait(kWaitMs));
    QCOMPARE(big.socket.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);
    QCOMPARE(big.count(u"pong"_s), 1);
    QTRY_COMPARE(d->ws()->clientCount(), 1);

    // The bound is on the message, not only the frame: 8 KiB in 1 KiB fragments.
    WsClient fragmented;
    QVERIFY(connectClient(fragmented, *d));
    fragmented.socket.setOutgoingFrameSize(1024);
    QSignalSpy fragmentedGone(&fragmented.socket, &Afw::Test::WsSocket::disconnected);
    fragmented.socket.sendTextMessage(u"{\"type\":\"ping\",\"pad\":\""_s + QString(8192, u'x') + u"\"}"_s);
    QVERIFY(fragmentedGone.wait(kWaitMs));
    QCOMPARE(fragmented.socket.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);
    QCOMPARE(fragmented.count(u"pong"_s), 0);
    QTRY_COMPARE(d->ws()->clientCount(), 1);

    QCOMPARE(bystander.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(postEvent(*d, u"sess-a"_s), 1);
    QVERIFY(sync(*d, bystander));
    QCOMPARE(bystander.seqs(u"sess-a"_s), (QList<qint64>{1}));
}

void tst_WsHub::commandsAndAcks()
{
    auto d = start();
    QVERIFY(d);
    QVERIFY(createSession(*d, u"sess-c"_s));
    QVERIFY(createSession(*d, u"sess-other"_s));
    WsClient c, other;
    QVERIFY(connectClient(c, *d));
    QVERIFY(connectClient(other, *d));
    QVERIFY(c.subscribe(u"sess-c"_s));
    QVERIFY(other.subscribe(u"sess-other"_s));

    const auto r = http(m_nam, "POST", apiUrl(*d, u"/api/commands/sess-c/commands"_s),
                        R"({"type":"pause","payload":{"reason":"test"}})");
    QCOMPARE(r.status, 201);
    expect(*d);
    const QString commandId = r.json().value("commandId"_L1).toString();
    QVERIFY(!commandId.isEmpty());
    QTRY_COMPARE(c.count(u"command"_s), 1);
    const QJsonObject cmd = c.ofType(u"command"_s).first();
    QCOMPARE(cmd.value("sessionId"_L1).toString(), u"sess-c"_s);
    const QJsonObject payload = cmd.value("payload"_L1).toObject();
    QCOMPARE(payload.value("id"_L1).toString(), commandId);
    QCOMPARE(payload.value("type"_L1).toString(), u"pause"_s);
    QCOMPARE(payload.value("payload"_L1).toObject().value("reason"_L1).toString(), u"test"_s);
    QCOMPARE(payload, r.json().value("command"_L1).toObject());

    // the alias route too
    const auto r2 = http(m_nam, "POST", apiUrl(*d, u"/api/sessions/sess-c/commands"_s), R"({"type":"resume"})");
    QCOMPARE(r2.status, 201);
    expect(*d);
    QTRY_COMPARE(c.count(u"command"_s), 2);

    const auto ack = http(m_nam, "POST", apiUrl(*d, u"/api/commands/"_s + commandId + u"/ack"_s),
                          R"({"result":"paused"})");
    QCOMPARE(ack.status, 200);
    expect(*d);
    QTRY_COMPARE(c.count(u"command_ack"_s), 1);
    const QJsonObject ackFrame = c.ofType(u"command_ack"_s).first();
    QCOMPARE(ackFrame.value("sessionId"_L1).toString(), u"sess-c"_s);
    QCOMPARE(ackFrame.value("payload"_L1).toObject().value("commandId"_L1).toString(), commandId);
    QCOMPARE(ackFrame.value("payload"_L1).toObject().value("result"_L1).toString(), u"paused"_s);

    QVERIFY(sync(*d, other));
    QCOMPARE(other.count(u"command"_s), 0);
    QCOMPARE(other.count(u"command_ack"_s), 0);
}

void tst_WsHub::broadcastIsByteIdentical()
{
    auto d = start();
    QVERIFY(d);
    WsClient a, b, s;
    QVERIFY(connectClient(a, *d));
    QVERIFY(connectClient(b, *d));
    QVERIFY(connectClient(s, *d));
    QVERIFY(s.subscribe(u"sess-a"_s));
    QCOMPARE(postEvent(*d, u"sess-a"_s), 1);
    QVERIFY(sync(*d, a));
    QVERIFY(sync(*d, b));
    QVERIFY(sync(*d, s));
    const auto eventFrame = [](const WsClient &c) {
        for (const QString &f : c.frames) {
            if (parse(f).value("type"_L1).toString() == "event"_L1)
                return f;
        }
        return QString();
    };
    QVERIFY(!eventFrame(a).isEmpty());
    QCOMPARE(eventFrame(a), eventFrame(b));
    QCOMPARE(eventFrame(a), eventFrame(s));
    // the stored event is what clients get
    const auto stored = http(m_nam, "GET", apiUrl(*d, u"/api/events/sess-a"_s));
    QCOMPARE(parse(eventFrame(a)).value("payload"_L1).toObject(),
             stored.json().value("events"_L1).toArray().first().toObject());
}

void tst_WsHub::burstOverBacklogBoundKeepsHealthyClient()
{
    // A burst written in one event-loop turn (a batch POST, say) sits in Qt's write
    // buffer until the loop runs; a reader that keeps up must not be dropped for it.
    Afw::Config config;
    config.wsMaxBacklogBytes = 64 * 1024;
    auto d = start(config);
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d));
    constexpr int kEvents = 200; // ~200 KiB
    for (int i = 0; i < kEvents; ++i)
        addEvent(*d, u"sess-burst"_s, 1024);
    QVERIFY(QTest::qWaitFor([&] { return c.count(u"event"_s) == kEvents; }, kWaitMs));
    QCOMPARE(d->ws()->clientCount(), 1);
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_WsHub::slowClientIsDropped()
{
    Afw::Config config;
    config.wsMaxBacklogBytes = 64 * 1024;
    auto d = start(config);
    QVERIFY(d);
    WsClient normal;
    QVERIFY(connectClient(normal, *d));
    RawWsClient slow;
    QVERIFY(slow.handshake(d->port()));
    QTRY_COMPARE(d->ws()->clientCount(), 2);
    slow.stall();

    constexpr int kBatch = 100;
    constexpr int kMaxEvents = 50000;
    int sent = 0;
    while (sent < kMaxEvents && d->ws()->clientCount() == 2) {
        for (int i = 0; i < kBatch; ++i)
            addEvent(*d, u"sess-slow"_s, 1024);
        sent += kBatch;
        QVERIFY2(QTest::qWaitFor([&] { return normal.count(u"event"_s) == sent; }, kWaitMs),
                 qPrintable(u"normal client has %1 of %2 events"_s.arg(normal.count(u"event"_s)).arg(sent)));
    }
    qInfo() << "slow client dropped after" << sent << "events";
    QCOMPARE(d->ws()->clientCount(), 1);
    QVERIFY(sent < kMaxEvents);
    QCOMPARE(normal.socket.state(), QAbstractSocket::ConnectedState);

    // the normal client has every event, in order
    QList<qint64> expected;
    for (int i = 1; i <= sent; ++i)
        expected.append(i);
    QCOMPARE(normal.seqs(u"sess-slow"_s), expected);

    const auto m = http(m_nam, "GET", apiUrl(*d, u"/metrics"_s));
    QCOMPARE(m.status, 200);
    const auto match = QRegularExpression(u"^afw_ws_slow_disconnects_total (\\d+)$"_s,
                                          QRegularExpression::MultilineOption)
                           .match(QString::fromUtf8(m.body));
    QVERIFY2(match.hasMatch(), m.body.constData());
    QVERIFY(match.captured(1).toInt() >= 1);

    // Reading again, the slow client finds the server gone: it got as much as fit
    // in the buffers, then a close (1013) or an abort.
    slow.resume();
    QTRY_VERIFY_WITH_TIMEOUT(slow.socket.state() == QAbstractSocket::UnconnectedState, kWaitMs);
    QVERIFY(slow.textFrames < sent + 1);
    qInfo() << "slow client read" << slow.textFrames << "frames; close code" << slow.closeCode;
    QVERIFY2(slow.closeCode == -1 || slow.closeCode == 1013,
             qPrintable(QString::number(slow.closeCode)));
}

void tst_WsHub::authRefusedWithoutKey()
{
    Afw::Config config;
    config.apiKey = u"s3cret-key"_s;
    auto d = start(config);
    QVERIFY(d);
    for (const QString &query : {QString(), u"apiKey=wrong"_s, u"apiKey="_s}) {
        WsClient c;
        QSignalSpy connected(&c.socket, &Afw::Test::WsSocket::connected);
        QSignalSpy errors(&c.socket, &Afw::Test::WsSocket::error);
        c.socket.open(wsUrl(*d, query));
        QTRY_VERIFY(errors.count() >= 1);
        QTRY_COMPARE(c.socket.state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(connected.count(), 0);
        QVERIFY(c.frames.isEmpty());
        QCOMPARE(d->ws()->clientCount(), 0);
    }
    // A wrong header is refused as well.
    WsClient c;
    QSignalSpy connected(&c.socket, &Afw::Test::WsSocket::connected);
    QNetworkRequest req(wsUrl(*d));
    req.setRawHeader("X-API-Key", "nope");
    c.socket.open(req);
    QTRY_COMPARE(c.socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(connected.count(), 0);
    // and /health stays open
    QCOMPARE(http(m_nam, "GET", apiUrl(*d, u"/health"_s)).status, 200);
}

void tst_WsHub::authWithQueryKey()
{
    Afw::Config config;
    config.apiKey = u"s3cret key/+"_s;
    auto d = start(config);
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, u"apiKey="_s + QString::fromLatin1(QUrl::toPercentEncoding(config.apiKey))));
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
    QVERIFY(sync(*d, c));
    QCOMPARE(d->ws()->clientCount(), 1);
}

void tst_WsHub::authWithHeaderKey()
{
    Afw::Config config;
    config.apiKey = u"s3cret-key"_s;
    auto d = start(config);
    QVERIFY(d);
    WsClient viaHeader;
    QNetworkRequest req(wsUrl(*d, u"framing=envelope"_s));
    req.setRawHeader("X-API-Key", "s3cret-key");
    viaHeader.socket.open(req);
    QTRY_COMPARE(viaHeader.count(u"subscription_confirmed"_s), 1);
    QVERIFY(sync(*d, viaHeader));

    WsClient viaBearer;
    QNetworkRequest bearer(wsUrl(*d, u"framing=envelope"_s));
    bearer.setRawHeader("Authorization", "Bearer s3cret-key");
    viaBearer.socket.open(bearer);
    QTRY_COMPARE(viaBearer.count(u"subscription_confirmed"_s), 1);
    QCOMPARE(d->ws()->clientCount(), 2);
}

void tst_WsHub::serverPingsDropSilentPeers()
{
    Afw::Config config;
    config.wsPingIntervalMs = 200;
    auto d = start(config);
    QVERIFY(d);
    WsClient polite;
    QVERIFY(connectClient(polite, *d));
    RawWsClient answering, silent;
    silent.answerPings = false;
    QVERIFY(answering.handshake(d->port()));
    QVERIFY(silent.handshake(d->port()));
    QTRY_COMPARE(d->ws()->clientCount(), 3);

    // The silent peer is aborted on the tick after its unanswered ping.
    QTRY_VERIFY_WITH_TIMEOUT(silent.socket.state() == QAbstractSocket::UnconnectedState, kWaitMs);
    QVERIFY(silent.pings >= 1);
    QTRY_COMPARE(d->ws()->clientCount(), 2);

    // Peers that answer stay across several intervals: the hand-made one counts them.
    QTRY_VERIFY_WITH_TIMEOUT(answering.pings >= 5, kWaitMs);
    QCOMPARE(answering.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(polite.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(d->ws()->clientCount(), 2);
    QVERIFY(sync(*d, polite));
}

void tst_WsHub::shutdownClosesClientsWith1001()
{
    auto d = start();
    QVERIFY(d);
    WsClient a, b;
    QVERIFY(connectClient(a, *d));
    QVERIFY(connectClient(b, *d));
    QVERIFY(b.subscribe(u"sess-a"_s));
    QSignalSpy finished(d.get(), &Afw::Daemon::finished);
    d->shutdown();
    QTRY_COMPARE(a.socket.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(b.socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(a.socket.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    QCOMPARE(b.socket.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    // finished() because every client closed, well before the 3 s grace period
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 2000);
    QCOMPARE(d->ws()->clientCount(), 0);
    // no longer listening
    WsClient late;
    QSignalSpy lateConnected(&late.socket, &Afw::Test::WsSocket::connected);
    late.socket.open(wsUrl(*d));
    QTRY_COMPARE(late.socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(lateConnected.count(), 0);
    QCOMPARE(http(m_nam, "GET", apiUrl(*d, u"/health"_s)).status, 0);
    d->shutdown(); // idempotent
    QCOMPARE(finished.count(), 1);
}


// ---------------------------------------------------------------- v1.1 framings

namespace {
bool isIso(const QJsonValue &v)
{
    static const QRegularExpression re(u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"_s);
    return v.isString() && re.match(v.toString()).hasMatch();
}

// The stored events of GET /api/events/<sid>, each as the exact bytes the body holds.
QStringList storedEventTexts(const QByteArray &body)
{
    QStringList out;
    const QJsonArray events = QJsonDocument::fromJson(body).object().value("events"_L1).toArray();
    qsizetype from = body.indexOf("\"events\":[") + 10;
    for (const auto &v : events) {
        // Each stored event ends with ,"seq":N} and the next starts right after a comma.
        const QByteArray tail = ",\"seq\":" + QByteArray::number(v.toObject().value("seq"_L1).toInteger()) + '}';
        const qsizetype end = body.indexOf(tail, from) + tail.size();
        out << QString::fromUtf8(body.mid(from, end - from));
        from = end + 1;
    }
    return out;
}
} // namespace

void tst_WsHub::eventsFramingPlainClient()
{
    // What the ActionFlows dashboard does: new WebSocket('ws://host:3001/ws').
    auto d = start();
    QVERIFY(d);
    WsClient plain, other;
    plain.bare = other.bare = true;
    plain.socket.open(wsUrl(*d));
    other.socket.open(wsUrl(*d));
    QTRY_COMPARE(d->ws()->clientCount(), 2);
    QVERIFY(plain.roundTrip());
    // Nothing on connect: the first frame is the answer to our ping.
    QCOMPARE(plain.objects.size(), 1);
    QCOMPARE(plain.objects.first().value("type"_L1).toString(), u"pong"_s);

    QCOMPARE(postEvent(*d, u"sess-a"_s, u"step:spawned"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-b"_s, u"chain:compiled"_s), 1);
    QCOMPARE(postEvent(*d, u"sess-a"_s, u"step:completed"_s), 2);
    QVERIFY(sync(*d, plain));
    QVERIFY(sync(*d, other));
    QCOMPARE(plain.count(u"event"_s), 3);
    QStringList got;
    for (qsizetype i = 0; i < plain.objects.size(); ++i) {
        const QJsonObject o = plain.objects.at(i);
        if (!plain.isEvent(o))
            continue;
        // Top level, as the dashboard checks: type, sessionId, timestamp; plus eventId, seq.
        QVERIFY(o.value("type"_L1).isString());
        QVERIFY(o.value("sessionId"_L1).isString());
        QCOMPARE(o.value("timestamp"_L1).toString(), u"2026-11-25T21:04:17.123Z"_s);
        QVERIFY(o.value("eventId"_L1).toString().startsWith("evt-"_L1));
        QVERIFY(o.value("seq"_L1).isDouble());
        QVERIFY(!o.contains("payload"_L1));
        got << plain.frames.at(i);
    }
    QCOMPARE(plain.seqs(u"sess-a"_s), (QList<qint64>{1, 2}));
    QCOMPARE(plain.events().at(0).value("type"_L1).toString(), u"step:spawned"_s);
    QCOMPARE(plain.events().at(1).value("type"_L1).toString(), u"chain:compiled"_s);
    // Each frame is the stored event, byte for byte (what GET /api/events returns for
    // it), and every client got the very same text.
    const QStringList a = storedEventTexts(http(m_nam, "GET", apiUrl(*d, u"/api/events/sess-a"_s)).body);
    const QStringList b = storedEventTexts(http(m_nam, "GET", apiUrl(*d, u"/api/events/sess-b"_s)).body);
    QCOMPARE(got, (QStringList{a.at(0), b.at(0), a.at(1)}));
    QStringList otherGot;
    for (const QString &f : std::as_const(other.frames)) {
        if (!isServerType(parse(f).value("type"_L1).toString()))
            otherGot << f;
    }
    QCOMPARE(otherGot, got);

    // Events that the client posts with fields of its own keep them, verbatim.
    const QByteArray odd = R"({"timestamp":"2026-11-25T21:04:17Z","sessionId":"sess-a","type":"x:y","payload":{"n":[1,2.5,"\u00e9"]}})";
    QCOMPARE(http(m_nam, "POST", apiUrl(*d, u"/api/events"_s), odd).status, 201);
    expect(*d);
    QVERIFY(sync(*d, plain));
    const QString last = plain.frames.at(plain.frames.size() - 2); // before the pong
    QVERIFY2(last.startsWith(QString::fromUtf8(odd.chopped(1))), qPrintable(last));
    QVERIFY(last.endsWith(",\"seq\":3}"_L1));
}

void tst_WsHub::eventsFramingEveryFrameNamesSessionAndTime()
{
    auto d = start();
    QVERIFY(d);
    QVERIFY(createSession(*d, u"sess-f"_s));
    for (int i = 1; i <= 3; ++i)
        QCOMPARE(postEvent(*d, u"sess-f"_s), i);
    WsClient c, envelope;
    QVERIFY(connectClient(c, *d, {}, Framing::Events));
    QVERIFY(connectClient(envelope, *d)); // a firehose in envelope framing alongside

    // Subscription with replay: the confirmation, then the stored events, bare.
    QVERIFY(c.subscribe(u"sess-f"_s, 1));
    QVERIFY(c.subscribe(u"*"_s));
    QTRY_COMPARE(c.seqs(u"sess-f"_s), (QList<qint64>{2, 3}));
    const QJsonObject confirmed = c.ofType(u"subscription_confirmed"_s).first();
    QCOMPARE(sorted(confirmed.keys()), (QStringList{u"sessionId"_s, u"timestamp"_s, u"type"_s}));
    QCOMPARE(confirmed.value("sessionId"_L1).toString(), u"sess-f"_s);
    QCOMPARE(c.ofType(u"subscription_confirmed"_s).last().value("sessionId"_L1).toString(), u"*"_s);

    // A command and its ack.
    const auto r = http(m_nam, "POST", apiUrl(*d, u"/api/sessions/sess-f/commands"_s),
                        R"({"type":"pause","payload":{"why":"t"}})");
    QCOMPARE(r.status, 201);
    expect(*d);
    const QString commandId = r.json().value("commandId"_L1).toString();
    QCOMPARE(http(m_nam, "POST", apiUrl(*d, u"/api/commands/"_s + commandId + u"/ack"_s), R"({"result":"ok"})").status,
             200);
    expect(*d);
    // An ack for a command no one knows names no session: envelope clients get it as
    // before, events-framing clients (every frame names a session) do not.
    QCOMPARE(http(m_nam, "POST", apiUrl(*d, u"/api/commands/cmd-unknown/ack"_s)).status, 200);
    expect(*d);
    QVERIFY(sync(*d, c));
    QVERIFY(sync(*d, envelope));
    const QJsonObject cmd = c.ofType(u"command"_s).first();
    QCOMPARE(sorted(cmd.keys()), (QStringList{u"payload"_s, u"sessionId"_s, u"timestamp"_s, u"type"_s}));
    QCOMPARE(cmd.value("sessionId"_L1).toString(), u"sess-f"_s);
    QCOMPARE(cmd.value("payload"_L1).toObject(), r.json().value("command"_L1).toObject());
    QCOMPARE(cmd.value("timestamp"_L1), r.json().value("command"_L1).toObject().value("timestamp"_L1));
    QCOMPARE(c.count(u"command_ack"_s), 1);
    const QJsonObject ack = c.ofType(u"command_ack"_s).first();
    QCOMPARE(ack.value("sessionId"_L1).toString(), u"sess-f"_s);
    QCOMPARE(ack.value("payload"_L1).toObject().value("commandId"_L1).toString(), commandId);
    QCOMPARE(envelope.count(u"command_ack"_s), 2);
    QVERIFY(!envelope.ofType(u"command_ack"_s).last().contains("sessionId"_L1));

    // Errors: about a session (input for an unknown one, a bad afterSeq) name it; one
    // about no session (not JSON) need not. The connection stays.
    c.send({{"type"_L1, "input"_L1}, {"sessionId"_L1, "sess-none"_L1}, {"payload"_L1, "hi"_L1}});
    c.send({{"type"_L1, "subscribe"_L1}, {"sessionId"_L1, "sess-f"_L1}, {"afterSeq"_L1, -1}});
    c.socket.sendTextMessage(u"not json"_s);
    QTRY_COMPARE(c.count(u"error"_s), 3);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
    // (With Redis the input's answer comes later than the others: order is not checked.)
    QMap<QString, QString> errors; // sessionId ("" none) -> message
    for (const QJsonObject &e : c.ofType(u"error"_s))
        errors.insert(e.value("sessionId"_L1).toString(), e.value("payload"_L1).toString());
    QCOMPARE(errors.keys(), (QStringList{QString(), u"sess-f"_s, u"sess-none"_s}));
    QVERIFY(errors.value(u"sess-none"_s).contains("not found"_L1));
    QVERIFY(errors.value(u"sess-f"_s).contains("afterSeq"_L1));
    // input still queues, unsubscribe still stops delivery.
    c.send({{"type"_L1, "input"_L1}, {"sessionId"_L1, "sess-f"_L1}, {"payload"_L1, "go"_L1}});
    c.send({{"type"_L1, "unsubscribe"_L1}, {"sessionId"_L1, "*"_L1}});
    c.send({{"type"_L1, "unsubscribe"_L1}, {"sessionId"_L1, "sess-f"_L1}});
    QVERIFY(sync(*d, c));
    QCOMPARE(http(m_nam, "GET", apiUrl(*d, u"/api/sessions/sess-f/input"_s)).json().value("count"_L1).toInt(), 1);
    QCOMPARE(postEvent(*d, u"sess-f"_s), 4);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.seqs(u"sess-f"_s), (QList<qint64>{2, 3}));

    // Every server frame carries type, sessionId and timestamp, but pong and errors
    // about no session.
    QVERIFY(c.objects.size() >= 10);
    for (const QJsonObject &o : std::as_const(c.objects)) {
        const QString type = o.value("type"_L1).toString();
        QVERIFY2(!type.isEmpty(), qPrintable(compact(o)));
        if (type == "pong"_L1 || (type == "error"_L1 && !o.contains("sessionId"_L1)))
            continue;
        QVERIFY2(Afw::isValidId(o.value("sessionId"_L1).toString()) || o.value("sessionId"_L1) == "*"_L1,
                 qPrintable(compact(o)));
        // An event's own timestamp is the client's (any ISO-8601); the server's are UTC ms.
        QVERIFY2(c.isEvent(o) ? Afw::parseIsoTimestamp(o.value("timestamp"_L1).toString()).has_value()
                              : isIso(o.value("timestamp"_L1)),
                 qPrintable(compact(o)));
    }
}

void tst_WsHub::eventsFramingExplicitQuery()
{
    // ?framing=events is the default spelled out; other query items do not matter.
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QVERIFY(connectClient(c, *d, u"framing=events&x=1"_s, Framing::Events));
    QCOMPARE(c.objects.size(), 1); // the pong
    QCOMPARE(postEvent(*d, u"sess-q"_s), 1);
    QVERIFY(sync(*d, c));
    QCOMPARE(c.events().size(), 1);
    QCOMPARE(c.objects.at(1).value("seq"_L1).toInteger(), 1);
}

void tst_WsHub::unknownFramingRefused()
{
    auto d = start();
    QVERIFY(d);
    WsClient c;
    QSignalSpy disconnected(&c.socket, &Afw::Test::WsSocket::disconnected);
    c.socket.open(wsUrl(*d, u"framing=xml"_s));
    QVERIFY(disconnected.wait(kWaitMs));
    QCOMPARE(c.socket.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QCOMPARE(c.objects.size(), 1);
    QCOMPARE(c.objects.first().value("type"_L1).toString(), u"error"_s);
    QVERIFY(c.objects.first().value("payload"_L1).toString().contains("framing=envelope"_L1));
    QCOMPARE(d->ws()->clientCount(), 0);
    // Nothing changed: the next client is served.
    WsClient ok;
    QVERIFY(connectClient(ok, *d));
    QCOMPARE(d->ws()->clientCount(), 1);
}

void tst_WsHub::envelopeViaSubprotocolAndQueryIsTodaysProtocol()
{
    // The same script on a client of each way to ask for the envelope: the frames are
    // today's (v1) and the same but for clientId and timestamps.
    auto d = start();
    QVERIFY(d);
    QVERIFY(createSession(*d, u"sess-e"_s));
    QCOMPARE(postEvent(*d, u"sess-e"_s), 1);
    WsClient query, subprotocol, both;
    QVERIFY(connectClient(query, *d));
    QVERIFY(connectClient(subprotocol, *d, {}, Framing::EnvelopeSubprotocol));
    // The subprotocol wins over a framing=events asked for at the same time.
    QVERIFY(connectClient(both, *d, u"framing=events"_s, Framing::EnvelopeSubprotocol));
    for (WsClient *c : {&query, &subprotocol, &both}) {
        QVERIFY(c->subscribe(u"sess-e"_s, 0));
        QTRY_COMPARE(c->seqs(u"sess-e"_s), QList<qint64>{1});
        c->send({{"type"_L1, "input"_L1}, {"sessionId"_L1, "sess-none"_L1}, {"payload"_L1, "hi"_L1}});
        QTRY_COMPARE(c->count(u"error"_s), 1);
    }
    QCOMPARE(postEvent(*d, u"sess-e"_s), 2);
    const auto r = http(m_nam, "POST", apiUrl(*d, u"/api/sessions/sess-e/commands"_s), R"({"type":"skip"})");
    QCOMPARE(r.status, 201);
    expect(*d);
    QVERIFY(sync(*d, query));
    QVERIFY(sync(*d, subprotocol));
    QVERIFY(sync(*d, both));

    const auto normalised = [](const WsClient &c) {
        QStringList out;
        for (QJsonObject o : c.objects) {
            o.remove("timestamp"_L1);
            QJsonObject payload = o.value("payload"_L1).toObject();
            if (payload.contains("clientId"_L1)) {
                payload.remove("clientId"_L1);
                o.insert("payload"_L1, payload);
            }
            o.remove("clientId"_L1);
            out << compact(o);
        }
        return out;
    };
    QCOMPARE(normalised(subprotocol), normalised(query));
    QCOMPARE(normalised(both), normalised(query));
    // v1's frames, key for key.
    const QList<QJsonObject> &f = query.objects;
    QCOMPARE(sorted(f.at(0).keys()), (QStringList{u"payload"_s, u"type"_s}));          // hello
    QCOMPARE(f.at(0).value("type"_L1).toString(), u"subscription_confirmed"_s);
    QCOMPARE(sorted(f.at(1).keys()), (QStringList{u"payload"_s, u"sessionId"_s, u"type"_s})); // subscribed
    QCOMPARE(sorted(f.at(2).keys()), (QStringList{u"payload"_s, u"sessionId"_s, u"type"_s})); // event
    QCOMPARE(f.at(2).value("type"_L1).toString(), u"event"_s);
    QCOMPARE(sorted(f.at(3).keys()), (QStringList{u"payload"_s, u"type"_s}));          // error
    QCOMPARE(f.at(3).value("type"_L1).toString(), u"error"_s);
    const QJsonObject command = query.ofType(u"command"_s).first();
    QCOMPARE(sorted(command.keys()), (QStringList{u"payload"_s, u"sessionId"_s, u"type"_s}));
    QCOMPARE(command.value("payload"_L1).toObject(), r.json().value("command"_L1).toObject());
    QCOMPARE(sorted(query.ofType(u"pong"_s).first().keys()), (QStringList{u"clientId"_s, u"timestamp"_s, u"type"_s}));
}

QTEST_GUILESS_MAIN(tst_WsHub)
#include "tst_wshub.moc"

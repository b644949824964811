// SPDX-License-Identifier: MIT
// EventSocket (/ws, envelope framing) against a real afwd and against hand-made
// servers: the handshake it asks for, events/commands/input/ping, afterSeq replay,
// exactly-once delivery across a daemon restart (Redis keeps the data), capped
// back-off, and a peer that stops answering pings.
#include <QCryptographicHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <memory>

#include "afwdprocess.h"
#include "apiclient.h"
#include "apiwait.h"
#include "eventsocket.h"
#include "redisserver.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::await;
using Afw::Test::makeEvent;

namespace {
constexpr int kWaitMs = 10000;

// What the socket delivered, in order.
struct Received
{
    explicit Received(EventSocket &s)
    {
        QObject::connect(&s, &EventSocket::eventReceived, &s,
                         [this](const QString &sid, qint64 seq, const QJsonObject &e) {
                             events.append({sid, seq});
                             types.append(e.value("type"_L1).toString());
                         });
    }
    QList<qint64> seqs(const QString &sid) const
    {
        QList<qint64> out;
        for (const auto &[s, q] : events) {
            if (s == sid)
                out.append(q);
        }
        return out;
    }
    QList<std::pair<QString, qint64>> events;
    QStringList types;
};

QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> out;
    for (qint64 i = from; i <= to; ++i)
        out.append(i);
    return out;
}

QString json(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QJsonObject eventFrame(const QString &sid, qint64 seq)
{
    return {{"type"_L1, "event"_L1},
            {"sessionId"_L1, sid},
            {"payload"_L1, QJsonObject{{"sessionId"_L1, sid},
                                       {"type"_L1, "step:started"_L1},
                                       {"timestamp"_L1, "2026-03-01T10:00:00.000Z"_L1},
                                       {"seq"_L1, seq}}}};
}

// Completes WebSocket handshakes by hand, greets, then never reads or answers again:
// a peer behind a dead network path.
class SilentPeer : public QObject
{
public:
    SilentPeer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                ++connections;
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    if (s->property("done").toBool())
                        return;
                    const QByteArray req = s->peek(8192);
                    if (!req.contains("\r\n\r\n"))
                        return;
                    s->readAll();
                    QByteArray key;
                    for (const QByteArray &line : req.split('\n')) {
                        if (line.toLower().startsWith("sec-websocket-key:"))
                            key = line.mid(18).trimmed();
                    }
                    const QByteArray accept =
                        QCryptographicHash::hash(
                            QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                            QCryptographicHash::Sha1)
                            .toBase64();
                    const QByteArray hello =
                        R"({"type":"subscription_confirmed","payload":{"clientId":"silent"}})";
                    s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                             "websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: " +
                             accept + "\r\n\r\n");
                    s->write(QByteArray(1, char(0x81)) + char(hello.size()) + hello);
                    s->setProperty("done", true);
                });
            }
        });
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(m_server.serverPort())); }
    int connections = 0;

private:
    QTcpServer m_server;
};
} // namespace

class tst_EventSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void handshakeAsksForEnvelope();
    void eventsCommandsInputPing();
    void replayAfterSeq();
    void duplicatesAndEarlyEventsDropped();
    void resumeAcrossDaemonRestart();
    void backoffIsCapped();
    void wrongKeyNeverOpens();
    void silentPeerIsDropped();
};

void tst_EventSocket::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
}

void tst_EventSocket::handshakeAsksForEnvelope()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost, 0));
    QByteArray request;
    connect(&fake, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *s = fake.nextPendingConnection();
        connect(s, &QTcpSocket::readyRead, this, [&request, s] { request += s->readAll(); });
    });
    EventSocket socket;
    socket.setAutoReconnect(false);
    socket.open(QUrl(u"http://127.0.0.1:%1/prefix/"_s.arg(fake.serverPort())), u"k3y"_s);
    QTRY_VERIFY_WITH_TIMEOUT(request.contains("\r\n\r\n"), kWaitMs);
    QVERIFY2(request.startsWith("GET /prefix/ws?framing=envelope HTTP/1.1\r\n"),
             request.constData());
    QVERIFY2(request.contains("\r\nSec-WebSocket-Protocol: afw.v1\r\n"), request.constData());
    QVERIFY2(request.contains("\r\nAuthorization: Bearer k3y\r\n"), request.constData());
    QVERIFY(!request.contains("apiKey"));
    QCOMPARE(socket.state(), EventSocket::State::Connecting);
    QCOMPARE(EventSocket::webSocketUrl(QUrl(u"https://h:1"_s)),
             QUrl(u"wss://h:1/ws?framing=envelope"_s));
    QCOMPARE(EventSocket::webSocketUrl(QUrl(u"http://h:1"_s), EventSocket::Framing::Events),
             QUrl(u"ws://h:1/ws"_s));
}

void tst_EventSocket::eventsCommandsInputPing()
{
    AfwdProcess::Options o;
    o.apiKey = u"ws-key"_s;
    AfwdProcess afwd(o);
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient client;
    client.setBaseUrl(afwd.url());
    client.setApiKey(o.apiKey);

    EventSocket socket;
    Received got(socket);
    QSignalSpy opened(&socket, &EventSocket::opened);
    QSignalSpy raw(&socket, &EventSocket::rawMessageReceived);
    socket.open(afwd.url(), o.apiKey);
    QVERIFY(opened.wait(kWaitMs));
    QVERIFY(!socket.clientId().isEmpty());
    QCOMPARE(socket.state(), EventSocket::State::Open);
    // The daemon honoured the envelope request: the greeting is an envelope frame.
    QVERIFY(raw.first().first().toString().contains(u"\"clientId\""_s));

    const qint64 t = nowMs();
    QVERIFY(Test::postAll(client, {makeEvent(u"A"_s, u"session:started"_s, t),
                                   makeEvent(u"B"_s, u"session:started"_s, t)}));
    QTRY_COMPARE_WITH_TIMEOUT(got.events.size(), 2, kWaitMs); // no subscription: every session

    QSignalSpy confirmed(&socket, &EventSocket::subscriptionConfirmed);
    socket.subscribe(u"A"_s, 1);
    QVERIFY(confirmed.wait(kWaitMs));
    QCOMPARE(confirmed.first().first().toString(), u"A"_s);
    QVERIFY(
        Test::postAll(client, {makeEvent(u"B"_s, u"step:started"_s, t, {{u"stepNumber"_s, 1}}),
                               makeEvent(u"A"_s, u"step:started"_s, t, {{u"stepNumber"_s, 1}})}));
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(u"A"_s), (QList<qint64>{1, 2}), kWaitMs);
    QCOMPARE(got.seqs(u"B"_s), QList<qint64>{1}); // subscribed to A only now
    QCOMPARE(socket.lastSeq(u"A"_s), 2);

    socket.setReceiveAll(true);
    QTRY_COMPARE_WITH_TIMEOUT(confirmed.count(), 2, kWaitMs);
    QVERIFY(
        Test::postAll(client, {makeEvent(u"B"_s, u"step:completed"_s, t, {{u"stepNumber"_s, 1}})}));
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(u"B"_s), (QList<qint64>{1, 3}),
                              kWaitMs); // 2 came while not wanted

    QSignalSpy commands(&socket, &EventSocket::commandReceived);
    QSignalSpy acks(&socket, &EventSocket::commandAcked);
    const auto cmd = await<Command>(
        [&](QObject *c, auto cb) { client.queueCommand(u"A"_s, CommandType::Skip, {}, c, cb); });
    QVERIFY(cmd.ok());
    QTRY_COMPARE_WITH_TIMEOUT(commands.count(), 1, kWaitMs);
    QCOMPARE(commands.first().at(0).toString(), u"A"_s);
    QCOMPARE(commands.first().at(1).toJsonObject().value("id"_L1).toString(), cmd.value.id);
    QVERIFY(await<bool>([&](QObject *c, auto cb) {
                client.ackCommand(cmd.value.id, true, {}, c, cb);
            }).ok());
    QTRY_COMPARE_WITH_TIMEOUT(acks.count(), 1, kWaitMs);
    QCOMPARE(acks.first().at(1).toJsonObject().value("commandId"_L1).toString(), cmd.value.id);

    QVERIFY(socket.sendInput(u"A"_s, u"go on"_s, u"Continue?"_s));
    QSignalSpy pongs(&socket, &EventSocket::pongReceived);
    QVERIFY(socket.sendPing());
    QVERIFY(pongs.wait(kWaitMs)); // the input frame before it was handled
    const auto inputs =
        await<QList<Input>>([&](QObject *c, auto cb) { client.takeInput(u"A"_s, false, c, cb); });
    QVERIFY(inputs.ok());
    QCOMPARE(inputs.value.size(), 1);
    QCOMPARE(inputs.value[0].input.toString(), u"go on"_s);
    QCOMPARE(inputs.value[0].prompt.toString(), u"Continue?"_s);

    QSignalSpy errors(&socket, &EventSocket::serverError);
    QVERIFY(socket.sendRaw(u"not json"_s));
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(raw.count(), qsizetype(socket.stats().frames));
    QCOMPARE(socket.stats().duplicates, 0u);
    QCOMPARE(socket.state(), EventSocket::State::Open); // errors do not close
}

void tst_EventSocket::replayAfterSeq()
{
    AfwdProcess afwd;
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient client;
    client.setBaseUrl(afwd.url());
    QJsonArray events;
    for (int i = 0; i < 10; ++i)
        events.append(makeEvent(u"R"_s, u"step:started"_s, nowMs(), {{u"stepNumber"_s, i}}));
    QVERIFY(Test::postAll(client, events));

    EventSocket late;
    Received got(late);
    late.subscribe(u"R"_s, 4); // before open: sent once the greeting arrives
    late.open(afwd.url());
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(u"R"_s), range(5, 10), kWaitMs);

    EventSocket fromStart;
    Received all(fromStart);
    fromStart.subscribe(u"R"_s, 0);
    fromStart.open(afwd.url());
    QTRY_COMPARE_WITH_TIMEOUT(all.seqs(u"R"_s), range(1, 10), kWaitMs);
    QVERIFY(Test::postAll(
        client, {makeEvent(u"R"_s, u"step:completed"_s, nowMs(), {{u"stepNumber"_s, 9}})}));
    QTRY_COMPARE_WITH_TIMEOUT(all.seqs(u"R"_s), range(1, 11), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(u"R"_s), range(5, 11), kWaitMs);
}

void tst_EventSocket::duplicatesAndEarlyEventsDropped()
{
    // A server that misbehaves on purpose: an event before the confirmation of a
    // replaying subscription, repeats, an old seq and a gap.
    QWebSocketServer server(u"fake"_s, QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QList<QJsonObject> subscribes;
    connect(&server, &QWebSocketServer::newConnection, this, [&] {
        QWebSocket *ws = server.nextPendingConnection();
        connect(ws, &QWebSocket::textMessageReceived, this, [&subscribes, ws](const QString &text) {
            const QJsonObject msg = QJsonDocument::fromJson(text.toUtf8()).object();
            subscribes.append(msg);
            const QString sid = msg.value("sessionId"_L1).toString();
            ws->sendTextMessage(json(eventFrame(sid, 3))); // before the confirmation
            ws->sendTextMessage(
                json({{"type"_L1, "subscription_confirmed"_L1}, {"sessionId"_L1, sid}}));
            for (qint64 seq : {3, 4, 4, 2, 5, 7})
                ws->sendTextMessage(json(eventFrame(sid, seq)));
            ws->sendTextMessage(json(eventFrame(u"other"_s, 1))); // untracked: passes
        });
        ws->sendTextMessage(json({{"type"_L1, "subscription_confirmed"_L1},
                                  {"payload"_L1, QJsonObject{{"clientId"_L1, "fake-1"_L1}}}}));
    });
    EventSocket socket;
    Received got(socket);
    socket.subscribe(u"S"_s, 2);
    socket.open(QUrl(u"http://127.0.0.1:%1"_s.arg(server.serverPort())));
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(u"other"_s), QList<qint64>{1}, kWaitMs);
    QCOMPARE(subscribes.size(), 1);
    QCOMPARE(subscribes[0].value("afterSeq"_L1).toInteger(), 2);
    QCOMPARE(socket.clientId(), u"fake-1"_s);
    QCOMPARE(got.seqs(u"S"_s), (QList<qint64>{3, 4, 5, 7}));
    QCOMPARE(socket.stats().heldBack, 1u);
    QCOMPARE(socket.stats().duplicates, 2u);
    QCOMPARE(socket.stats().gaps, 1u);
    QCOMPARE(socket.lastSeq(u"S"_s), 7);
}

void tst_EventSocket::resumeAcrossDaemonRestart()
{
    AFW_START_REDIS(redis);
    AfwdProcess::Options o;
    o.redisUrl = redis.url();
    AfwdProcess a(o); // the daemon the socket talks to, restarted under it
    AfwdProcess b(o); // another instance on the same Redis: agents post there meanwhile
    QVERIFY2(a.start(), qPrintable(a.errorString()));
    QVERIFY2(b.start(), qPrintable(b.errorString()));
    ApiClient viaA, viaB;
    viaA.setBaseUrl(a.url());
    viaB.setBaseUrl(b.url());
    const QString sid = u"resume"_s;
    auto post = [&](ApiClient &c, int n) {
        QJsonArray events;
        for (int i = 0; i < n; ++i)
            events.append(makeEvent(sid, u"step:started"_s, nowMs(), {{u"stepNumber"_s, i}}));
        return Test::postAll(c, events);
    };
    QVERIFY(post(viaA, 5));

    EventSocket socket;
    socket.setReconnectDelays(50, 400);
    Received got(socket);
    QSignalSpy opened(&socket, &EventSocket::opened);
    socket.setReceiveAll(true);
    socket.subscribe(sid, 0);
    socket.open(a.url());
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(sid), range(1, 5), kWaitMs);
    QCOMPARE(opened.count(), 1);

    a.stop(); // SIGKILL: no goodbye
    QTRY_VERIFY_WITH_TIMEOUT(socket.state() != EventSocket::State::Open, kWaitMs);
    QVERIFY(post(viaB, 7)); // 6..12 while the socket's daemon is away
    QVERIFY2(a.restart(), qPrintable(a.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, kWaitMs);
    QVERIFY(post(viaA, 3)); // 13..15 live again
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(sid), range(1, 15), kWaitMs);
    QVERIFY(post(viaB, 1)); // and from the other instance, through pub/sub
    QTRY_COMPARE_WITH_TIMEOUT(got.seqs(sid), range(1, 16), kWaitMs);
    QCOMPARE(got.events.size(), 16); // nothing else, nothing twice
    QVERIFY(socket.stats().reconnects >= 1);
}

void tst_EventSocket::backoffIsCapped()
{
    const quint16 port = AfwdProcess::freePort();
    EventSocket socket;
    socket.setReconnectDelays(20, 80);
    QSignalSpy scheduled(&socket, &EventSocket::reconnectScheduled);
    QSignalSpy opened(&socket, &EventSocket::opened);
    socket.open(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
    QTRY_VERIFY_WITH_TIMEOUT(scheduled.count() >= 6, kWaitMs);
    QList<int> delays;
    for (int i = 0; i < 6; ++i)
        delays << scheduled.at(i).at(0).toInt();
    QCOMPARE(delays, (QList<int>{20, 40, 80, 80, 80, 80}));
    QCOMPARE(scheduled.at(5).at(1).toInt(), 6);

    AfwdProcess::Options o;
    o.port = port;
    AfwdProcess afwd(o);
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    QVERIFY(opened.wait(kWaitMs)); // by itself
    scheduled.clear();
    afwd.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!scheduled.isEmpty(), kWaitMs);
    QCOMPARE(scheduled.first().at(0).toInt(), 20); // back-off starts over after a success
}

void tst_EventSocket::wrongKeyNeverOpens()
{
    AfwdProcess::Options o;
    o.apiKey = u"right"_s;
    AfwdProcess afwd(o);
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    EventSocket socket;
    socket.setReconnectDelays(20, 40);
    QSignalSpy scheduled(&socket, &EventSocket::reconnectScheduled);
    QSignalSpy opened(&socket, &EventSocket::opened);
    socket.open(afwd.url(), u"wrong"_s);
    QTRY_VERIFY_WITH_TIMEOUT(scheduled.count() >= 3, kWaitMs);
    QCOMPARE(opened.count(), 0);
    socket.close();
    QCOMPARE(socket.state(), EventSocket::State::Closed);
}

void tst_EventSocket::silentPeerIsDropped()
{
    SilentPeer peer;
    EventSocket socket;
    socket.setReconnectDelays(20, 40);
    socket.setKeepAliveInterval(100);
    QSignalSpy opened(&socket, &EventSocket::opened);
    QSignalSpy closed(&socket, &EventSocket::closed);
    socket.open(peer.url());
    QVERIFY(opened.wait(kWaitMs));
    QCOMPARE(socket.clientId(), u"silent"_s);
    // Ping at 100 ms, no pong by 200 ms: dropped and dialled again.
    QTRY_VERIFY_WITH_TIMEOUT(closed.count() >= 1, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 2, kWaitMs);
    QVERIFY(peer.connections >= 2);
}

QTEST_GUILESS_MAIN(tst_EventSocket)
#include "tst_eventsocket.moc"

// SPDX-License-Identifier: MIT
// afw_qtredis against a real redis-server (no mocks, no fixed sleeps).
#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QFuture>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "redisclient.h"
#include "redisserver.h"
#include "redissubscriber.h"
#include "redisurl.h"

using namespace Afw::Redis;
using Afw::Test::RedisServer;

Q_DECLARE_METATYPE(Afw::Redis::RedisUrl::Transport)

namespace {

using Args = QList<QByteArray>;

Options fastOptions()
{
    Options o;
    o.reconnectMinMs = 20;
    o.reconnectMaxMs = 200;
    return o;
}

RedisUrl parsed(const QString &text)
{
    return RedisUrl::parse(text).value_or(RedisUrl{});
}

// Waits for the future by running the event loop (QTest::qWaitFor checks the condition).
Reply await(const QFuture<Reply> &future, int timeoutMs = 5000)
{
    if (!QTest::qWaitFor([&] { return future.isFinished(); }, timeoutMs))
        return Reply::makeError(QByteArrayLiteral("TEST: no reply in time"));
    return future.result();
}

std::unique_ptr<Client> startClient(const QString &url, const Options &options = fastOptions())
{
    auto client = std::make_unique<Client>(parsed(url), options);
    QSignalSpy spy(client.get(), &Connection::connected);
    client->start();
    if (!client->isConnected())
        spy.wait(5000);
    return client;
}

int blockedClients(Client &admin)
{
    const Reply info = await(admin.command({"INFO", "clients"}));
    const qsizetype at = info.str.indexOf("blocked_clients:");
    if (at < 0)
        return -1;
    const qsizetype end = info.str.indexOf('\r', at);
    return info.str.mid(at + 16, end - at - 16).toInt();
}

} // namespace

class TestQtRedis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void urlValid_data();
    void urlValid();
    void urlInvalid_data();
    void urlInvalid();
    void binarySafeSetGet();
    void replyTypes();
    void pipelinedIncrsStayInOrder();
    void transaction();
    void refusedCommands();
    void auth();
    void selectDb();
    void unixSocket();
    void commandWhileDownFailsFast();
    void killWithCommandsPending();
    void reconnectsAfterRestart();
    void subscriberSurvivesRestart();
    void deadContextDropsCallback();
    void destroyedClientFailsPending();
    void commandTimeout();
    void connectTimeout();
};

void TestQtRedis::urlValid_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<RedisUrl::Transport>("transport");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("socketPath");
    QTest::addColumn<int>("db");
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("password");

    const auto tcp = RedisUrl::Transport::Tcp;
    const auto unix_ = RedisUrl::Transport::Unix;
    QTest::newRow("host only") << "redis://127.0.0.1" << tcp << "127.0.0.1" << 6379 << "" << 0
                               << QByteArray() << QByteArray();
    QTest::newRow("port and db") << "redis://localhost:6380/2" << tcp << "localhost" << 6380 << ""
                                 << 2 << QByteArray() << QByteArray();
    QTest::newRow("password only") << "redis://:secret@redis.example" << tcp << "redis.example"
                                   << 6379 << "" << 0 << QByteArray() << QByteArray("secret");
    QTest::newRow("user, encoded password")
        << "redis://app:p%40ss%3Aw%2Fd@10.0.0.1:1234/15" << tcp << "10.0.0.1" << 1234 << "" << 15
        << QByteArray("app") << QByteArray("p@ss:w/d");
    QTest::newRow("ipv6") << "redis://[::1]:7000/1" << tcp << "::1" << 7000 << "" << 1
                          << QByteArray() << QByteArray();
    QTest::newRow("scheme case, trailing slash") << " REDIS://Host/ " << tcp << "Host" << 6379 << ""
                                                 << 0 << QByteArray() << QByteArray();
    QTest::newRow("unix") << "unix:///tmp/redis.sock" << unix_ << "" << 0 << "/tmp/redis.sock" << 0
                          << QByteArray() << QByteArray();
    QTest::newRow("unix db") << "unix:///run/redis/redis.sock?db=4" << unix_ << "" << 0
                             << "/run/redis/redis.sock" << 4 << QByteArray() << QByteArray();
    QTest::newRow("unix password") << "unix://:pw@/var/run/r.sock" << unix_ << "" << 0
                                   << "/var/run/r.sock" << 0 << QByteArray() << QByteArray("pw");
}

void TestQtRedis::urlValid()
{
    QFETCH(QString, url);
    QString error;
    const std::optional<RedisUrl> u = RedisUrl::parse(url, &error);
    QVERIFY2(u.has_value(), qPrintable(error));
    QTEST(u->transport, "transport");
    QTEST(u->host, "host");
    QTEST(int(u->port), "port");
    QTEST(u->socketPath, "socketPath");
    QTEST(u->db, "db");
    QTEST(u->username, "user");
    QTEST(u->password, "password");
    QVERIFY(!u->toDisplayString().contains(QLatin1String("secret")));
}

void TestQtRedis::urlInvalid_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("message");
    QTest::newRow("tls") << "rediss://host:6380"
                         << "rediss:// (TLS) is not supported: hiredis 0.14 has no TLS";
    QTest::newRow("garbage") << "not a url" << "not a Redis URL";
    QTest::newRow("empty") << "" << "not a Redis URL";
    QTest::newRow("http") << "http://host" << "unsupported URL scheme";
    QTest::newRow("no host") << "redis://" << "missing host";
    QTest::newRow("no host, password") << "redis://:pw@:6379" << "missing host";
    QTest::newRow("port 0") << "redis://host:0" << "invalid port";
    QTest::newRow("port too big") << "redis://host:70000" << "invalid port";
    QTest::newRow("port text") << "redis://host:abc" << "invalid port";
    QTest::newRow("db text") << "redis://host/abc" << "invalid database";
    QTest::newRow("db negative") << "redis://host/-1" << "invalid database";
    QTest::newRow("user, no password") << "redis://user@host" << "without a password";
    QTest::newRow("unix relative") << "unix://relative.sock" << "absolute";
    QTest::newRow("unix bad query") << "unix:///tmp/s.sock?foo=1" << "only db=N";
    QTest::newRow("unix no path") << "unix://" << "absolute";
}

void TestQtRedis::urlInvalid()
{
    QFETCH(QString, url);
    QFETCH(QString, message);
    QString error;
    QVERIFY(!RedisUrl::parse(url, &error).has_value());
    QVERIFY2(error.contains(message), qPrintable(error));
}

void TestQtRedis::binarySafeSetGet()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());

    QByteArray value("a\0b\r\nc\r\n", 8);
    for (int i = 0; i < 256; ++i)
        value.append(char(i));
    const QByteArray key("bin\0key\r\n", 9);
    QVERIFY(await(client->command({"SET", key, value})).isOk());
    const Reply got = await(client->command({"GET", key}));
    QCOMPARE(got.type, Reply::Type::String);
    QCOMPARE(got.str.size(), value.size());
    QCOMPARE(got.str, value);
    QCOMPARE(await(client->command({"STRLEN", key})).integer, qint64(value.size()));
}

void TestQtRedis::replyTypes()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());

    const Reply pong = await(client->command({"PING"}));
    QCOMPARE(pong.type, Reply::Type::Status);
    QCOMPARE(pong.str, QByteArray("PONG"));

    const Reply pushed = await(client->command({"RPUSH", "list", "a", "", "c"}));
    QCOMPARE(pushed.type, Reply::Type::Integer);
    QCOMPARE(pushed.integer, 3);

    const Reply range = await(client->command({"LRANGE", "list", "0", "-1"}));
    QCOMPARE(range.type, Reply::Type::Array);
    QCOMPARE(range.elements.size(), 3);
    QCOMPARE(range.elements.at(1), Reply::makeString(QByteArray()));
    QCOMPARE(range.elements.at(2).str, QByteArray("c"));

    const Reply nested = await(client->command(
        {"EVAL", "return {1, {'x', 'y'}, 'z', false}", "0"}));
    QCOMPARE(nested.type, Reply::Type::Array);
    QCOMPARE(nested.elements.size(), 4);
    QCOMPARE(nested.elements.at(0), Reply::makeInteger(1));
    QCOMPARE(nested.elements.at(1).elements.size(), 2);
    QCOMPARE(nested.elements.at(1).elements.at(1).str, QByteArray("y"));
    QVERIFY(nested.elements.at(3).isNil());

    const Reply nil = await(client->command({"GET", "missing"}));
    QVERIFY(nil.isNil());
    QVERIFY(!nil.isError());

    QVERIFY(await(client->command({"SET", "text", "abc"})).isOk());
    const Reply error = await(client->command({"INCR", "text"}));
    QVERIFY(error.isError());
    QVERIFY(!error.isFailure());
    QVERIFY2(error.str.startsWith("ERR"), error.str.constData());
    QVERIFY(await(client->command({"NOSUCHCOMMAND"})).isError());
    QVERIFY(client->isConnected()); // error replies do not hurt the connection
}

void TestQtRedis::pipelinedIncrsStayInOrder()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());

    QList<QFuture<Reply>> futures;
    std::vector<qint64> callbackOrder;
    for (int i = 0; i < 1000; ++i) {
        futures.append(client->command({"INCR", "counter"}));
        client->command({"INCR", "other"}, this,
                        [&callbackOrder](const Reply &r) { callbackOrder.push_back(r.integer); });
    }
    QVERIFY(client->pendingCount() >= 1000); // all in flight at once
    QTRY_VERIFY(futures.last().isFinished());
    for (int i = 0; i < 1000; ++i) {
        QVERIFY(futures.at(i).isFinished());
        QCOMPARE(futures.at(i).result(), Reply::makeInteger(i + 1));
    }
    QTRY_COMPARE(callbackOrder.size(), size_t(1000));
    for (size_t i = 0; i < callbackOrder.size(); ++i)
        QCOMPARE(callbackOrder[i], qint64(i + 1));
    QCOMPARE(client->pendingCount(), 0);
}

void TestQtRedis::transaction()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());

    const Reply exec = await(client->transaction(
        {{"SET", "k", "v"}, {"INCR", "n"}, {"GET", "k"}, {"INCR", "k"}}));
    QCOMPARE(exec.type, Reply::Type::Array);
    QCOMPARE(exec.elements.size(), 4);
    QVERIFY(exec.elements.at(0).isOk());
    QCOMPARE(exec.elements.at(1), Reply::makeInteger(1));
    QCOMPARE(exec.elements.at(2), Reply::makeString("v"));
    QVERIFY(exec.elements.at(3).isError()); // runtime errors stay inside the EXEC array

    // A command refused while queuing aborts the whole transaction: first error wins.
    const Reply aborted = await(client->transaction({{"SET", "k2", "v"}, {"NOSUCHCOMMAND"}}));
    QVERIFY(aborted.isError());
    QVERIFY(!aborted.isFailure());
    QVERIFY2(aborted.str.contains("unknown command"), aborted.str.constData());
    QVERIFY(await(client->command({"GET", "k2"})).isNil());
}

void TestQtRedis::refusedCommands()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());

    const Reply empty = await(client->command(Args{}));
    QVERIFY(empty.isError());
    QVERIFY(!empty.isFailure());
    const Reply sub = await(client->command({"subscribe", "ch"}));
    QVERIFY(sub.isError());
    QVERIFY(sub.str.contains("Subscriber"));
    QVERIFY(await(client->command({"PING"})).isStatus());
}

void TestQtRedis::auth()
{
    AFW_START_REDIS(server, RedisServer::Options{"s3cr3t", false});
    const QString hostPort = QStringLiteral("127.0.0.1:") + QString::number(server.port());

    auto good = startClient(QStringLiteral("redis://:s3cr3t@") + hostPort);
    QVERIFY(good->isConnected());
    QVERIFY(await(good->command({"SET", "k", "v"})).isOk());

    auto withUser = startClient(QStringLiteral("redis://default:s3cr3t@") + hostPort);
    QVERIFY(withUser->isConnected());
    QCOMPARE(await(withUser->command({"GET", "k"})), Reply::makeString("v"));

    Client bad(parsed(QStringLiteral("redis://:wrong@") + hostPort), fastOptions());
    QSignalSpy errors(&bad, &Connection::errorOccurred);
    QSignalSpy connectedSpy(&bad, &Connection::connected);
    bad.start();
    QVERIFY(errors.wait(5000));
    const QString message = errors.first().first().toString();
    QVERIFY2(message.contains(QLatin1String("AUTH failed")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("WRONGPASS")), qPrintable(message));
    QTRY_VERIFY(errors.size() >= 2); // keeps retrying with back-off
    QCOMPARE(connectedSpy.size(), 0);
    QVERIFY(!bad.isConnected());
    QCOMPARE(await(bad.command({"PING"})).failure, Reply::Failure::NotConnected);

    Client none(parsed(server.url()), fastOptions());
    QSignalSpy noneErrors(&none, &Connection::errorOccurred);
    none.start();
    QVERIFY(noneErrors.wait(5000));
    QVERIFY2(noneErrors.first().first().toString().contains(QLatin1String("NOAUTH")),
             qPrintable(noneErrors.first().first().toString()));
    QVERIFY(!none.isConnected());
}

void TestQtRedis::selectDb()
{
    AFW_START_REDIS(server);
    auto db3 = startClient(server.url() + QStringLiteral("/3"));
    auto db0 = startClient(server.url());
    QVERIFY(db3->isConnected());
    QVERIFY(db0->isConnected());

    QVERIFY(await(db3->command({"SET", "only-in-3", "x"})).isOk());
    QVERIFY(await(db0->command({"GET", "only-in-3"})).isNil());
    QCOMPARE(await(db3->command({"GET", "only-in-3"})), Reply::makeString("x"));
    QVERIFY(await(db0->command({"SELECT", "3"})).isOk());
    QCOMPARE(await(db0->command({"GET", "only-in-3"})), Reply::makeString("x"));
}

void TestQtRedis::unixSocket()
{
    AFW_START_REDIS(server, RedisServer::Options{QByteArray(), true});
    QVERIFY(!server.unixSocketPath().isEmpty());
    auto client = startClient(QStringLiteral("unix://") + server.unixSocketPath()
                              + QStringLiteral("?db=2"));
    QVERIFY(client->isConnected());
    QVERIFY(await(client->command({"SET", "via-unix", "1"})).isOk());
    const Reply info = await(client->command({"CLIENT", "INFO"}));
    QVERIFY2(info.str.contains("db=2"), info.str.constData());
    auto tcp = startClient(server.url() + QStringLiteral("/2"));
    QCOMPARE(await(tcp->command({"GET", "via-unix"})), Reply::makeString("1"));
}

void TestQtRedis::commandWhileDownFailsFast()
{
    const quint16 port = RedisServer::freePort(); // nothing listens there
    QVERIFY(port != 0);
    Client client(
        parsed(QStringLiteral("redis://127.0.0.1:") + QString::number(port)), fastOptions());
    client.start();

    QElapsedTimer timer;
    timer.start();
    const QFuture<Reply> future = client.command({"GET", "k"});
    QVERIFY(future.isFinished()); // no event loop needed: not queued
    QCOMPARE(future.result().failure, Reply::Failure::NotConnected);
    QVERIFY(future.result().isError());
    QVERIFY(client.transaction({{"PING"}}).isFinished());

    bool called = false;
    Reply viaCallback;
    client.command({"PING"}, this, [&](const Reply &r) {
        called = true;
        viaCallback = r;
    });
    QVERIFY(!called); // never re-entrantly from inside command()
    QTRY_VERIFY(called);
    QCOMPARE(viaCallback.failure, Reply::Failure::NotConnected);
    QVERIFY2(timer.elapsed() < 500, QByteArray::number(timer.elapsed()).constData());
    QVERIFY(!client.isConnected());
}

void TestQtRedis::killWithCommandsPending()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    auto admin = startClient(server.url());
    QVERIFY(client->isConnected());
    QVERIFY(admin->isConnected());
    QSignalSpy disconnectedSpy(client.get(), &Connection::disconnected);

    // The BLPOP holds the connection, so the 99 commands behind it are really pending.
    QList<QFuture<Reply>> futures{client->command({"BLPOP", "afw:never", "0"})};
    std::vector<int> calls(100, 0);
    std::vector<Reply> replies(100);
    for (int i = 1; i < 100; ++i) {
        if (i % 2)
            futures.append(client->command({"INCR", "n"}));
        else
            client->command({"INCR", "n"}, this, [&calls, &replies, i](const Reply &r) {
                ++calls[size_t(i)];
                replies[size_t(i)] = r;
            });
    }
    QTRY_COMPARE(blockedClients(*admin), 1);
    QCOMPARE(client->pendingCount(), 100);

    server.stop(); // SIGKILL
    QTRY_COMPARE(client->pendingCount(), 0);
    QVERIFY(disconnectedSpy.size() == 1 || disconnectedSpy.wait(2000));
    for (const QFuture<Reply> &f : futures) {
        QVERIFY(f.isFinished());
        QCOMPARE(f.resultCount(), 1);
        QCOMPARE(f.result().failure, Reply::Failure::Disconnected);
    }
    int callbacks = 0;
    for (int i = 2; i < 100; i += 2) {
        QCOMPARE(calls[size_t(i)], 1);
        QCOMPARE(replies[size_t(i)].failure, Reply::Failure::Disconnected);
        ++callbacks;
    }
    QCOMPARE(futures.size() + callbacks, 100);

    // Back up: nothing completes a second time, the counter never moved.
    QSignalSpy connectedSpy(client.get(), &Connection::connected);
    QVERIFY2(server.restart(), qPrintable(server.errorString()));
    QVERIFY(connectedSpy.wait(5000));
    QVERIFY(await(client->command({"GET", "n"})).isNil());
    for (int i = 2; i < 100; i += 2)
        QCOMPARE(calls[size_t(i)], 1);
    QCOMPARE(disconnectedSpy.size(), 1);
}

void TestQtRedis::reconnectsAfterRestart()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url() + QStringLiteral("/5"));
    QVERIFY(client->isConnected());
    QSignalSpy connectedSpy(client.get(), &Connection::connected);
    QSignalSpy disconnectedSpy(client.get(), &Connection::disconnected);
    QVERIFY(await(client->command({"SET", "k", "before"})).isOk());

    server.stop(true); // SIGTERM this time
    QVERIFY(disconnectedSpy.wait(5000));
    QVERIFY(!client->isConnected());
    QCOMPARE(await(client->command({"GET", "k"})).failure, Reply::Failure::NotConnected);

    QVERIFY2(server.restart(), qPrintable(server.errorString()));
    QVERIFY(connectedSpy.wait(5000));
    QVERIFY(client->isConnected());
    QVERIFY(await(client->command({"GET", "k"})).isNil()); // no persistence
    QVERIFY(await(client->command({"SET", "k", "after"})).isOk());
    auto check = startClient(server.url() + QStringLiteral("/5")); // SELECT replayed
    QCOMPARE(await(check->command({"GET", "k"})), Reply::makeString("after"));
}

void TestQtRedis::subscriberSurvivesRestart()
{
    AFW_START_REDIS(server);
    auto publisher = startClient(server.url());
    QVERIFY(publisher->isConnected());

    Subscriber subscriber(parsed(server.url()), fastOptions());
    QSignalSpy subscribedSpy(&subscriber, &Subscriber::subscribed);
    QSignalSpy messageSpy(&subscriber, &Subscriber::message);
    QSignalSpy connectedSpy(&subscriber, &Connection::connected);
    QSignalSpy disconnectedSpy(&subscriber, &Connection::disconnected);
    subscriber.subscribe("afw:events"); // before connecting: remembered
    subscriber.start();
    QVERIFY(subscribedSpy.wait(5000));
    QCOMPARE(subscribedSpy.first().first().toByteArray(), QByteArray("afw:events"));
    QVERIFY(subscriber.isConnected());

    const QByteArray payload("{\"a\":1}\0\r\n", 10);
    QCOMPARE(await(publisher->command({"PUBLISH", "afw:events", payload})).integer, 1);
    QTRY_COMPARE(messageSpy.size(), 1); // may already be in while awaiting PUBLISH
    QCOMPARE(messageSpy.first().at(0).toByteArray(), QByteArray("afw:events"));
    QCOMPARE(messageSpy.first().at(1).toByteArray(), payload);

    subscriber.subscribe("afw:commands"); // while connected
    QTRY_COMPARE(subscribedSpy.size(), 2);
    QCOMPARE(await(publisher->command({"PUBLISH", "afw:commands", "ack"})).integer, 1);
    QTRY_COMPARE(messageSpy.size(), 2);
    QCOMPARE(messageSpy.at(1).at(1).toByteArray(), QByteArray("ack"));

    server.stop();
    QVERIFY(disconnectedSpy.wait(5000));
    QSignalSpy publisherUp(publisher.get(), &Connection::connected);
    QVERIFY2(server.restart(), qPrintable(server.errorString()));
    QTRY_COMPARE(subscribedSpy.size(), 4); // both channels again
    QCOMPARE(connectedSpy.size(), 2);
    QVERIFY(publisherUp.size() == 1 || publisherUp.wait(5000));
    QCOMPARE(await(publisher->command({"PUBLISH", "afw:events", "again"})).integer, 1);
    QTRY_COMPARE(messageSpy.size(), 3);
    QCOMPARE(messageSpy.at(2).at(1).toByteArray(), QByteArray("again"));
}

void TestQtRedis::deadContextDropsCallback()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());

    bool liveCalled = false;
    bool deadCalled = false;
    QObject live;
    auto *dead = new QObject;
    client->command({"PING"}, dead, [&](const Reply &) { deadCalled = true; });
    client->command({"PING"}, &live, [&](const Reply &r) { liveCalled = r.isStatus(); });
    delete dead;
    QVERIFY(await(client->command({"PING"})).isStatus()); // FIFO: both replies came before
    QVERIFY(liveCalled);
    QVERIFY(!deadCalled);

    // Same for immediate failures.
    server.stop();
    QTRY_VERIFY(!client->isConnected());
    auto *dead2 = new QObject;
    client->command({"PING"}, dead2, [&](const Reply &) { deadCalled = true; });
    delete dead2;
    bool failed = false;
    client->command({"PING"}, &live, [&](const Reply &r) { failed = r.isFailure(); });
    QTRY_VERIFY(failed);
    QVERIFY(!deadCalled);
}

void TestQtRedis::destroyedClientFailsPending()
{
    AFW_START_REDIS(server);
    auto client = startClient(server.url());
    QVERIFY(client->isConnected());
    QList<QFuture<Reply>> futures{client->command({"BLPOP", "afw:never", "0"})};
    int callbacks = 0;
    for (int i = 0; i < 10; ++i) {
        futures.append(client->command({"PING"}));
        client->command(
            {"PING"}, this, [&callbacks](const Reply &r) { callbacks += r.isFailure(); });
    }
    client.reset();
    for (const QFuture<Reply> &f : futures) {
        QVERIFY(f.isFinished());
        QCOMPARE(f.result().failure, Reply::Failure::Disconnected);
    }
    QCOMPARE(callbacks, 10);
}

void TestQtRedis::commandTimeout()
{
    AFW_START_REDIS(server);
    Options options = fastOptions();
    options.commandTimeoutMs = 300;
    options.connectTimeoutMs = 3000;
    auto client = startClient(server.url(), options);
    auto admin = startClient(server.url());
    QVERIFY(client->isConnected());
    QSignalSpy errors(client.get(), &Connection::errorOccurred);
    QSignalSpy disconnectedSpy(client.get(), &Connection::disconnected);
    QSignalSpy connectedSpy(client.get(), &Connection::connected);

    // Every client stalls for 1.5 s; the admin's own reply comes back at once.
    QVERIFY(await(admin->command({"CLIENT", "PAUSE", "1500"})).isOk());
    QElapsedTimer timer;
    timer.start();
    QList<QFuture<Reply>> futures;
    for (int i = 0; i < 5; ++i)
        futures.append(client->command({"INCR", "n"}));
    const Reply first = await(futures.first(), 3000);
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(first.failure, Reply::Failure::Timeout);
    QVERIFY2(elapsed >= 250 && elapsed < 1400, QByteArray::number(elapsed).constData());
    for (const QFuture<Reply> &f : futures) {
        QVERIFY(f.isFinished());
        QCOMPARE(f.result().failure, Reply::Failure::Timeout);
    }
    QCOMPARE(errors.size(), 1);
    QCOMPARE(disconnectedSpy.size(), 1);
    QCOMPARE(client->pendingCount(), 0);

    // A fresh connection once the pause is over.
    QVERIFY(connectedSpy.wait(5000));
    QVERIFY(await(client->command({"PING"})).isStatus());
}

void TestQtRedis::connectTimeout()
{
    // Accepts TCP connections and never says a word.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> accepted;
    connect(&silent, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *s = silent.nextPendingConnection())
            accepted.append(s);
    });
    Options options = fastOptions();
    options.connectTimeoutMs = 200;
    Client client(
        parsed(QStringLiteral("redis://127.0.0.1:") + QString::number(silent.serverPort())),
        options);
    QSignalSpy errors(&client, &Connection::errorOccurred);
    QSignalSpy connectedSpy(&client, &Connection::connected);
    client.start();
    QVERIFY(errors.wait(3000));
    QVERIFY2(errors.first().first().toString().contains(QLatin1String("timed out")),
             qPrintable(errors.first().first().toString()));
    QTRY_VERIFY(accepted.size() >= 2); // gave up on the first socket and tried again
    QCOMPARE(connectedSpy.size(), 0);
    QCOMPARE(await(client.command({"PING"})).failure, Reply::Failure::NotConnected);
}

QTEST_GUILESS_MAIN(TestQtRedis)
#include "tst_qtredis.moc"

// SPDX-License-Identifier: MIT
// The daemon on Redis when Redis is not there, goes away, or answers with errors:
// 503 (never a hang, never a crash), automatic reconnect and resubscribe, 500 for
// errors and corrupt data without taking the rest of the API down.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QWebSocket>

#include <memory>

#include "testdaemon.h"
#include "http.h"
#include "wsclient.h"
#include "redisclient.h"
#include "redisserver.h"
#include "storage/storage.h"
#include "timeutil.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Test::http;

namespace {

constexpr int kWaitMs = 5000;
constexpr qint64 kAnswerBoundMs = 1000; // a request while Redis is down answers within this

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray eventBody(const QString &sessionId)
{
    return json({{"sessionId"_L1, sessionId}, {"type"_L1, "step:started"_L1}, {"timestamp"_L1, nowIso()}});
}

Redis::Reply await(const QFuture<Redis::Reply> &f)
{
    return Test::awaitReply(f, kWaitMs);
}

using Afw::Test::WsClient;

// POSTs events one after the other, recording each status and the slowest answer.
class Poster : public QObject
{
public:
    Poster(QNetworkAccessManager &nam, const QUrl &url, const QString &sessionId)
        : m_nam(nam), m_url(url), m_sessionId(sessionId)
    {
    }
    void start() { next(); }
    void stop() { m_stopping = true; }

    bool stopped = false;
    QHash<int, int> statuses;
    qint64 slowestMs = 0;
    QByteArray last503Body;

private:
    void next()
    {
        if (m_stopping) {
            stopped = true;
            return;
        }
        QNetworkRequest req(m_url);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        QNetworkReply *reply = m_nam.post(req, eventBody(m_sessionId));
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        connect(reply, &QNetworkReply::finished, this, [this, reply, timer] {
            reply->deleteLater();
            slowestMs = qMax(slowestMs, timer->elapsed());
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            ++statuses[status];
            if (status == 503)
                last503Body = reply->readAll();
            next();
        });
    }

    QNetworkAccessManager &m_nam;
    QUrl m_url;
    QString m_sessionId;
    bool m_stopping = false;
};

} // namespace

class TestRedisOutage : public QObject
{
    Q_OBJECT

    Test::DaemonFixture m_fixture;
    QNetworkAccessManager m_nam;
    int m_counter = 0;

    QString uid(const char *base) { return QLatin1String(base) + u'-' + QString::number(++m_counter); }
    static QUrl url(const Daemon &d, const QString &path) { return Test::DaemonFixture::url(d, path); }
    // A daemon on a Redis that may be down on purpose: not waited for.
    std::unique_ptr<Daemon> startDaemon(const QString &redisUrl)
    {
        Config c;
        c.redisUrl = redisUrl;
        c.redisPrefix = u"afw-test:"_s;
        return m_fixture.start(c, {.redis = true, .waitForStorage = false});
    }

private Q_SLOTS:
    void initTestCase()
    {
        AFW_REQUIRE_REDIS_SERVER();
    }

    void badUrlIsAStartupError()
    {
        for (const QString &bad : {u"rediss://127.0.0.1:6379"_s, u"redis://127.0.0.1:notaport"_s}) {
            Config c;
            c.port = 0;
            c.redisUrl = bad;
            Daemon d(c);
            QString error;
            QVERIFY(!d.start(&error));
            QVERIFY2(error.contains("REDIS_URL"_L1), qPrintable(error));
        }
    }

    void redisDownAtStartup()
    {
        Test::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.stop(); // its port, with nothing listening
        auto d = startDaemon(server.url());
        QVERIFY(d);

        const auto health = http(m_nam, "GET", url(*d, u"/health"_s));
        QCOMPARE(health.status, 503);
        QCOMPARE(health.json().value("status"_L1).toString(), u"degraded"_s);
        QCOMPARE(health.json().value("storage"_L1).toString(), u"redis"_s);
        QVERIFY(!health.json().value("reason"_L1).toString().isEmpty());

        const QString id = uid("down");
        const QList<std::pair<QByteArray, QString>> calls{
            {"GET", u"/api/sessions"_s},
            {"GET", u"/api/sessions/"_s + id},
            {"POST", u"/api/sessions"_s},
            {"POST", u"/api/events"_s},
            {"GET", u"/api/events/"_s + id},
            {"GET", u"/api/commands/%1/commands"_s.arg(id)},
            {"GET", u"/api/sessions/%1/ttl"_s.arg(id)},
        };
        for (const auto &[method, path] : calls) {
            QElapsedTimer t;
            t.start();
            const QByteArray body = path == "/api/events"_L1 ? eventBody(id)
                                    : method == "POST"       ? json({{"cwd"_L1, "/x"_L1}})
                                                             : QByteArray();
            const auto r = http(m_nam, method, url(*d, path), body);
            const qint64 ms = t.elapsed();
            QCOMPARE(r.status, 503);
            QCOMPARE(r.json().value("error"_L1).toString(), u"Storage unavailable"_s);
            QVERIFY2(ms < kAnswerBoundMs, qPrintable(u"%1 %2 took %3 ms"_s.arg(QString::fromLatin1(method), path).arg(ms)));
        }

        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(http(m_nam, "GET", url(*d, u"/health"_s)).status, 200, kWaitMs);
        QCOMPARE(http(m_nam, "POST", url(*d, u"/api/sessions"_s), json({{"cwd"_L1, "/x"_L1}, {"id"_L1, id}})).status, 201);
        const auto posted = http(m_nam, "POST", url(*d, u"/api/events"_s), eventBody(id));
        QCOMPARE(posted.status, 201);
        QCOMPARE(posted.json().value("seq"_L1).toInt(), 1);
        QCOMPARE(http(m_nam, "GET", url(*d, u"/api/events/"_s + id)).json().value("count"_L1).toInt(), 1);
    }

    void redisKilledWhileInUse()
    {
        Test::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        auto d = startDaemon(server.url());
        QVERIFY(d);
        QTRY_VERIFY_WITH_TIMEOUT(d->storage()->isAvailable(), kWaitMs);

        const QString id = uid("killed");
        WsClient ws;
        QVERIFY((ws.open(d->port()) && ws.subscribe(id)));
        Poster poster(m_nam, url(*d, u"/api/events"_s), id);
        poster.start();
        QTRY_VERIFY_WITH_TIMEOUT(poster.statuses.value(201) >= 5, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(ws.count(u"event"_s, id) >= 5, kWaitMs);

        server.stop(); // SIGKILL while requests are in flight
        QTRY_VERIFY_WITH_TIMEOUT(poster.statuses.value(503) >= 5, kWaitMs);
        QCOMPARE(http(m_nam, "GET", url(*d, u"/health"_s)).status, 503);
        QVERIFY(QJsonDocument::fromJson(poster.last503Body).isObject());

        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(http(m_nam, "GET", url(*d, u"/health"_s)).status, 200, kWaitMs);
        const int createdBefore = poster.statuses.value(201);
        QTRY_VERIFY_WITH_TIMEOUT(poster.statuses.value(201) >= createdBefore + 5, kWaitMs);
        poster.stop();
        QTRY_VERIFY_WITH_TIMEOUT(poster.stopped, kWaitMs);

        // Only "stored" or "unavailable", and every answer within the bound.
        for (auto it = poster.statuses.cbegin(); it != poster.statuses.cend(); ++it)
            QVERIFY2(it.key() == 201 || it.key() == 503, qPrintable(u"status %1"_s.arg(it.key())));
        QVERIFY2(poster.slowestMs < kAnswerBoundMs, qPrintable(u"slowest %1 ms"_s.arg(poster.slowestMs)));

        // The WebSocket client stayed connected; events after recovery reach it.
        QCOMPARE(ws.disconnects, 0);
        QCOMPARE(ws.socket.state(), QAbstractSocket::ConnectedState);
        const qsizetype seen = ws.count(u"event"_s, id);
        const auto marker = http(m_nam, "POST", url(*d, u"/api/events"_s),
                                 json({{"sessionId"_L1, id}, {"type"_L1, "after:recovery"_L1}, {"timestamp"_L1, nowIso()}}));
        QCOMPARE(marker.status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(ws.count(u"event"_s, id) > seen, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(ws.frames.last().value("payload"_L1).toObject().value("type"_L1).toString(),
                                  u"after:recovery"_s, kWaitMs);
    }

    void redisErrorsAreServerErrors()
    {
        Test::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        auto d = startDaemon(server.url());
        QVERIFY(d);
        QTRY_VERIFY_WITH_TIMEOUT(d->storage()->isAvailable(), kWaitMs);
        Redis::Client raw(*Redis::RedisUrl::parse(server.url()));
        raw.start();
        QTRY_VERIFY_WITH_TIMEOUT(raw.isConnected(), kWaitMs);

        // A key of the wrong type (someone else wrote it).
        const QString wrong = uid("wrongtype");
        QVERIFY(await(raw.command({"SET", "afw-test:events:" + wrong.toUtf8(), "not a list"})).isOk());
        auto r = http(m_nam, "POST", url(*d, u"/api/events"_s), eventBody(wrong));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.json().value("error"_L1).toString(), u"Storage error"_s);
        QVERIFY(r.json().value("message"_L1).toString().contains("WRONGTYPE"_L1));
        QCOMPARE(http(m_nam, "GET", url(*d, u"/api/events/"_s + wrong)).status, 500);

        // Corrupt JSON in a session record: 500 for it, the listing skips it.
        const QString good = uid("good"), corrupt = uid("corrupt");
        QCOMPARE(http(m_nam, "POST", url(*d, u"/api/sessions"_s), json({{"cwd"_L1, "/x"_L1}, {"id"_L1, good}})).status, 201);
        QVERIFY(await(raw.command({"SET", "afw-test:sessions:" + corrupt.toUtf8(), "{not json"})).isOk());
        QCOMPARE(await(raw.command({"ZADD", "afw-test:session-index", QByteArray::number(nowMs()), corrupt.toUtf8()})).integer, 1);
        r = http(m_nam, "GET", url(*d, u"/api/sessions/"_s + corrupt));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.json().value("error"_L1).toString(), u"Storage error"_s);
        const auto list = http(m_nam, "GET", url(*d, u"/api/sessions"_s));
        QCOMPARE(list.status, 200);
        QStringList ids;
        for (const QJsonValue &v : list.json().value("sessions"_L1).toArray())
            ids.append(v.toObject().value("id"_L1).toString());
        QCOMPARE(ids, QStringList{good});

        // Still alive and well.
        QCOMPARE(http(m_nam, "GET", url(*d, u"/health"_s)).status, 200);
        QCOMPARE(http(m_nam, "POST", url(*d, u"/api/events"_s), eventBody(good)).status, 201);
    }
};

QTEST_GUILESS_MAIN(TestRedisOutage)
#include "tst_redis_outage.moc"

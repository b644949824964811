// SPDX-License-Identifier: MIT
// Every REST route and status code of API.md, over the real wire, against an
// in-process afwd (port 0). Each test function (and each data row) gets a fresh
// daemon from init(), so tests are independent and "nothing changed" can be checked
// by reading the whole state back.
// Backend: memory by default; AFW_TEST_BACKEND=redis runs the same tests against one
// real redis-server, every daemon with its own key prefix.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSet>
#include <QTcpSocket>
#include <QTest>
#include <QTestEventLoop>

#include <algorithm>

#include <memory>

#include "config.h"
#include "daemon.h"
#include "http.h"
#include "redisserver.h"
#include "storage/storage.h"
#include "timeutil.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::HttpResult;

namespace {
using Headers = QList<std::pair<QByteArray, QByteArray>>;

const QByteArray kApiKey = "s3cret-key_for.tests";
const QByteArray kKeyedOrigin = "https://dash.example";

// JSON written with ' for " (readable tables; moc's tokenizer trips on some raw strings).
QByteArray q(const char *json)
{
    return QByteArray(json).replace('\'', '"');
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray compact(const QJsonArray &a)
{
    return QJsonDocument(a).toJson(QJsonDocument::Compact);
}

QJsonObject makeEvent(const QString &sid, const QString &type, const QString &ts, QJsonObject extra = {})
{
    extra.insert(u"sessionId"_s, sid);
    extra.insert(u"type"_s, type);
    extra.insert(u"timestamp"_s, ts);
    return extra;
}

// 2026-03-01T10:00:00.000Z plus an offset in ms: fixed times for the fold.
QString t0(qint64 plusMs = 0)
{
    return isoFromMs(*parseIsoTimestamp(u"2026-03-01T10:00:00.000Z") + plusMs);
}

QStringList keys(const QJsonObject &o)
{
    QStringList k = o.keys();
    k.sort();
    return k;
}

QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

bool isServerIso(const QString &s)
{
    static const QRegularExpression re(u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"_s);
    return re.match(s).hasMatch();
}

QStringList ids(const QJsonArray &arr)
{
    QStringList out;
    for (const auto &v : arr)
        out << v.toObject().value(u"id"_s).toString();
    return out;
}

QList<qint64> seqs(const QJsonArray &arr)
{
    QList<qint64> out;
    for (const auto &v : arr)
        out << v.toObject().value(u"seq"_s).toInteger();
    return out;
}

// -1 when the series is absent.
qint64 metricValue(const QByteArray &text, const QByteArray &series)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).trimmed().toLongLong();
    }
    return -1;
}

// One request written byte for byte on a plain socket: for request targets that
// QUrl/QNetworkAccessManager would rewrite (".." segments, %00) and for chunked
// uploads. Waits (event loop running) for a complete response or a close.
HttpResult rawHttp(quint16 port, const QByteArray &request, int timeoutMs = 10000)
{
    QTcpSocket socket;
    QByteArray buf;
    auto complete = [&buf] {
        const qsizetype end = buf.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        static const QRegularExpression re(u"\\r\\ncontent-length:\\s*(\\d+)"_s,
                                           QRegularExpression::CaseInsensitiveOption);
        const auto m = re.match(QString::fromLatin1(buf.left(end + 2)));
        return m.hasMatch() && buf.size() >= end + 4 + m.captured(1).toLongLong();
    };
    // The same wait as QSignalSpy::wait, ended by whichever comes first.
    QTestEventLoop loop;
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        buf += socket.readAll();
        if (complete())
            loop.exitLoop();
    });
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QTestEventLoop::exitLoop);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QTestEventLoop::exitLoop);
    socket.connectToHost(QHostAddress::LocalHost, port);
    socket.write(request);
    loop.enterLoopMSecs(timeoutMs);
    buf += socket.readAll();
    HttpResult r;
    const qsizetype end = buf.indexOf("\r\n\r\n");
    if (end < 0) {
        r.networkError = u"no complete response"_s;
        return r;
    }
    const QList<QByteArray> lines = buf.left(end).split('\n');
    r.status = lines.value(0).split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    r.body = buf.mid(end + 4);
    socket.abort();
    return r;
}

QByteArray chunked(const QByteArray &method, const QByteArray &target, const QByteArray &body,
                   qsizetype chunkSize)
{
    QByteArray out = method + ' ' + target
                     + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n";
    for (qsizetype i = 0; i < body.size(); i += chunkSize) {
        const QByteArray part = body.mid(i, chunkSize);
        out += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// A valid event padded to about `size` bytes.
QByteArray paddedEvent(const QString &sid, qsizetype size)
{
    QByteArray e = compact(makeEvent(sid, u"file:modified"_s, nowIso(), {{u"pad"_s, QString()}}));
    e.insert(e.indexOf("\"pad\":\"") + 7, QByteArray(std::max<qsizetype>(0, size - e.size()), 'x'));
    return e;
}
} // namespace

// A failed check inside a helper ends the calling test too.
#define CHECKED(call)                                                                              \
    do {                                                                                           \
        call;                                                                                      \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

class TestHttpApi : public QObject
{
    Q_OBJECT

    QNetworkAccessManager m_nam;
    std::unique_ptr<Daemon> m_daemon; // fresh for every test function and data row
    std::unique_ptr<Daemon> m_keyed;  // apiKey and a CORS origin configured
    std::unique_ptr<Daemon> m_small;  // maxBodyBytes 4096
    int m_counter = 0;
    // AFW_TEST_BACKEND=redis: one server for the suite, a fresh key prefix per daemon.
    const bool m_useRedis = qgetenv("AFW_TEST_BACKEND") == "redis";
    std::unique_ptr<Afw::Test::RedisServer> m_redis;
    int m_prefixCounter = 0;
    QString m_lastPrefix;   // of the daemon start() made last
    QString m_daemonPrefix; // of m_daemon

    QString backend() const { return m_useRedis ? u"redis"_s : u"memory"_s; }

    std::unique_ptr<Daemon> start(Config config)
    {
        config.host = u"127.0.0.1"_s;
        config.port = 0;
        if (m_useRedis) {
            config.redisUrl = m_redis->url();
            // A prefix of its own unless the test shares another daemon's (a twin).
            if (config.redisPrefix == Config{}.redisPrefix)
                config.redisPrefix = u"t%1:"_s.arg(++m_prefixCounter);
            m_lastPrefix = config.redisPrefix;
        }
        auto d = std::make_unique<Daemon>(config);
        QString error;
        if (!d->start(&error)) {
            qWarning() << "daemon did not start:" << error;
            return nullptr;
        }
        // The Redis backend connects asynchronously.
        if (!QTest::qWaitFor([&d] { return d->storage()->isAvailable(); }, 5000)) {
            qWarning() << "storage not available within 5 s";
            return nullptr;
        }
        return d;
    }

    // A storage future, waited for with the event loop running (Redis replies need it).
    template<typename T>
    static T await(const QFuture<T> &f)
    {
        if (!QTest::qWaitFor([&f] { return f.isFinished(); }, 5000))
            qWarning() << "storage call did not finish within 5 s";
        return f.result();
    }

    QString uid(const char *base) { return QLatin1String(base) + u"-t"_s + QString::number(++m_counter); }

    QUrl url(const QString &pathAndQuery, const Daemon *d = nullptr) const
    {
        return QUrl(u"http://127.0.0.1:"_s + QString::number((d ? d : m_daemon.get())->port()) + pathAndQuery);
    }

    HttpResult req(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const Headers &headers = {}, const Daemon *d = nullptr)
    {
        return Afw::Test::http(m_nam, method, url(path, d), body, headers);
    }
    HttpResult get(const QString &path, const Headers &headers = {}) { return req("GET", path, {}, headers); }
    HttpResult post(const QString &path, const QByteArray &body) { return req("POST", path, body); }
    HttpResult post(const QString &path, const QJsonObject &body) { return req("POST", path, compact(body)); }
    HttpResult put(const QString &path, const QJsonObject &body) { return req("PUT", path, compact(body)); }
    HttpResult del(const QString &path) { return req("DELETE", path); }

    // Another daemon on m_daemon's data: with Redis, the same server and key prefix (two
    // instances behind one Redis); with memory there is no such thing (nullptr).
    std::unique_ptr<Daemon> twin()
    {
        if (!m_useRedis)
            return nullptr;
        Config config;
        config.redisPrefix = m_daemonPrefix;
        return start(config);
    }

    // A session through POST /api/sessions, checked.
    QJsonObject createSession(const QString &id, QJsonObject extra = {})
    {
        extra.insert(u"id"_s, id);
        if (!extra.contains(u"cwd"_s))
            extra.insert(u"cwd"_s, QString(u"/work/"_s + id));
        const HttpResult r = post(u"/api/sessions"_s, extra);
        if (r.status != 201)
            qWarning() << "createSession" << id << r.status << r.body;
        return r.json();
    }

    // Posts an event and returns its seq (-1 on failure).
    qint64 postEvent(const QJsonObject &e)
    {
        const HttpResult r = post(u"/api/events"_s, e);
        if (r.status != 201) {
            qWarning() << "postEvent" << r.status << r.body;
            return -1;
        }
        return r.json().value(u"seq"_s).toInteger();
    }

    QJsonArray events(const QString &sid, const QString &query = {})
    {
        return get(u"/api/events/"_s + sid + query).json().value(u"events"_s).toArray();
    }

    qint64 eventsIngested(const Daemon *d = nullptr)
    {
        return metricValue(req("GET", u"/metrics"_s, {}, {}, d).body, "afw_events_ingested_total");
    }

    // Everything a client can read about the daemon's state around one session (the
    // session record carries the folded chains, the list carries users).
    QByteArray snapshot(const QString &sid)
    {
        QByteArray out;
        const QStringList paths{u"/api/sessions"_s,
                                u"/api/sessions/"_s + sid,
                                u"/api/events/"_s + sid,
                                u"/api/sessions/"_s + sid + u"/commands?peek=true"_s,
                                u"/api/sessions/"_s + sid + u"/input?peek=true"_s};
        for (const QString &p : paths) {
            const HttpResult r = get(p);
            out += p.toUtf8() + " -> " + QByteArray::number(r.status) + ' ' + r.body + '\n';
        }
        out += "ingested " + QByteArray::number(eventsIngested()) + '\n';
        return out;
    }

    // A JSON error answer: status, JSON content type, CORS, an "error" text.
    static void verifyError(const HttpResult &r, int status, const QString &error = {},
                            const QByteArray &origin = "*")
    {
        QVERIFY2(r.status == status, qPrintable(u"status %1 (want %2), body %3"_s.arg(r.status).arg(status)
                                                    .arg(QString::fromUtf8(r.body))));
        QVERIFY2(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type").constData());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), origin);
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(r.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError && doc.isObject(), r.body.constData());
        const QString got = doc.object().value(u"error"_s).toString();
        QVERIFY2(!got.isEmpty(), r.body.constData());
        if (!error.isEmpty())
            QCOMPARE(got, error);
    }

    void verifyAlive(const Daemon *d = nullptr)
    {
        const HttpResult h = req("GET", u"/health"_s, {}, {}, d);
        QCOMPARE(h.status, 200);
        QCOMPARE(h.json().value(u"status"_s).toString(), u"ok"_s);
    }

    // A victim session with events, a command and an input: the state a bad request
    // must leave untouched.
    void seedVictim(const QString &sid)
    {
        QCOMPARE(createSession(sid, {{u"userId"_s, u"vic-user"_s}}).value(u"id"_s).toString(), sid);
        QCOMPARE(postEvent(makeEvent(sid, u"chain:compiled"_s, nowIso(), {{u"chainId"_s, u"vc"_s}})), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"step:started"_s, nowIso(), {{u"stepNumber"_s, 1}})), 2);
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}}).status, 201);
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"y"_s}}).status, 201);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(u"afw.*.info=false"_s);
        m_nam.setProxy(QNetworkProxy::NoProxy);
        const QByteArray backendEnv = qgetenv("AFW_TEST_BACKEND");
        QVERIFY2(backendEnv.isEmpty() || backendEnv == "memory" || backendEnv == "redis",
                 qPrintable(u"AFW_TEST_BACKEND must be memory or redis, not "_s + QString::fromLocal8Bit(backendEnv)));
        if (m_useRedis) {
            AFW_REQUIRE_REDIS_SERVER();
            m_redis = std::make_unique<Afw::Test::RedisServer>();
            QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        }
        qInfo() << "storage backend:" << backend();
        Config keyed;
        keyed.apiKey = QString::fromLatin1(kApiKey);
        keyed.corsOrigin = QString::fromLatin1(kKeyedOrigin);
        m_keyed = start(keyed);
        QVERIFY(m_keyed);
        Config small;
        small.maxBodyBytes = 4096;
        m_small = start(small);
        QVERIFY(m_small);
    }

    void init()
    {
        m_daemon = start(Config{});
        m_daemonPrefix = m_lastPrefix;
        QVERIFY(m_daemon);
        QVERIFY(m_daemon->port() != 0);
    }

    void cleanup() { m_daemon.reset(); }

    void cleanupTestCase()
    {
        m_keyed.reset();
        m_small.reset();
        m_redis.reset();
    }

    // ------------------------------------------------------------ health, metrics

    void health()
    {
        const HttpResult r = get(u"/health"_s);
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"status"_s, u"timestamp"_s, u"uptime"_s, u"storage"_s, u"version"_s}));
        QCOMPARE(o.value(u"status"_s).toString(), u"ok"_s);
        QCOMPARE(o.value(u"storage"_s).toString(), backend());
        QCOMPARE(o.value(u"version"_s).toString(), QStringLiteral(AFW_VERSION));
        QVERIFY(o.value(u"uptime"_s).isDouble());
        QVERIFY(o.value(u"uptime"_s).toDouble() >= 0);
        QVERIFY2(isServerIso(o.value(u"timestamp"_s).toString()), qPrintable(o.value(u"timestamp"_s).toString()));
        QVERIFY(qAbs(*parseIsoTimestamp(o.value(u"timestamp"_s).toString()) - nowMs()) < 5000);
    }

    void metrics()
    {
        get(u"/health"_s);
        get(u"/no/such/route"_s);
        HttpResult r = get(u"/metrics"_s);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type").constData());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QVERIFY(r.body.contains("# TYPE afw_http_requests_total counter\n"));
        QVERIFY(r.body.contains("# TYPE afw_http_request_duration_seconds histogram\n"));
        QVERIFY(r.body.contains("# TYPE afw_events_ingested_total counter\n"));
        const QByteArray healthSeries = q("afw_http_requests_total{route='/health',status='200'}");
        const qint64 healthCount = metricValue(r.body, healthSeries);
        QCOMPARE(healthCount, 1);
        QCOMPARE(metricValue(r.body, q("afw_http_requests_total{route='unmatched',status='404'}")), 1);
        QVERIFY(metricValue(r.body, q("afw_http_request_duration_seconds_count{route='/health'}")) >= 1);
        QVERIFY(r.body.contains(q("afw_http_request_duration_seconds_bucket{route='/health',le='+Inf'} ")));
        QVERIFY(r.body.contains(QByteArray(q("afw_storage_up{backend='") + backend().toLatin1() + q("'} 1"))));
        const qint64 before = metricValue(r.body, "afw_events_ingested_total");
        QCOMPARE(before, 0);

        get(u"/health"_s);
        const QString sid = uid("metrics");
        QCOMPARE(postEvent(makeEvent(sid, u"x:y"_s, nowIso())), 1);
        QCOMPARE(post(u"/api/events/batch"_s, compact(QJsonArray{makeEvent(sid, u"a"_s, nowIso()),
                                                                 makeEvent(sid, u"b"_s, nowIso())}))
                     .status,
                 201);
        r = get(u"/metrics"_s);
        QCOMPARE(metricValue(r.body, healthSeries), healthCount + 1);
        QCOMPARE(metricValue(r.body, "afw_events_ingested_total"), before + 3);
        QCOMPARE(metricValue(r.body, q("afw_http_requests_total{route='/api/events',status='201'}")), 1);
        QCOMPARE(metricValue(r.body, q("afw_http_requests_total{route='/api/events/batch',status='201'}")), 1);
        // A rejected event is counted as a request, not as an ingested event.
        QCOMPARE(post(u"/api/events"_s, QByteArray("{}")).status, 400);
        r = get(u"/metrics"_s);
        QCOMPARE(metricValue(r.body, "afw_events_ingested_total"), before + 3);
        QCOMPARE(metricValue(r.body, q("afw_http_requests_total{route='/api/events',status='400'}")), 1);
    }

    // ------------------------------------------------------------ sessions

    void createSessionServerId()
    {
        const qint64 before = nowMs();
        const HttpResult r = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/home/me/proj"_s},
                                                                   {u"hostname"_s, u"box"_s},
                                                                   {u"platform"_s, u"linux"_s},
                                                                   {u"userId"_s, u"alice"_s}});
        const qint64 after = nowMs();
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QJsonObject s = r.json();
        // Unknown optional fields are omitted, not null. v1.1: the whole session object,
        // chains (empty) and the derived counters included.
        QCOMPARE(keys(s), sorted({u"id"_s, u"cwd"_s, u"hostname"_s, u"platform"_s, u"user"_s, u"status"_s,
                                  u"startedAt"_s, u"chains"_s, u"totalStepsExecuted"_s,
                                  u"totalChainsCompleted"_s, u"criticalErrors"_s}));
        QCOMPARE(s.value(u"chains"_s), QJsonValue(QJsonArray{}));
        QVERIFY(!s.contains(u"currentChain"_s));
        static const QRegularExpression re(u"^session-(\\d{13})-[0-9a-z]+$"_s);
        const auto m = re.match(s.value(u"id"_s).toString());
        QVERIFY2(m.hasMatch(), qPrintable(s.value(u"id"_s).toString()));
        const qint64 ms = m.captured(1).toLongLong();
        QVERIFY(ms >= before && ms <= after);
        QCOMPARE(s.value(u"status"_s).toString(), u"pending"_s);
        QCOMPARE(s.value(u"cwd"_s).toString(), u"/home/me/proj"_s);
        QCOMPARE(s.value(u"user"_s).toString(), u"alice"_s);
        QCOMPARE(s.value(u"hostname"_s).toString(), u"box"_s);
        QCOMPARE(s.value(u"platform"_s).toString(), u"linux"_s);
        QVERIFY(isServerIso(s.value(u"startedAt"_s).toString()));
        QCOMPARE(*parseIsoTimestamp(s.value(u"startedAt"_s).toString()), ms);

        // A second one gets another id; both are readable.
        const QJsonObject s2 = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/x"_s}}).json();
        QVERIFY(re.match(s2.value(u"id"_s).toString()).hasMatch());
        QVERIFY(s2.value(u"id"_s) != s.value(u"id"_s));
        QVERIFY(!s2.contains(u"user"_s));
        QVERIFY(!s2.contains(u"hostname"_s));
        const HttpResult g = get(u"/api/sessions/"_s + s.value(u"id"_s).toString());
        QCOMPARE(g.status, 200);
        QCOMPARE(g.json(), s); // what POST answered is the session object GET gives
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 2);
    }

    void createSessionGivenIdIsIdempotent()
    {
        const QString id = uid("given");
        const HttpResult first = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/a"_s}, {u"id"_s, id}});
        QCOMPARE(first.status, 201);
        QCOMPARE(first.json().value(u"id"_s).toString(), id);
        const HttpResult again = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/b"_s}, {u"id"_s, id},
                                                                      {u"userId"_s, u"bob"_s}});
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json(), first.json());
        const QJsonObject stored = get(u"/api/sessions/"_s + id).json();
        QCOMPARE(stored.value(u"cwd"_s).toString(), u"/a"_s);
        QVERIFY(!stored.contains(u"user"_s));
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 1);
        // The longest valid id is accepted.
        const QString longest(128, u'z');
        QCOMPARE(post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/a"_s}, {u"id"_s, longest}}).status, 201);
        QCOMPARE(get(u"/api/sessions/"_s + longest).status, 200);
        const QString allChars = u"Az09._:@-"_s + uid("chars");
        QCOMPARE(post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/a"_s}, {u"id"_s, allChars}}).status, 201);
        QCOMPARE(get(u"/api/sessions/"_s + allChars).json().value(u"id"_s).toString(), allChars);
    }

    void listSessions()
    {
        const qint64 now = nowMs();
        const QString oldS = uid("old"), midS = uid("mid"), newS = uid("new"), fresh = uid("fresh");
        // session:started creates sessions with the event's time: a known order.
        QCOMPARE(postEvent(makeEvent(oldS, u"session:started"_s, isoFromMs(now - 3 * 3600000),
                                 {{u"cwd"_s, u"/o"_s}, {u"user"_s, u"alice"_s}})), 1);
        QCOMPARE(postEvent(makeEvent(midS, u"session:started"_s, isoFromMs(now - 2 * 3600000),
                                 {{u"cwd"_s, u"/m"_s}, {u"user"_s, u"bob"_s}, {u"hostname"_s, u"h"_s}})), 1);
        QCOMPARE(postEvent(makeEvent(newS, u"session:started"_s, isoFromMs(now - 3600000),
                                 {{u"cwd"_s, u"/n"_s}, {u"user"_s, u"alice"_s}})), 1);
        QCOMPARE(createSession(fresh).value(u"status"_s).toString(), u"pending"_s);
        QCOMPARE(put(u"/api/sessions/"_s + midS, {{u"status"_s, u"completed"_s}}).status, 200);
        postEvent(makeEvent(newS, u"chain:compiled"_s, nowIso(), {{u"chainId"_s, u"c1"_s}}));
        postEvent(makeEvent(newS, u"chain:compiled"_s, nowIso(), {{u"chainId"_s, u"c2"_s}}));

        HttpResult r = get(u"/api/sessions"_s);
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"count"_s, u"sessions"_s}));
        QCOMPARE(o.value(u"count"_s).toInt(), 4);
        const QJsonArray rows = o.value(u"sessions"_s).toArray();
        QCOMPARE(ids(rows), (QStringList{fresh, newS, midS, oldS}));
        QCOMPARE(keys(rows.at(0).toObject()),
                 sorted({u"id"_s, u"status"_s, u"cwd"_s, u"startedAt"_s, u"chainsCount"_s}));
        QCOMPARE(keys(rows.at(2).toObject()), sorted({u"id"_s, u"status"_s, u"cwd"_s, u"user"_s, u"hostname"_s,
                                                      u"startedAt"_s, u"endedAt"_s, u"chainsCount"_s}));
        QCOMPARE(rows.at(1).toObject().value(u"chainsCount"_s).toInt(), 2);
        QCOMPARE(rows.at(3).toObject().value(u"chainsCount"_s).toInt(), 0);
        QCOMPARE(rows.at(1).toObject().value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(rows.at(3).toObject().value(u"startedAt"_s).toString(), isoFromMs(now - 3 * 3600000));

        auto listIds = [this](const QString &query) {
            const QJsonObject o = get(u"/api/sessions"_s + query).json();
            const QJsonArray a = o.value(u"sessions"_s).toArray();
            return o.value(u"count"_s).toInt() == a.size() ? ids(a) : QStringList{u"count mismatch"_s};
        };
        QCOMPARE(listIds(u"?status=completed"_s), QStringList{midS});
        QCOMPARE(listIds(u"?status=in_progress"_s), (QStringList{newS, oldS}));
        QCOMPARE(listIds(u"?status=pending"_s), QStringList{fresh});
        QCOMPARE(listIds(u"?status=failed"_s), QStringList{});
        QCOMPARE(listIds(u"?user=alice"_s), (QStringList{newS, oldS}));
        QCOMPARE(listIds(u"?user=bob&status=in_progress"_s), QStringList{});
        QCOMPARE(listIds(u"?user=nobody"_s), QStringList{});
        QCOMPARE(listIds(u"?limit=2"_s), (QStringList{fresh, newS}));
        QCOMPARE(listIds(u"?limit=1&user=alice"_s), QStringList{newS});
        QCOMPARE(listIds(u"?limit=1000"_s).size(), 4);

        // Default limit 100.
        QJsonArray many;
        for (int i = 0; i < 100; ++i)
            many.append(makeEvent(uid("many"), u"session:started"_s, isoFromMs(now - 4 * 3600000 - i),
                                  {{u"cwd"_s, u"/m"_s}}));
        QCOMPARE(post(u"/api/events/batch"_s, compact(many)).status, 201);
        o = get(u"/api/sessions"_s).json();
        QCOMPARE(o.value(u"count"_s).toInt(), 100);
        QCOMPARE(ids(o.value(u"sessions"_s).toArray()).mid(0, 4), (QStringList{fresh, newS, midS, oldS}));
        QCOMPARE(listIds(u"?limit=1000"_s).size(), 104);
    }

    void getSessionUnknown()
    {
        const QString id = uid("absent");
        const HttpResult r = get(u"/api/sessions/"_s + id);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), id);
        // Reading does not create it.
        CHECKED(verifyError(get(u"/api/sessions/"_s + id + u"/chains"_s), 404, u"Session not found"_s));
        QCOMPARE(get(u"/api/events/"_s + id).json().value(u"count"_s).toInt(), 0);
        CHECKED(verifyError(get(u"/api/sessions/"_s + id), 404, u"Session not found"_s));
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 0);
    }

    void updateSession()
    {
        const QString id = uid("upd");
        const QJsonObject created = createSession(id);
        HttpResult r = put(u"/api/sessions/"_s + id, {{u"status"_s, u"in_progress"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"status"_s).toString(), u"in_progress"_s);
        QVERIFY(!r.json().contains(u"endedAt"_s));
        QVERIFY(!r.json().contains(u"duration"_s));

        r = put(u"/api/sessions/"_s + id, {{u"summary"_s, u"did things"_s}, {u"endReason"_s, u"user-exit"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(r.json().value(u"summary"_s).toString(), u"did things"_s);
        QCOMPARE(r.json().value(u"endReason"_s).toString(), u"user-exit"_s);

        r = put(u"/api/sessions/"_s + id, {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"summary"_s).toString(), u"did things"_s);

        const qint64 before = nowMs();
        r = put(u"/api/sessions/"_s + id, {{u"status"_s, u"completed"_s}});
        QCOMPARE(r.status, 200);
        QJsonObject s = r.json();
        QCOMPARE(s.value(u"status"_s).toString(), u"completed"_s);
        QVERIFY(isServerIso(s.value(u"endedAt"_s).toString()));
        const qint64 ended = *parseIsoTimestamp(s.value(u"endedAt"_s).toString());
        const qint64 started = *parseIsoTimestamp(created.value(u"startedAt"_s).toString());
        QVERIFY(ended >= before - 1 && ended <= nowMs());
        QCOMPARE(s.value(u"duration"_s).toInteger(), ended - started);
        QCOMPARE(s.value(u"startedAt"_s), created.value(u"startedAt"_s));
        QCOMPARE(s.value(u"cwd"_s), created.value(u"cwd"_s));

        // Read back: the stored record has the same fields.
        const QJsonObject g = get(u"/api/sessions/"_s + id).json();
        for (const char *k : {"status", "endedAt", "duration", "summary", "endReason", "startedAt"})
            QCOMPARE(g.value(QLatin1String(k)), s.value(QLatin1String(k)));

        const QString other = uid("upd-failed");
        createSession(other);
        s = put(u"/api/sessions/"_s + other, {{u"status"_s, u"failed"_s}}).json();
        QCOMPARE(s.value(u"status"_s).toString(), u"failed"_s);
        QVERIFY(s.contains(u"endedAt"_s));
        QVERIFY(s.value(u"duration"_s).toInteger() >= 0);

        const QString absent = uid("upd-absent");
        r = put(u"/api/sessions/"_s + absent, {{u"status"_s, u"completed"_s}});
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
        QCOMPARE(get(u"/api/sessions/"_s + absent).status, 404); // PUT does not create
    }

    void deleteSession()
    {
        const QString id = uid("del"), keep = uid("keep");
        createSession(id, {{u"userId"_s, u"dora"_s}});
        createSession(keep);
        QCOMPARE(postEvent(makeEvent(id, u"chain:compiled"_s, nowIso())), 1);
        QCOMPARE(postEvent(makeEvent(id, u"step:started"_s, nowIso(), {{u"stepNumber"_s, 1}})), 2);
        QCOMPARE(postEvent(makeEvent(keep, u"x"_s, nowIso())), 1);
        QCOMPARE(post(u"/api/sessions/"_s + id + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}}).status, 201);
        QCOMPARE(post(u"/api/sessions/"_s + id + u"/input"_s, QJsonObject{{u"input"_s, u"y"_s}}).status, 201);

        HttpResult r = del(u"/api/sessions/"_s + id);
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");

        r = get(u"/api/sessions/"_s + id);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), id);
        const QJsonObject ev = get(u"/api/events/"_s + id).json();
        QCOMPARE(ev.value(u"count"_s).toInt(), 0);
        QCOMPARE(ev.value(u"events"_s).toArray().size(), 0);
        QCOMPARE(get(u"/api/sessions/"_s + id + u"/commands?peek=true"_s).json().value(u"count"_s).toInt(), 0);
        QCOMPARE(get(u"/api/sessions/"_s + id + u"/input"_s).json().value(u"count"_s).toInt(), 0);
        const QJsonObject ttl = get(u"/api/sessions/"_s + id + u"/ttl"_s).json().value(u"ttl"_s).toObject();
        for (const char *part : {"session", "events", "chains", "commands", "input"})
            QCOMPARE(ttl.value(QLatin1String(part)).toInteger(), -2);
        CHECKED(verifyError(get(u"/api/sessions/"_s + id + u"/chains"_s), 404, u"Session not found"_s));
        QCOMPARE(ids(get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray()), QStringList{keep});
        QCOMPARE(get(u"/api/users"_s).json().value(u"count"_s).toInt(), 0);
        // The other session is untouched.
        QCOMPARE(events(keep).size(), 1);

        r = del(u"/api/sessions/"_s + id);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), id);
        // A new session under the same id starts from scratch (seq 1).
        QCOMPARE(postEvent(makeEvent(id, u"x"_s, nowIso())), 1);
    }

    // ------------------------------------------------------------ chains fold

    void chainsFromEvents()
    {
        const QString sid = uid("fold");
        createSession(sid);
        const QList<QJsonObject> evs{
            makeEvent(sid, u"chain:compiled"_s, t0(0),
                  {{u"chainId"_s, u"c1"_s}, {u"title"_s, u"Build"_s}, {u"source"_s, u"flow"_s},
                   {u"ref"_s, u"r1"_s}, {u"executionMode"_s, u"sequential"_s},
                   {u"steps"_s, QJsonArray{QJsonObject{{u"stepNumber"_s, 1}, {u"action"_s, u"code"_s},
                                                       {u"model"_s, u"m"_s}},
                                           QJsonObject{{u"stepNumber"_s, 2}, {u"action"_s, u"review"_s}}}}}),
            makeEvent(sid, u"chain:started"_s, t0(1000), {{u"chainId"_s, u"c1"_s}}),
            makeEvent(sid, u"step:started"_s, t0(2000), {{u"stepNumber"_s, 1}}),
            makeEvent(sid, u"step:completed"_s, t0(4500), {{u"stepNumber"_s, 1}, {u"result"_s, u"ok"_s}}),
            makeEvent(sid, u"step:started"_s, t0(5000), {{u"stepNumber"_s, 2}}),
            makeEvent(sid, u"step:completed"_s, t0(6000),
                  {{u"stepNumber"_s, 2}, {u"duration"_s, 1234}, {u"learning"_s, u"x"_s}}),
            makeEvent(sid, u"chain:completed"_s, t0(7000),
                  {{u"chainId"_s, u"c1"_s}, {u"overallStatus"_s, u"success"_s}, {u"summary"_s, u"done"_s},
                   {u"successfulSteps"_s, 2}}),
            makeEvent(sid, u"chain:compiled"_s, t0(8000),
                  {{u"title"_s, u"Fix"_s}, {u"steps"_s, QJsonArray{QJsonObject{{u"action"_s, u"fix"_s}}}}}),
            makeEvent(sid, u"step:started"_s, t0(9000), {{u"stepNumber"_s, 1}}),
            makeEvent(sid, u"step:failed"_s, t0(10000), {{u"stepNumber"_s, 1}, {u"error"_s, u"boom"_s}}),
            makeEvent(sid, u"chain:completed"_s, t0(11000), {{u"overallStatus"_s, u"failure"_s}}),
            makeEvent(sid, u"error:occurred"_s, t0(12000), {{u"severity"_s, u"critical"_s}}),
            makeEvent(sid, u"error:occurred"_s, t0(12500), {{u"severity"_s, u"warning"_s}}),
        };
        for (qsizetype i = 0; i < evs.size(); ++i)
            QCOMPARE(postEvent(evs.at(i)), i + 1);

        HttpResult r = get(u"/api/sessions/"_s + sid + u"/chains"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"sessionId"_s, u"count"_s, u"chains"_s}));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        QCOMPARE(o.value(u"count"_s).toInt(), 2);
        const QJsonArray chains = o.value(u"chains"_s).toArray();
        QCOMPARE(ids(chains), (QStringList{u"c1"_s, u"chain-8"_s}));

        const QJsonObject c1 = chains.at(0).toObject();
        QCOMPARE(c1.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(c1.value(u"title"_s).toString(), u"Build"_s);
        QCOMPARE(c1.value(u"source"_s).toString(), u"flow"_s);
        QCOMPARE(c1.value(u"ref"_s).toString(), u"r1"_s);
        QCOMPARE(c1.value(u"executionMode"_s).toString(), u"sequential"_s);
        QCOMPARE(c1.value(u"compiledAt"_s).toString(), t0(0));
        QCOMPARE(c1.value(u"startedAt"_s).toString(), t0(1000));
        QCOMPARE(c1.value(u"completedAt"_s).toString(), t0(7000));
        QCOMPARE(c1.value(u"duration"_s).toInteger(), 6000);
        QCOMPARE(c1.value(u"summary"_s).toString(), u"done"_s);
        QCOMPARE(c1.value(u"successfulSteps"_s).toInt(), 2);
        const QJsonArray s1 = c1.value(u"steps"_s).toArray();
        QCOMPARE(s1.size(), 2);
        const QJsonObject st1 = s1.at(0).toObject();
        QCOMPARE(st1.value(u"stepNumber"_s).toInt(), 1);
        QCOMPARE(st1.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(st1.value(u"action"_s).toString(), u"code"_s);
        QCOMPARE(st1.value(u"model"_s).toString(), u"m"_s);
        QCOMPARE(st1.value(u"startedAt"_s).toString(), t0(2000));
        QCOMPARE(st1.value(u"completedAt"_s).toString(), t0(4500));
        QCOMPARE(st1.value(u"duration"_s).toInteger(), 2500);
        QCOMPARE(st1.value(u"result"_s).toString(), u"ok"_s);
        const QJsonObject st2 = s1.at(1).toObject();
        QCOMPARE(st2.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(st2.value(u"action"_s).toString(), u"review"_s);
        QCOMPARE(st2.value(u"duration"_s).toInteger(), 1234); // the event's own duration wins
        QCOMPARE(st2.value(u"learning"_s).toString(), u"x"_s);

        const QJsonObject c2 = chains.at(1).toObject();
        QCOMPARE(c2.value(u"status"_s).toString(), u"failed"_s);
        QCOMPARE(c2.value(u"title"_s).toString(), u"Fix"_s);
        QCOMPARE(c2.value(u"completedAt"_s).toString(), t0(11000));
        QVERIFY(!c2.contains(u"duration"_s)); // never started: no duration to derive
        const QJsonObject f1 = c2.value(u"steps"_s).toArray().at(0).toObject();
        QCOMPARE(f1.value(u"stepNumber"_s).toInt(), 1);
        QCOMPARE(f1.value(u"status"_s).toString(), u"failed"_s);
        QCOMPARE(f1.value(u"error"_s).toString(), u"boom"_s);
        QCOMPARE(f1.value(u"duration"_s).toInteger(), 1000);

        // GET one session: the same chains plus the derived counters.
        r = get(u"/api/sessions/"_s + sid);
        QCOMPARE(r.status, 200);
        const QJsonObject s = r.json();
        QCOMPARE(s.value(u"chains"_s).toArray(), chains);
        // v1.1: an object; every chain has finished, so the latest.
        QCOMPARE(s.value(u"currentChain"_s).toObject(), chains.at(1).toObject());
        QCOMPARE(s.value(u"totalStepsExecuted"_s).toInt(), 3);
        QCOMPARE(s.value(u"totalChainsCompleted"_s).toInt(), 1);
        QCOMPARE(s.value(u"criticalErrors"_s).toArray().size(), 1);
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray().at(0).toObject()
                     .value(u"chainsCount"_s).toInt(),
                 2);

        // A step with no compiled chain makes one on the fly.
        const QString bare = uid("bare");
        createSession(bare);
        QCOMPARE(postEvent(makeEvent(bare, u"step:started"_s, t0(0), {{u"stepNumber"_s, 3}, {u"action"_s, u"a"_s}})), 1);
        const QJsonArray onTheFly = get(u"/api/sessions/"_s + bare + u"/chains"_s).json().value(u"chains"_s).toArray();
        QCOMPARE(ids(onTheFly), QStringList{u"chain-1"_s});
        QCOMPARE(onTheFly.at(0).toObject().value(u"status"_s).toString(), u"in_progress"_s);
        const QJsonObject step3 = onTheFly.at(0).toObject().value(u"steps"_s).toArray().at(0).toObject();
        QCOMPARE(step3.value(u"stepNumber"_s).toInt(), 3);
        QCOMPARE(step3.value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(step3.value(u"startedAt"_s).toString(), t0(0));

        // A fresh session has an empty chain list, not a missing one.
        const QString empty = uid("nochains");
        createSession(empty);
        r = get(u"/api/sessions/"_s + empty + u"/chains"_s);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, empty}, {u"count"_s, 0}, {u"chains"_s, QJsonArray{}}}));
        const QJsonObject es = get(u"/api/sessions/"_s + empty).json();
        QCOMPARE(es.value(u"chains"_s).toArray(), QJsonArray{});
        QVERIFY(!es.contains(u"currentChain"_s));

        const QString absent = uid("nochain-absent");
        r = get(u"/api/sessions/"_s + absent + u"/chains"_s);
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
    }

    // Ids the daemon derives from event fields (a session's user, a chain's id) obey
    // the id rule too: a user that /api/users lists must be one /api/users/:userId
    // accepts, and no chain id may carry what an id must not.
    void derivedIdsObeyTheIdRule_data()
    {
        QTest::addColumn<QString>("bad");
        QTest::newRow("space") << u"john smith"_s;
        QTest::newRow("backslash") << u"CORP\\john"_s;
        QTest::newRow("dotdot") << u".."_s;
        QTest::newRow("129 chars") << QString(129, u'u');
        QTest::newRow("star") << u"*"_s;
    }

    void derivedIdsObeyTheIdRule()
    {
        QFETCH(QString, bad);
        const QString sid = uid("derived");
        QCOMPARE(postEvent(makeEvent(sid, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/d"_s}, {u"user"_s, bad}})), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"chain:compiled"_s, nowIso(),
                                     {{u"chainId"_s, bad}, {u"steps"_s, QJsonArray{QJsonObject{}}}})), 2);
        QCOMPARE(postEvent(makeEvent(sid, u"chain:started"_s, nowIso(), {{u"chainId"_s, bad}})), 3);
        QCOMPARE(postEvent(makeEvent(sid, u"step:completed"_s, nowIso(), {{u"stepNumber"_s, 1}})), 4);
        QCOMPARE(postEvent(makeEvent(sid, u"chain:completed"_s, nowIso(), {{u"chainId"_s, bad}})), 5);
        // The events themselves are kept verbatim.
        QCOMPARE(events(sid).at(0).toObject().value(u"user"_s).toString(), bad);

        const QJsonArray users = get(u"/api/users"_s).json().value(u"users"_s).toArray();
        for (const auto &u : users) {
            const QString user = u.toObject().value(u"user"_s).toString();
            QCOMPARE(get(u"/api/users/"_s + QString::fromLatin1(QUrl::toPercentEncoding(user)) + u"/sessions"_s).status,
                     200);
        }
        const QJsonObject session = get(u"/api/sessions/"_s + sid).json();
        QCOMPARE(session.value(u"status"_s).toString(), u"in_progress"_s);
        QVERIFY(!session.contains(u"user"_s));
        const QJsonArray chains = session.value(u"chains"_s).toArray();
        QCOMPARE(chains.size(), 1);
        const QJsonObject chain = chains.at(0).toObject();
        QCOMPARE(chain.value(u"id"_s).toString(), u"chain-2"_s);
        QCOMPARE(chain.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(chain.value(u"steps"_s).toArray().at(0).toObject().value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(session.value(u"currentChain"_s).toObject(), chain);
    }

    // ------------------------------------------------------------ ttl

    void ttl()
    {
        const QString sid = uid("ttl");
        HttpResult r = get(u"/api/sessions/"_s + sid + u"/ttl"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, sid},
                                        {u"storage"_s, backend()},
                                        {u"ttl"_s, QJsonObject{{u"session"_s, -2}, {u"events"_s, -2},
                                                               {u"chains"_s, -2}, {u"commands"_s, -2},
                                                               {u"input"_s, -2}}}}));
        auto ttlOf = [&](const char *part) {
            return get(u"/api/sessions/"_s + sid + u"/ttl"_s).json().value(u"ttl"_s).toObject()
                .value(QLatin1String(part)).toInteger();
        };
        auto near = [](qint64 v, qint64 want) { return v <= want && v >= want - 5; };
        createSession(sid);
        QVERIFY2(near(ttlOf("session"), 86400), qPrintable(QString::number(ttlOf("session"))));
        QCOMPARE(ttlOf("events"), -2);
        QCOMPARE(ttlOf("commands"), -2);
        QCOMPARE(ttlOf("input"), -2);
        QCOMPARE(ttlOf("chains"), -2);
        QCOMPARE(postEvent(makeEvent(sid, u"x"_s, nowIso())), 1);
        QVERIFY(near(ttlOf("events"), 86400));
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}}).status, 201);
        QVERIFY2(near(ttlOf("commands"), 300), qPrintable(QString::number(ttlOf("commands"))));
        QCOMPARE(ttlOf("input"), -2);
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"go"_s}}).status, 201);
        QVERIFY(near(ttlOf("input"), 300));
        // A drained queue is gone, like a Redis list that was emptied.
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/commands"_s).json().value(u"count"_s).toInt(), 1);
        QCOMPARE(ttlOf("commands"), -2);
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/input"_s).json().value(u"count"_s).toInt(), 1);
        QCOMPARE(ttlOf("input"), -2);
        QVERIFY(near(ttlOf("session"), 86400));
    }

    // ------------------------------------------------------------ events

    void postEventsSeqAndIds()
    {
        const QString sid = uid("ev"), other = uid("ev-other");
        static const QRegularExpression evtId(u"^evt-\\d+-[0-9a-z]+$"_s);
        QStringList eventIds;
        for (int i = 1; i <= 3; ++i) {
            QJsonObject e = makeEvent(sid, u"file:modified"_s, nowIso(), {{u"n"_s, i}});
            if (i == 2)
                e.insert(u"eventId"_s, u"client-evt-42"_s);
            const HttpResult r = post(u"/api/events"_s, e);
            QCOMPARE(r.status, 201);
            QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
            const QJsonObject o = r.json();
            QCOMPARE(keys(o), sorted({u"success"_s, u"eventId"_s, u"sessionId"_s, u"seq"_s}));
            QCOMPARE(o.value(u"success"_s), QJsonValue(true));
            QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
            QCOMPARE(o.value(u"seq"_s).toInteger(), i);
            if (i == 2)
                QCOMPARE(o.value(u"eventId"_s).toString(), u"client-evt-42"_s);
            else
                QVERIFY2(evtId.match(o.value(u"eventId"_s).toString()).hasMatch(),
                         qPrintable(o.value(u"eventId"_s).toString()));
            eventIds << o.value(u"eventId"_s).toString();
        }
        QCOMPARE(QSet<QString>(eventIds.cbegin(), eventIds.cend()).size(), 3);
        // seq is per session.
        QCOMPARE(postEvent(makeEvent(other, u"x"_s, nowIso())), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"x"_s, nowIso())), 4);

        const HttpResult r = get(u"/api/events/"_s + sid);
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"sessionId"_s, u"count"_s, u"events"_s}));
        QCOMPARE(o.value(u"count"_s).toInt(), 4);
        const QJsonArray evs = o.value(u"events"_s).toArray();
        QCOMPARE(seqs(evs), (QList<qint64>{1, 2, 3, 4}));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(evs.at(i).toObject().value(u"eventId"_s).toString(), eventIds.at(i));
            QCOMPARE(evs.at(i).toObject().value(u"n"_s).toInt(), i + 1);
        }
    }

    void eventFieldsKeptVerbatim_data()
    {
        QTest::addColumn<QJsonObject>("extra");
        QTest::addColumn<bool>("indented");
        const QJsonObject nested{
            {u"nested"_s, QJsonObject{{u"a"_s, QJsonArray{1, 2.5, QJsonObject{{u"b"_s, QJsonValue()}}}},
                                      {u"s"_s, u"ü \"q\" \\ / \u00e9\u4e2d"_s}}},
            {u"flag"_s, false},
            {u"big"_s, 12345678901.0},
            {u"nothing"_s, QJsonValue()},
            {u"emptyObj"_s, QJsonObject{}},
            {u"emptyArr"_s, QJsonArray{}},
            {u"stepNumber"_s, 7}};
        QTest::newRow("compact") << nested << false;
        QTest::newRow("indented body") << nested << true;
        // A client-sent seq is replaced by the server's; a non-string eventId too.
        QTest::newRow("client seq") << QJsonObject{{u"seq"_s, 99}, {u"k"_s, u"v"_s}} << false;
        QTest::newRow("client numeric eventId") << QJsonObject{{u"eventId"_s, 5}} << false;
        QTest::newRow("client empty eventId") << QJsonObject{{u"eventId"_s, u""_s}} << true;
    }

    void eventFieldsKeptVerbatim()
    {
        QFETCH(QJsonObject, extra);
        QFETCH(bool, indented);
        const QString sid = uid("verbatim");
        QCOMPARE(postEvent(makeEvent(sid, u"first"_s, nowIso())), 1);
        const QJsonObject sent = makeEvent(sid, u"custom:unknown-type"_s, u"2026-11-25T21:04:17.123+02:00"_s, extra);
        const QByteArray body = QJsonDocument(sent).toJson(indented ? QJsonDocument::Indented
                                                                    : QJsonDocument::Compact)
                                + (indented ? "\n \n" : "");
        const HttpResult r = post(u"/api/events"_s, body);
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"seq"_s).toInteger(), 2);
        const QString eventId = r.json().value(u"eventId"_s).toString();
        QVERIFY(eventId.startsWith(u"evt-"_s));

        const HttpResult g = get(u"/api/events/"_s + sid);
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(g.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, g.body.constData());
        QJsonObject want = sent;
        want.insert(u"eventId"_s, eventId);
        want.insert(u"seq"_s, 2);
        QCOMPARE(doc.object().value(u"events"_s).toArray().at(1).toObject(), want);
        // The timestamp is kept as sent (offset and all), not normalised.
        QCOMPARE(doc.object().value(u"events"_s).toArray().at(1).toObject().value(u"timestamp"_s).toString(),
                 u"2026-11-25T21:04:17.123+02:00"_s);
    }

    // Any ISO-8601 date-time with a zone is read; what is stored is what was sent.
    void acceptedTimestamps_data()
    {
        QTest::addColumn<QString>("timestamp");
        QTest::addColumn<QString>("utc");
        QTest::newRow("JS toISOString") << u"2026-11-25T21:04:17.123Z"_s << u"2026-11-25T21:04:17.123Z"_s;
        QTest::newRow("no fraction") << u"2026-11-25T21:04:17Z"_s << u"2026-11-25T21:04:17.000Z"_s;
        QTest::newRow("offset +02:00") << u"2026-11-25T23:04:17.123+02:00"_s << u"2026-11-25T21:04:17.123Z"_s;
        QTest::newRow("offset -05:30") << u"2026-11-25T15:34:17-05:30"_s << u"2026-11-25T21:04:17.000Z"_s;
        QTest::newRow("python isoformat") << u"2026-11-25T21:04:17.123456+00:00"_s << u"2026-11-25T21:04:17.123Z"_s;
        QTest::newRow("one fraction digit") << u"2026-11-25T21:04:17.1Z"_s << u"2026-11-25T21:04:17.100Z"_s;
    }

    void acceptedTimestamps()
    {
        QFETCH(QString, timestamp);
        QFETCH(QString, utc);
        const QString sid = uid("ts");
        const HttpResult r = post(u"/api/events"_s, makeEvent(sid, u"session:started"_s, timestamp,
                                                              {{u"cwd"_s, u"/t"_s}}));
        QCOMPARE(r.status, 201);
        QCOMPARE(events(sid).at(0).toObject().value(u"timestamp"_s).toString(), timestamp);
        // The instant is what the session and the filters use.
        QCOMPARE(get(u"/api/sessions/"_s + sid).json().value(u"startedAt"_s).toString(), utc);
        QCOMPARE(get(u"/api/events/"_s + sid + u"?since="_s + utc).json().value(u"count"_s).toInt(), 1);
        const QString after = isoFromMs(*parseIsoTimestamp(utc) + 1);
        QCOMPARE(get(u"/api/events/"_s + sid + u"?since="_s + after).json().value(u"count"_s).toInt(), 0);
    }

    // Server-written timestamps are ISO-8601 UTC with ms (API.md), whatever a client
    // sent: a time that cannot be written back that way is refused up front.
    void extremeTimestamps_data()
    {
        QTest::addColumn<QString>("timestamp");
        QTest::newRow("year 0000") << u"0000-01-01T00:00:00Z"_s;
        QTest::newRow("year 0001") << u"0001-01-01T00:00:00.000Z"_s;
        QTest::newRow("year 9999 end") << u"9999-12-31T23:59:59.999Z"_s;
        QTest::newRow("past 9999 by offset") << u"9999-12-31T23:59:59-01:00"_s;
        QTest::newRow("before 0001 by offset") << u"0001-01-01T00:00:00+01:00"_s;
    }

    void extremeTimestamps()
    {
        QFETCH(QString, timestamp);
        const QString sid = uid("extreme");
        const HttpResult r = post(u"/api/events"_s, makeEvent(sid, u"session:started"_s, timestamp,
                                                              {{u"cwd"_s, u"/t"_s}}));
        if (r.status == 400) {
            CHECKED(verifyError(r, 400, u"Invalid event format"_s));
            QCOMPARE(get(u"/api/sessions/"_s + sid).status, 404);
            return;
        }
        QCOMPARE(r.status, 201);
        const HttpResult s = get(u"/api/sessions/"_s + sid);
        QCOMPARE(s.status, 200);
        const QString startedAt = s.json().value(u"startedAt"_s).toString();
        QVERIFY2(isServerIso(startedAt), qPrintable(u"startedAt '%1'"_s.arg(startedAt)));
        QCOMPARE(*parseIsoTimestamp(startedAt), *parseIsoTimestamp(timestamp));
        // The same event is accepted or refused alike in a batch.
        QCOMPARE(post(u"/api/events/batch"_s, compact(QJsonArray{makeEvent(uid("extreme-b"), u"x"_s, timestamp)}))
                     .status, 201);
    }

    // JSON that the daemon's own JSON reader (QJsonDocument, used by the batch route,
    // the fold and every Qt client) refuses must not be stored by POST /api/events
    // either: one such event would make the whole event list unreadable to them.
    void eventJsonTheDaemonCannotRead_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("1e400") << QByteArray("1e400");
        QTest::newRow("-1e400") << QByteArray("-1e400");
        QTest::newRow("1e-400") << QByteArray("1e-400");
        QTest::newRow("400 digits") << QByteArray("1" + QByteArray(400, '0'));
        QTest::newRow("nested 1E+999") << QByteArray("{\"a\":[1E+999]}");
    }

    void eventJsonTheDaemonCannotRead()
    {
        QFETCH(QByteArray, value);
        const QString sid = uid("num");
        QCOMPARE(postEvent(makeEvent(sid, u"first"_s, nowIso())), 1);
        const QByteArray before = snapshot(sid);
        for (const QByteArray &extra : {QByteArray(), QByteArray(",\"seq\":7")}) {
            const QByteArray body = "{\"sessionId\":\"" + sid.toUtf8()
                                    + "\",\"type\":\"session:started\",\"cwd\":\"/n\",\"timestamp\":\""
                                    + nowIso().toUtf8() + "\",\"x\":" + value + extra + '}';
            const HttpResult single = post(u"/api/events"_s, body);
            const HttpResult batch = post(u"/api/events/batch"_s, '[' + body + ']');
            QCOMPARE(batch.status, 400);
            CHECKED(verifyError(single, 400, u"Invalid JSON"_s));
        }
        const HttpResult g = get(u"/api/events/"_s + sid);
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(g.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        QCOMPARE(seqs(doc.object().value(u"events"_s).toArray()), QList<qint64>{1});
        QCOMPARE(snapshot(sid), before);
        // Nor does a refused event create its session.
        const QString fresh = uid("num-fresh");
        const QByteArray body = "{\"sessionId\":\"" + fresh.toUtf8() + "\",\"type\":\"x\",\"timestamp\":\""
                                + nowIso().toUtf8() + "\",\"x\":" + value + '}';
        CHECKED(verifyError(post(u"/api/events"_s, body), 400, u"Invalid JSON"_s));
        QCOMPARE(post(u"/api/events/batch"_s, '[' + body + ']').status, 400);
        CHECKED(verifyError(get(u"/api/sessions/"_s + fresh), 404, u"Session not found"_s));
    }

    void getEventsFilters()
    {
        const QString sid = uid("page");
        for (int i = 0; i < 5; ++i)
            QCOMPARE(postEvent(makeEvent(sid, u"tick"_s, t0(i * 1000))), i + 1);
        auto seqsOf = [this, sid](const QString &query) {
            const HttpResult r = get(u"/api/events/"_s + sid + query);
            const QJsonObject o = r.json();
            if (r.status != 200 || o.value(u"count"_s).toInt() != o.value(u"events"_s).toArray().size())
                return QList<qint64>{-1};
            return seqs(o.value(u"events"_s).toArray());
        };
        QCOMPARE(seqsOf({}), (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(seqsOf(u"?after=2"_s), (QList<qint64>{3, 4, 5}));
        QCOMPARE(seqsOf(u"?after=2&limit=2"_s), (QList<qint64>{3, 4}));
        QCOMPARE(seqsOf(u"?after=4&limit=2"_s), (QList<qint64>{5}));
        QCOMPARE(seqsOf(u"?after=5&limit=2"_s), QList<qint64>{});
        QCOMPARE(seqsOf(u"?after=0"_s), (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(seqsOf(u"?limit=2"_s), (QList<qint64>{1, 2}));
        QCOMPARE(seqsOf(u"?limit=0"_s), QList<qint64>{});
        QCOMPARE(seqsOf(u"?since="_s + t0(3000)), (QList<qint64>{4, 5}));
        // The same instant written with an offset (the "+" percent-encoded).
        QCOMPARE(seqsOf(u"?since=2026-03-01T11:00:03%2B01:00"_s), (QList<qint64>{4, 5}));
        QCOMPARE(seqsOf(u"?since="_s + t0(2500)), (QList<qint64>{4, 5}));
        QCOMPARE(seqsOf(u"?since="_s + t0(-1000)), (QList<qint64>{1, 2, 3, 4, 5}));
        QCOMPARE(seqsOf(u"?since="_s + t0(60000)), QList<qint64>{});
        QCOMPARE(seqsOf(u"?since="_s + t0(1000) + u"&limit=2"_s), (QList<qint64>{2, 3}));
        QCOMPARE(seqsOf(u"?since="_s + t0(1000) + u"&after=3"_s), (QList<qint64>{4, 5}));
    }

    void getEventsUnknownSession()
    {
        const QString sid = uid("nobody");
        const HttpResult r = get(u"/api/events/"_s + sid);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 0}, {u"events"_s, QJsonArray{}}}));
        QCOMPARE(get(u"/api/events/"_s + sid + u"?after=3&limit=5"_s).json().value(u"count"_s).toInt(), 0);
    }

    void recentEvents()
    {
        const QString sid = uid("recent");
        const qint64 now = nowMs();
        QCOMPARE(postEvent(makeEvent(sid, u"a"_s, isoFromMs(now - 600000))), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"b"_s, isoFromMs(now - 30000))), 2);
        QCOMPARE(postEvent(makeEvent(sid, u"c"_s, isoFromMs(now - 5000))), 3);
        QCOMPARE(postEvent(makeEvent(sid, u"d"_s, isoFromMs(now - 1000))), 4);

        const qint64 asked = nowMs();
        HttpResult r = get(u"/api/events/"_s + sid + u"/recent"_s);
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"sessionId"_s, u"count"_s, u"cutoffTime"_s, u"events"_s}));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        QCOMPARE(o.value(u"count"_s).toInt(), 3);
        QCOMPARE(seqs(o.value(u"events"_s).toArray()), (QList<qint64>{2, 3, 4}));
        const QString cutoff = o.value(u"cutoffTime"_s).toString();
        QVERIFY2(isServerIso(cutoff), qPrintable(cutoff));
        QVERIFY(qAbs(*parseIsoTimestamp(cutoff) - (asked - 60000)) < 5000);

        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?limit=2"_s).json().value(u"events"_s).toArray()),
                 (QList<qint64>{3, 4}));
        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?limit=1&seconds=3600"_s).json()
                          .value(u"events"_s).toArray()),
                 QList<qint64>{4});
        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?seconds=3600"_s).json().value(u"events"_s).toArray()),
                 (QList<qint64>{1, 2, 3, 4}));
        QCOMPARE(seqs(get(u"/api/events/"_s + sid + u"/recent?seconds=10&limit=1000"_s).json()
                          .value(u"events"_s).toArray()),
                 (QList<qint64>{3, 4}));
        o = get(u"/api/events/"_s + sid + u"/recent?seconds=3600"_s).json();
        QVERIFY(qAbs(*parseIsoTimestamp(o.value(u"cutoffTime"_s).toString()) - (nowMs() - 3600000)) < 5000);

        // Default limit 50: the last 50.
        const QString many = uid("recent-many");
        QJsonArray batch;
        for (int i = 0; i < 60; ++i)
            batch.append(makeEvent(many, u"tick"_s, nowIso()));
        QCOMPARE(post(u"/api/events/batch"_s, compact(batch)).status, 201);
        const QList<qint64> last = seqs(get(u"/api/events/"_s + many + u"/recent"_s).json().value(u"events"_s).toArray());
        QCOMPARE(last.size(), 50);
        QCOMPARE(last.first(), 11);
        QCOMPARE(last.last(), 60);

        const QString absent = uid("recent-absent");
        o = get(u"/api/events/"_s + absent + u"/recent"_s).json();
        QCOMPARE(o.value(u"count"_s).toInt(), 0);
        QCOMPARE(o.value(u"events"_s).toArray(), QJsonArray{});
        QCOMPARE(o.value(u"sessionId"_s).toString(), absent);
    }

    void batch()
    {
        const QString a = uid("batch-a"), b = uid("batch-b");
        QCOMPARE(postEvent(makeEvent(a, u"first"_s, nowIso())), 1);
        const QJsonArray arr{makeEvent(a, u"x"_s, nowIso(), {{u"n"_s, 1}}),
                             makeEvent(b, u"x"_s, nowIso(), {{u"n"_s, 2}}),
                             makeEvent(a, u"x"_s, nowIso(), {{u"n"_s, 3}, {u"eventId"_s, u"mine"_s}})};
        const qint64 ingested = eventsIngested();
        HttpResult r = post(u"/api/events/batch"_s, compact(arr));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QCOMPARE(r.json(), (QJsonObject{{u"success"_s, true}, {u"count"_s, 3}}));
        QCOMPARE(eventsIngested(), ingested + 3);
        const QJsonArray ea = events(a);
        QCOMPARE(seqs(ea), (QList<qint64>{1, 2, 3}));
        QCOMPARE(ea.at(1).toObject().value(u"n"_s).toInt(), 1);
        QCOMPARE(ea.at(2).toObject().value(u"n"_s).toInt(), 3);
        QCOMPARE(ea.at(2).toObject().value(u"eventId"_s).toString(), u"mine"_s);
        QVERIFY(ea.at(1).toObject().value(u"eventId"_s).toString().startsWith(u"evt-"_s));
        QCOMPARE(seqs(events(b)), QList<qint64>{1});

        // The largest batch allowed.
        QJsonArray full;
        for (int i = 0; i < 1000; ++i)
            full.append(makeEvent(b, u"bulk"_s, nowIso()));
        r = post(u"/api/events/batch"_s, compact(full));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"count"_s).toInt(), 1000);
        QCOMPARE(get(u"/api/events/"_s + b + u"?after=1000"_s).json().value(u"count"_s).toInt(), 1);
        // A batch's session:started creates the session, like a single POST.
        const QString c = uid("batch-c");
        r = post(u"/api/events/batch"_s,
                 compact(QJsonArray{makeEvent(c, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/b"_s}})}));
        QCOMPARE(r.status, 201);
        QCOMPARE(get(u"/api/sessions/"_s + c).json().value(u"cwd"_s).toString(), u"/b"_s);
    }

    void batchIsAllOrNothing()
    {
        const QString a = uid("aon"), fresh = uid("aon-fresh");
        QCOMPARE(postEvent(makeEvent(a, u"first"_s, nowIso())), 1);
        const QByteArray before = snapshot(a);
        const QJsonArray arr{makeEvent(a, u"x"_s, nowIso()),
                             makeEvent(fresh, u"session:started"_s, u"yesterday"_s, {{u"cwd"_s, u"/f"_s}}),
                             makeEvent(fresh, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/f"_s}})};
        const HttpResult r = post(u"/api/events/batch"_s, compact(arr));
        CHECKED(verifyError(r, 400, u"Invalid event format"_s));
        QCOMPARE(r.json().value(u"index"_s).toInt(), 1);
        QCOMPARE(r.json().value(u"required"_s).toArray(),
                 (QJsonArray{u"sessionId"_s, u"type"_s, u"timestamp"_s}));
        QCOMPARE(snapshot(a), before);
        QCOMPARE(get(u"/api/events/"_s + fresh).json().value(u"count"_s).toInt(), 0);
        QCOMPARE(get(u"/api/sessions/"_s + fresh).status, 404);
        // The last item bad: the first two are not stored either.
        const QJsonArray lastBad{makeEvent(a, u"x"_s, nowIso()), makeEvent(a, u"y"_s, nowIso()), QJsonValue(5)};
        CHECKED(verifyError(post(u"/api/events/batch"_s, compact(lastBad)), 400, u"Invalid event format"_s));
        QCOMPARE(snapshot(a), before);
        // Next event still gets the next seq: nothing was reserved.
        QCOMPARE(postEvent(makeEvent(a, u"x"_s, nowIso())), 2);
    }

    void batchTooLarge()
    {
        const QString a = uid("big-batch");
        QJsonArray arr;
        for (int i = 0; i < 1001; ++i)
            arr.append(makeEvent(a, u"bulk"_s, nowIso()));
        const qint64 ingested = eventsIngested();
        const HttpResult r = post(u"/api/events/batch"_s, compact(arr));
        CHECKED(verifyError(r, 400, u"Invalid batch"_s));
        QCOMPARE(get(u"/api/events/"_s + a).json().value(u"count"_s).toInt(), 0);
        QCOMPARE(eventsIngested(), ingested);
    }

    void sessionFollowsEvents()
    {
        const QString sid = uid("lifecycle");
        const qint64 start = nowMs() - 120000;
        QCOMPARE(postEvent(makeEvent(sid, u"session:started"_s, isoFromMs(start),
                                 {{u"cwd"_s, u"/p"_s}, {u"hostname"_s, u"h1"_s}, {u"platform"_s, u"darwin"_s},
                                  {u"user"_s, u"carol"_s}})),
                 1);
        HttpResult r = get(u"/api/sessions/"_s + sid);
        QCOMPARE(r.status, 200);
        QJsonObject s = r.json();
        QCOMPARE(s.value(u"id"_s).toString(), sid);
        QCOMPARE(s.value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(s.value(u"cwd"_s).toString(), u"/p"_s);
        QCOMPARE(s.value(u"hostname"_s).toString(), u"h1"_s);
        QCOMPARE(s.value(u"platform"_s).toString(), u"darwin"_s);
        QCOMPARE(s.value(u"user"_s).toString(), u"carol"_s);
        QCOMPARE(s.value(u"startedAt"_s).toString(), isoFromMs(start));
        QVERIFY(!s.contains(u"endedAt"_s));
        QCOMPARE(ids(get(u"/api/users/carol/sessions"_s).json().value(u"sessions"_s).toArray()), QStringList{sid});

        QCOMPARE(postEvent(makeEvent(sid, u"session:ended"_s, isoFromMs(start + 90000),
                                 {{u"summary"_s, u"all good"_s}, {u"endReason"_s, u"done"_s}})),
                 2);
        s = get(u"/api/sessions/"_s + sid).json();
        QCOMPARE(s.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(s.value(u"endedAt"_s).toString(), isoFromMs(start + 90000));
        QCOMPARE(s.value(u"duration"_s).toInteger(), 90000);
        QCOMPARE(s.value(u"summary"_s).toString(), u"all good"_s);
        QCOMPARE(s.value(u"endReason"_s).toString(), u"done"_s);
        const QJsonObject row = get(u"/api/sessions?status=completed"_s).json().value(u"sessions"_s)
                                    .toArray().at(0).toObject();
        QCOMPARE(row.value(u"id"_s).toString(), sid);
        QCOMPARE(row.value(u"endedAt"_s).toString(), isoFromMs(start + 90000));

        // session:started on a session made by POST moves it on, keeping its fields.
        const QString posted = uid("posted");
        const QJsonObject created = createSession(posted, {{u"cwd"_s, u"/orig"_s}});
        QCOMPARE(postEvent(makeEvent(posted, u"session:started"_s, nowIso(), {{u"cwd"_s, u"/other"_s}})), 1);
        s = get(u"/api/sessions/"_s + posted).json();
        QCOMPARE(s.value(u"status"_s).toString(), u"in_progress"_s);
        QCOMPARE(s.value(u"cwd"_s).toString(), u"/orig"_s);
        QCOMPARE(s.value(u"startedAt"_s), created.value(u"startedAt"_s));
    }

    // ------------------------------------------------------------ v1.1: events create sessions

    // An event for a session that does not exist creates it, as session:started does:
    // in_progress, startedAt = the event's timestamp, cwd/hostname/platform/user from
    // the event when present (cwd may then be absent), listed like any other session.
    void eventCreatesUnknownSession_data()
    {
        QTest::addColumn<bool>("viaBatch");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonObject>("fields");
        QTest::addColumn<QJsonObject>("expected"); // fields of the session record beyond id/startedAt
        const QJsonObject all{{u"cwd"_s, u"/repo"_s}, {u"hostname"_s, u"box"_s}, {u"platform"_s, u"linux"_s},
                              {u"user"_s, u"erin"_s}};
        QJsonObject allExpected = all;
        allExpected.insert(u"status"_s, u"in_progress"_s);
        for (const bool batch : {false, true}) {
            const char *via = batch ? "batch" : "single";
            QTest::addRow("%s, step:spawned, no fields", via)
                << batch << u"step:spawned"_s << QJsonObject{{u"stepNumber"_s, 1}}
                << QJsonObject{{u"status"_s, u"in_progress"_s}};
            QTest::addRow("%s, step:completed with every field", via)
                << batch << u"step:completed"_s << QJsonObject(all) << allExpected;
            QTest::addRow("%s, unknown type, userId", via)
                << batch << u"agent:thinking"_s << QJsonObject{{u"userId"_s, u"fred"_s}}
                << QJsonObject{{u"status"_s, u"in_progress"_s}, {u"user"_s, u"fred"_s}};
            QTest::addRow("%s, session:ended", via)
                << batch << u"session:ended"_s << QJsonObject{{u"summary"_s, u"short"_s}}
                << QJsonObject{{u"status"_s, u"completed"_s}, {u"summary"_s, u"short"_s}, {u"duration"_s, 0}};
        }
    }

    void eventCreatesUnknownSession()
    {
        QFETCH(bool, viaBatch);
        QFETCH(QString, type);
        QFETCH(QJsonObject, fields);
        QFETCH(QJsonObject, expected);
        const QString sid = uid("auto");
        const QString ts = u"2026-03-01T10:00:00.250+02:00"_s; // any zone; stored as UTC
        const QString startedAt = u"2026-03-01T08:00:00.250Z"_s;
        CHECKED(verifyError(get(u"/api/sessions/"_s + sid), 404, u"Session not found"_s));
        const QJsonObject event = makeEvent(sid, type, ts, fields);
        if (viaBatch)
            QCOMPARE(post(u"/api/events/batch"_s, compact(QJsonArray{event})).status, 201);
        else
            QCOMPARE(postEvent(event), 1);

        HttpResult r = get(u"/api/sessions/"_s + sid);
        QCOMPARE(r.status, 200);
        QJsonObject s = r.json();
        QCOMPARE(s.value(u"id"_s).toString(), sid);
        QCOMPARE(s.value(u"startedAt"_s).toString(), startedAt);
        for (auto it = expected.begin(); it != expected.end(); ++it)
            QCOMPARE(s.value(it.key()), it.value());
        // v1.2: cwd is required by the dashboard's model ("" when no event gave it).
        if (!expected.contains(u"cwd"_s))
            QCOMPARE(s.value(u"cwd"_s), QJsonValue(u""_s));
        for (const char *k : {"hostname", "platform", "user"}) {
            if (!expected.contains(QLatin1String(k)))
                QVERIFY2(!s.contains(QLatin1String(k)), k); // absent, not empty or null
        }
        if (type == u"session:ended"_s)
            QCOMPARE(s.value(u"endedAt"_s).toString(), startedAt);
        else
            QVERIFY(!s.contains(u"endedAt"_s));
        // Listed (on Redis: in the session index), counted, and with the usual TTL.
        const QJsonArray rows = get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray();
        QCOMPARE(ids(rows), QStringList{sid});
        QCOMPARE(rows.at(0).toObject().value(u"status"_s), expected.value(u"status"_s));
        QCOMPARE(rows.at(0).toObject().value(u"startedAt"_s).toString(), startedAt);
        const qint64 ttl = get(u"/api/sessions/"_s + sid + u"/ttl"_s).json().value(u"ttl"_s).toObject()
                               .value(u"session"_s).toInteger();
        QVERIFY2(ttl <= 86400 && ttl >= 86395, qPrintable(QString::number(ttl)));
        // A session that exists now takes commands and input.
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}}).status, 201);
        QCOMPARE(post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"y"_s}}).status, 201);

        // Later events neither re-create nor overwrite it.
        QCOMPARE(postEvent(makeEvent(sid, u"step:spawned"_s, t0(3600000),
                                     {{u"cwd"_s, u"/other"_s}, {u"user"_s, u"mallory"_s}, {u"stepNumber"_s, 2}})),
                 2);
        const QJsonObject again = get(u"/api/sessions/"_s + sid).json();
        for (const char *k : {"id", "startedAt", "status", "cwd", "hostname", "platform", "user", "summary"})
            QCOMPARE(again.value(QLatin1String(k)), s.value(QLatin1String(k)));
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 1);
    }

    // Concurrent first events for one session, on two daemons sharing one Redis (with
    // memory: one daemon): exactly one creation, listed once, made from the event that
    // got seq 1.
    void unknownSessionConcurrentPosters()
    {
        const auto other = twin();
        if (m_useRedis)
            QVERIFY(other);
        QList<const Daemon *> daemons{m_daemon.get()};
        if (other)
            daemons << other.get();
        const QString sid = uid("race");
        constexpr int kPosts = 24;
        QList<QNetworkReply *> replies;
        for (int i = 0; i < kPosts; ++i) {
            const QJsonObject e = makeEvent(sid, u"step:spawned"_s, t0(i * 1000),
                                            {{u"cwd"_s, u"/c%1"_s.arg(i)}, {u"stepNumber"_s, i + 1}});
            QNetworkRequest req(url(u"/api/events"_s, daemons.at(i % daemons.size())));
            req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            replies << m_nam.post(req, compact(e));
        }
        QVERIFY(QTest::qWaitFor([&] {
            return std::all_of(replies.cbegin(), replies.cend(), [](QNetworkReply *r) { return r->isFinished(); });
        }, 10000));
        for (QNetworkReply *r : std::as_const(replies)) {
            QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
            r->deleteLater();
        }
        const QJsonArray evs = events(sid);
        QCOMPARE(evs.size(), kPosts);
        const QJsonObject first = evs.at(0).toObject();
        QCOMPARE(first.value(u"seq"_s).toInt(), 1);
        for (const Daemon *d : std::as_const(daemons)) {
            const QJsonObject s = req("GET", u"/api/sessions/"_s + sid, {}, {}, d).json();
            QCOMPARE(s.value(u"cwd"_s), first.value(u"cwd"_s));
            QCOMPARE(s.value(u"startedAt"_s).toString(), isoFromMs(*parseIsoTimestamp(first.value(u"timestamp"_s).toString())));
            const QJsonArray rows = req("GET", u"/api/sessions"_s, {}, {}, d).json().value(u"sessions"_s).toArray();
            QCOMPARE(ids(rows), QStringList{sid});
        }
    }

    // ------------------------------------------------------------ v1.1: currentChain, chainsCount

    // The list entry's currentChain and chainsCount are the chains GET /api/sessions/:id
    // and /chains give, also for chains made on the fly by step events.
    void listCarriesCurrentChain()
    {
        const QString steps = uid("steps-only"), two = uid("two-chains"), none = uid("no-chain");
        QCOMPARE(postEvent(makeEvent(steps, u"step:spawned"_s, t0(0), {{u"stepNumber"_s, 1}, {u"action"_s, u"code"_s}})), 1);
        QCOMPARE(postEvent(makeEvent(steps, u"step:completed"_s, t0(1000), {{u"stepNumber"_s, 1}})), 2);
        QCOMPARE(postEvent(makeEvent(steps, u"step:spawned"_s, t0(2000), {{u"stepNumber"_s, 2}})), 3);
        createSession(two);
        postEvent(makeEvent(two, u"chain:compiled"_s, t0(0), {{u"chainId"_s, u"a"_s},
                   {u"steps"_s, QJsonArray{QJsonObject{{u"stepNumber"_s, 1}}, QJsonObject{{u"stepNumber"_s, 2}}}}}));
        postEvent(makeEvent(two, u"chain:compiled"_s, t0(1000), {{u"chainId"_s, u"b"_s}}));
        postEvent(makeEvent(two, u"chain:completed"_s, t0(2000), {{u"chainId"_s, u"b"_s}, {u"overallStatus"_s, u"success"_s}}));
        createSession(none);

        auto listed = [this](const QString &sid) {
            for (const auto &v : get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray()) {
                if (v.toObject().value(u"id"_s).toString() == sid)
                    return v.toObject();
            }
            return QJsonObject{};
        };
        auto chainsOf = [this](const QString &sid) {
            return get(u"/api/sessions/"_s + sid + u"/chains"_s).json();
        };
        for (const QString &sid : {steps, two, none}) {
            const QJsonObject row = listed(sid);
            const QJsonObject chains = chainsOf(sid);
            const QJsonObject session = get(u"/api/sessions/"_s + sid).json();
            QCOMPARE(row.value(u"chainsCount"_s).toInt(), chains.value(u"count"_s).toInt());
            QCOMPARE(row.value(u"currentChain"_s), session.value(u"currentChain"_s));
            QCOMPARE(session.value(u"chains"_s), chains.value(u"chains"_s));
        }
        // Steps only: the chain made on the fly is counted and current, with its steps.
        QJsonObject row = listed(steps);
        QCOMPARE(row.value(u"chainsCount"_s).toInt(), 1);
        QJsonObject current = row.value(u"currentChain"_s).toObject();
        QCOMPARE(current.value(u"id"_s).toString(), u"chain-1"_s);
        QCOMPARE(current.value(u"status"_s).toString(), u"in_progress"_s);
        QJsonArray currentSteps = current.value(u"steps"_s).toArray();
        QCOMPARE(currentSteps.size(), 2);
        QCOMPARE(currentSteps.at(0).toObject().value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(currentSteps.at(0).toObject().value(u"action"_s).toString(), u"code"_s);
        QCOMPARE(currentSteps.at(1).toObject().value(u"status"_s).toString(), u"in_progress"_s);
        // Two chains, the later one finished: the open one is current.
        row = listed(two);
        QCOMPARE(row.value(u"chainsCount"_s).toInt(), 2);
        QCOMPARE(row.value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"a"_s);
        QCOMPARE(row.value(u"currentChain"_s).toObject().value(u"steps"_s).toArray().size(), 2);
        // No chain: no currentChain at all (not null, not an id).
        row = listed(none);
        QCOMPARE(row.value(u"chainsCount"_s).toInt(), 0);
        QVERIFY(!row.contains(u"currentChain"_s));

        // The listing follows new events: the step finishes.
        QCOMPARE(postEvent(makeEvent(steps, u"step:failed"_s, t0(3000), {{u"stepNumber"_s, 2}, {u"error"_s, u"x"_s}})), 4);
        currentSteps = listed(steps).value(u"currentChain"_s).toObject().value(u"steps"_s).toArray();
        QCOMPARE(currentSteps.at(1).toObject().value(u"status"_s).toString(), u"failed"_s);
        QCOMPARE(currentSteps.at(1).toObject().value(u"error"_s).toString(), u"x"_s);
        // Re-posting an existing id answers the stored session, whole, as GET does.
        const HttpResult again = post(u"/api/sessions"_s, QJsonObject{{u"cwd"_s, u"/x"_s}, {u"id"_s, two}});
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json(), get(u"/api/sessions/"_s + two).json());
        QCOMPARE(again.json().value(u"chains"_s).toArray().size(), 2);
    }

    // Folds are kept between listings and extended with new events; they start over when
    // the stored events no longer continue what was folded: a session deleted and made
    // again (on Redis by another daemon, which this one cannot see), or more new events
    // than the cap.
    void listFoldStartsOverWhenHistoryChanged()
    {
        const QString sid = uid("refold");
        QCOMPARE(postEvent(makeEvent(sid, u"chain:compiled"_s, t0(0), {{u"chainId"_s, u"old"_s}})), 1);
        auto row = [this] { return get(u"/api/sessions"_s).json().value(u"sessions"_s).toArray().at(0).toObject(); };
        QCOMPARE(row().value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"old"_s);

        const auto other = twin();
        const Daemon *deleter = other ? other.get() : m_daemon.get();
        QCOMPARE(req("DELETE", u"/api/sessions/"_s + sid, {}, {}, deleter).status, 204);
        QCOMPARE(postEvent(makeEvent(sid, u"step:spawned"_s, t0(1000), {{u"stepNumber"_s, 1}})), 1);
        QJsonObject r = row();
        QCOMPARE(r.value(u"id"_s).toString(), sid);
        QCOMPARE(r.value(u"chainsCount"_s).toInt(), 1);
        QCOMPARE(r.value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"chain-1"_s);
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/chains"_s).json().value(u"count"_s).toInt(), 1);

        // Past the cap: a daemon that keeps 5 events per session.
        Config capped;
        capped.maxEventsPerSession = 5;
        const auto d = start(capped);
        QVERIFY(d);
        const QString c = uid("capped");
        auto post = [&](const QString &type, qint64 seq, QJsonObject extra = {}) {
            QCOMPARE(req("POST", u"/api/events"_s, compact(makeEvent(c, type, t0(seq), extra)), {}, d.get())
                         .json().value(u"seq"_s).toInteger(), seq);
        };
        auto cappedRow = [&] {
            return req("GET", u"/api/sessions"_s, {}, {}, d.get()).json().value(u"sessions"_s).toArray().at(0).toObject();
        };
        post(u"chain:compiled"_s, 1, {{u"chainId"_s, u"c1"_s}});
        QCOMPARE(cappedRow().value(u"chainsCount"_s).toInt(), 1);
        for (qint64 seq = 2; seq <= 11; ++seq) // seq 1 is trimmed away, and all it was folded up to
            post(u"file:created"_s, seq);
        QCOMPARE(cappedRow().value(u"chainsCount"_s).toInt(), 0); // folded anew from seqs 7..11
        QVERIFY(!cappedRow().contains(u"currentChain"_s));
        post(u"chain:compiled"_s, 12, {{u"chainId"_s, u"c2"_s}});
        QCOMPARE(cappedRow().value(u"currentChain"_s).toObject().value(u"id"_s).toString(), u"c2"_s);
        post(u"step:started"_s, 13, {{u"stepNumber"_s, 1}});
        post(u"step:started"_s, 14, {{u"stepNumber"_s, 2}});
        const QJsonObject last = cappedRow();
        QCOMPARE(last.value(u"chainsCount"_s).toInt(), 1);
        QCOMPARE(last.value(u"currentChain"_s).toObject().value(u"steps"_s).toArray().size(), 2);
        QCOMPARE(req("GET", u"/api/sessions/"_s + c + u"/chains"_s, {}, {}, d.get()).json().value(u"count"_s).toInt(), 1);
    }

    // ------------------------------------------------------------ commands, input

    void commands_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::newRow("/api/commands/:sessionId/commands") << u"/api/commands/%1/commands"_s;
        QTest::newRow("/api/sessions/:id/commands") << u"/api/sessions/%1/commands"_s;
    }

    void commands()
    {
        QFETCH(QString, pattern);
        const QString sid = uid("cmd");
        createSession(sid);
        const QString path = pattern.arg(sid);
        const QString otherForm = (pattern.startsWith(u"/api/commands"_s) ? u"/api/sessions/%1/commands"_s
                                                                          : u"/api/commands/%1/commands"_s)
                                      .arg(sid);
        HttpResult r = post(path, QJsonObject{{u"type"_s, u"pause"_s}, {u"payload"_s, QJsonObject{{u"why"_s, u"x"_s}}}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"success"_s, u"sessionId"_s, u"commandId"_s, u"command"_s}));
        QCOMPARE(o.value(u"success"_s), QJsonValue(true));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        const QJsonObject cmd = o.value(u"command"_s).toObject();
        QCOMPARE(keys(cmd), sorted({u"id"_s, u"type"_s, u"payload"_s, u"timestamp"_s, u"status"_s}));
        QCOMPARE(cmd.value(u"status"_s).toString(), u"pending"_s); // v1.2: what the hooks' control check keeps
        QCOMPARE(cmd.value(u"id"_s), o.value(u"commandId"_s));
        QVERIFY(cmd.value(u"id"_s).toString().startsWith(u"cmd-"_s));
        QCOMPARE(cmd.value(u"type"_s).toString(), u"pause"_s);
        QCOMPARE(cmd.value(u"payload"_s).toObject(), (QJsonObject{{u"why"_s, u"x"_s}}));
        QVERIFY(isServerIso(cmd.value(u"timestamp"_s).toString()));

        // Every valid type; no payload is a null payload.
        QStringList queued{cmd.value(u"id"_s).toString()};
        for (const char *t : {"resume", "cancel", "abort", "retry", "skip"}) {
            r = post(otherForm, QJsonObject{{u"type"_s, QLatin1String(t)}});
            QCOMPARE(r.status, 201);
            QCOMPARE(r.json().value(u"command"_s).toObject().value(u"type"_s).toString(), QLatin1String(t));
            QVERIFY(r.json().value(u"command"_s).toObject().value(u"payload"_s).isNull());
            queued << r.json().value(u"commandId"_s).toString();
        }

        // peek keeps, drain removes (once), either URL form.
        r = get(path + u"?peek=true"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(keys(r.json()), sorted({u"sessionId"_s, u"count"_s, u"commands"_s}));
        QCOMPARE(r.json().value(u"count"_s).toInt(), 6);
        QCOMPARE(ids(r.json().value(u"commands"_s).toArray()), queued);
        QCOMPARE(r.json().value(u"commands"_s).toArray().at(0).toObject(), cmd);
        QCOMPARE(get(otherForm + u"?peek=true"_s).json().value(u"count"_s).toInt(), 6);
        r = get(path);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), sid);
        QCOMPARE(ids(r.json().value(u"commands"_s).toArray()), queued);
        r = get(otherForm);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 0}, {u"commands"_s, QJsonArray{}}}));
        QCOMPARE(get(path).json().value(u"count"_s).toInt(), 0);

        // Draining a session that does not exist is an empty list.
        const QString absent = uid("cmd-absent");
        r = get(pattern.arg(absent));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"count"_s).toInt(), 0);
        // Queueing to it is a 404.
        r = post(pattern.arg(absent), QJsonObject{{u"type"_s, u"pause"_s}});
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
        QCOMPARE(get(u"/api/sessions/"_s + absent + u"/ttl"_s).json().value(u"ttl"_s).toObject()
                     .value(u"commands"_s).toInteger(), -2);
    }

    void commandInvalidType_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QJsonValue>("received");
        QTest::newRow("unknown") << QJsonObject{{u"type"_s, u"explode"_s}} << QJsonValue(u"explode"_s);
        QTest::newRow("case") << QJsonObject{{u"type"_s, u"PAUSE"_s}} << QJsonValue(u"PAUSE"_s);
        QTest::newRow("empty") << QJsonObject{{u"type"_s, u""_s}} << QJsonValue(u""_s);
        QTest::newRow("number") << QJsonObject{{u"type"_s, 5}} << QJsonValue(5);
        QTest::newRow("missing") << QJsonObject{{u"payload"_s, 1}} << QJsonValue();
        QTest::newRow("null") << QJsonObject{{u"type"_s, QJsonValue()}} << QJsonValue();
    }

    void commandInvalidType()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QJsonValue, received);
        const QString sid = uid("cmd-bad");
        createSession(sid);
        const HttpResult r = post(u"/api/commands/"_s + sid + u"/commands"_s, body);
        CHECKED(verifyError(r, 400, u"Invalid command type"_s));
        QCOMPARE(r.json().value(u"validTypes"_s).toArray(),
                 (QJsonArray{u"pause"_s, u"resume"_s, u"cancel"_s, u"abort"_s, u"retry"_s, u"skip"_s}));
        QVERIFY(r.json().contains(u"received"_s));
        QCOMPARE(r.json().value(u"received"_s), received);
        QCOMPARE(get(u"/api/commands/"_s + sid + u"/commands"_s).json().value(u"count"_s).toInt(), 0);
    }

    void ack()
    {
        const QString sid = uid("ack");
        createSession(sid);
        const QString cmdId = post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"retry"_s}})
                                  .json().value(u"commandId"_s).toString();
        QVERIFY(!cmdId.isEmpty());
        HttpResult r = post(u"/api/commands/"_s + cmdId + u"/ack"_s, QJsonObject{{u"result"_s, u"retried"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QCOMPARE(r.json(), (QJsonObject{{u"success"_s, true}, {u"commandId"_s, cmdId}, {u"acknowledged"_s, true}}));
        r = post(u"/api/commands/"_s + cmdId + u"/ack"_s, QJsonObject{{u"error"_s, u"could not"_s}});
        QCOMPARE(r.status, 200);
        // No body at all is an ack too.
        r = post(u"/api/commands/"_s + cmdId + u"/ack"_s, QByteArray());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"acknowledged"_s), QJsonValue(true));
        // An ack does not touch the queue.
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/commands?peek=true"_s).json().value(u"count"_s).toInt(), 1);
        // An unknown command id is acknowledged (fire and forget, as the original).
        r = post(u"/api/commands/cmd-unknown-1/ack"_s, QJsonObject{});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"commandId"_s).toString(), u"cmd-unknown-1"_s);
    }

    void input()
    {
        const QString sid = uid("in");
        createSession(sid);
        HttpResult r = post(u"/api/sessions/"_s + sid + u"/input"_s,
                            QJsonObject{{u"input"_s, u"yes"_s}, {u"prompt"_s, u"Continue?"_s}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"success"_s, u"sessionId"_s, u"inputQueued"_s}));
        QCOMPARE(o.value(u"success"_s), QJsonValue(true));
        QCOMPARE(o.value(u"sessionId"_s).toString(), sid);
        const QJsonObject first = o.value(u"inputQueued"_s).toObject();
        QCOMPARE(keys(first), sorted({u"timestamp"_s, u"input"_s, u"prompt"_s}));
        QCOMPARE(first.value(u"input"_s).toString(), u"yes"_s);
        QCOMPARE(first.value(u"prompt"_s).toString(), u"Continue?"_s);
        QVERIFY(isServerIso(first.value(u"timestamp"_s).toString()));

        r = post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"second"_s}});
        QCOMPARE(r.status, 201);
        const QJsonObject second = r.json().value(u"inputQueued"_s).toObject();
        QCOMPARE(second.value(u"input"_s).toString(), u"second"_s);
        QVERIFY(!second.contains(u"prompt"_s));

        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/input?peek=true"_s).json().value(u"count"_s).toInt(), 2);
        r = get(u"/api/sessions/"_s + sid + u"/input"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 2},
                                        {u"inputs"_s, QJsonArray{first, second}}}));
        QCOMPARE(get(u"/api/sessions/"_s + sid + u"/input"_s).json(),
                 (QJsonObject{{u"sessionId"_s, sid}, {u"count"_s, 0}, {u"inputs"_s, QJsonArray{}}}));

        const QString absent = uid("in-absent");
        r = post(u"/api/sessions/"_s + absent + u"/input"_s, QJsonObject{{u"input"_s, u"x"_s}});
        CHECKED(verifyError(r, 404, u"Session not found"_s));
        QCOMPARE(r.json().value(u"sessionId"_s).toString(), absent);
        QCOMPARE(get(u"/api/sessions/"_s + absent + u"/input"_s).json().value(u"count"_s).toInt(), 0);
    }

    // ------------------------------------------------------------ users

    void users()
    {
        const QString a1 = uid("ua"), a2 = uid("ua"), b1 = uid("ub"), n1 = uid("un");
        const QString c1 = uid("uc"), c2 = uid("uc"), d1 = uid("ud");
        createSession(a1, {{u"userId"_s, u"alice"_s}});
        createSession(a2, {{u"userId"_s, u"alice"_s}});
        createSession(b1, {{u"userId"_s, u"bob@example.com"_s}});
        createSession(n1);
        QCOMPARE(put(u"/api/sessions/"_s + a2, {{u"status"_s, u"completed"_s}}).status, 200);
        // carol: every session over; dave: a session an agent's step event created.
        createSession(c1, {{u"userId"_s, u"carol"_s}});
        createSession(c2, {{u"userId"_s, u"carol"_s}});
        QCOMPARE(put(u"/api/sessions/"_s + c1, {{u"status"_s, u"completed"_s}}).status, 200);
        QCOMPARE(put(u"/api/sessions/"_s + c2, {{u"status"_s, u"failed"_s}}).status, 200);
        QCOMPARE(postEvent(makeEvent(d1, u"step:spawned"_s, nowIso(), {{u"stepNumber"_s, 1}, {u"user"_s, u"dave"_s}})), 1);

        HttpResult r = get(u"/api/users"_s);
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json();
        QCOMPARE(keys(o), sorted({u"count"_s, u"users"_s}));
        QCOMPARE(o.value(u"count"_s).toInt(), 4);
        QHash<QString, QJsonObject> byUser;
        for (const auto &v : o.value(u"users"_s).toArray()) {
            const QJsonObject u = v.toObject();
            // v1.1: every entry has an id, the user, which the dashboard keys on
            QCOMPARE(u.value(u"id"_s), u.value(u"user"_s));
            QVERIFY(u.value(u"isOnline"_s).isBool());
            byUser.insert(u.value(u"user"_s).toString(), u);
        }
        QCOMPARE(sorted(byUser.keys()), sorted({u"alice"_s, u"bob@example.com"_s, u"carol"_s, u"dave"_s}));
        // online: a pending or in_progress session
        QCOMPARE(byUser.value(u"alice"_s).value(u"isOnline"_s).toBool(), true);  // a1 pending
        QCOMPARE(byUser.value(u"bob@example.com"_s).value(u"isOnline"_s).toBool(), true);
        QCOMPARE(byUser.value(u"carol"_s).value(u"isOnline"_s).toBool(), false); // completed, failed
        QCOMPARE(byUser.value(u"dave"_s).value(u"isOnline"_s).toBool(), true);   // in_progress
        QCOMPARE(byUser.value(u"dave"_s).value(u"sessions"_s).toArray().at(0).toObject().value(u"status"_s).toString(),
                 u"in_progress"_s);
        const QJsonObject alice = byUser.value(u"alice"_s);
        QCOMPARE(keys(alice), sorted({u"id"_s, u"user"_s, u"sessionCount"_s, u"isOnline"_s, u"sessions"_s}));
        QCOMPARE(alice.value(u"sessionCount"_s).toInt(), 2);
        const QJsonArray as = alice.value(u"sessions"_s).toArray();
        QCOMPARE(sorted(ids(as)), sorted({a1, a2}));
        for (const auto &v : as) {
            const QJsonObject s = v.toObject();
            if (s.value(u"id"_s).toString() == a2)
                QCOMPARE(keys(s), sorted({u"id"_s, u"status"_s, u"startedAt"_s, u"endedAt"_s}));
            else
                QCOMPARE(keys(s), sorted({u"id"_s, u"status"_s, u"startedAt"_s}));
        }
        QCOMPARE(byUser.value(u"bob@example.com"_s).value(u"sessionCount"_s).toInt(), 1);

        r = get(u"/api/users/alice/sessions"_s);
        QCOMPARE(r.status, 200);
        o = r.json();
        QCOMPARE(keys(o), sorted({u"user"_s, u"sessionCount"_s, u"sessions"_s}));
        QCOMPARE(o.value(u"user"_s).toString(), u"alice"_s);
        QCOMPARE(o.value(u"sessionCount"_s).toInt(), 2);
        const QJsonArray full = o.value(u"sessions"_s).toArray();
        QCOMPARE(sorted(ids(full)), sorted({a1, a2}));
        for (const auto &v : full) {
            QCOMPARE(v.toObject().value(u"user"_s).toString(), u"alice"_s);
            QVERIFY(v.toObject().contains(u"cwd"_s));
        }
        QCOMPARE(get(u"/api/users/bob@example.com/sessions"_s).json().value(u"sessionCount"_s).toInt(), 1);
        r = get(u"/api/users/nobody/sessions"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"user"_s, u"nobody"_s}, {u"sessionCount"_s, 0},
                                        {u"sessions"_s, QJsonArray{}}}));
    }

    // ------------------------------------------------------------ HTTP rules

    void corsOnEveryResponse_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("200") << QByteArray("GET") << u"/health"_s << QByteArray() << 200;
        QTest::newRow("200 metrics") << QByteArray("GET") << u"/metrics"_s << QByteArray() << 200;
        QTest::newRow("201") << QByteArray("POST") << u"/api/sessions"_s << QByteArray(q("{'cwd':'/c'}")) << 201;
        QTest::newRow("400 json") << QByteArray("POST") << u"/api/sessions"_s << QByteArray("{") << 400;
        QTest::newRow("400 id") << QByteArray("GET") << u"/api/sessions/a*b"_s << QByteArray() << 400;
        QTest::newRow("400 ws") << QByteArray("GET") << u"/ws"_s << QByteArray() << 400;
        QTest::newRow("404 session") << QByteArray("GET") << u"/api/sessions/none"_s << QByteArray() << 404;
        QTest::newRow("404 route") << QByteArray("GET") << u"/nope"_s << QByteArray() << 404;
        QTest::newRow("405") << QByteArray("DELETE") << u"/health"_s << QByteArray() << 405;
        QTest::newRow("204 delete") << QByteArray("DELETE") << u"/api/sessions/{created}"_s << QByteArray() << 204;
        QTest::newRow("204 OPTIONS") << QByteArray("OPTIONS") << u"/api/events"_s << QByteArray() << 204;
    }

    void corsOnEveryResponse()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        if (path.contains(u"{created}"_s)) {
            const QString id = uid("cors");
            createSession(id);
            path.replace(u"{created}"_s, id);
        }
        const HttpResult r = req(method, path, body, {{"Origin", "http://localhost:5173"}});
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
    }

    void corsConfiguredOrigin()
    {
        HttpResult r = req("GET", u"/health"_s, {}, {{"Origin", kKeyedOrigin}}, m_keyed.get());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kKeyedOrigin);
        r = req("GET", u"/api/sessions"_s, {}, {}, m_keyed.get());
        CHECKED(verifyError(r, 401, u"Unauthorized"_s, kKeyedOrigin));
        r = req("GET", u"/nope"_s, {}, {{"X-API-Key", kApiKey}}, m_keyed.get());
        CHECKED(verifyError(r, 404, u"Not found"_s, kKeyedOrigin));
    }

    void preflight()
    {
        const HttpResult r = req("OPTIONS", u"/api/sessions/x/commands"_s, {},
                                 {{"Origin", "http://localhost:5173"},
                                  {"Access-Control-Request-Method", "POST"},
                                  {"Access-Control-Request-Headers", "content-type,authorization"}});
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(r.header("Access-Control-Allow-Origin"), "*");
        const QByteArray methods = r.header("Access-Control-Allow-Methods");
        for (const char *m : {"GET", "POST", "PUT", "DELETE", "OPTIONS"})
            QVERIFY2(methods.contains(m), methods.constData());
        const QByteArray hdrs = r.header("Access-Control-Allow-Headers").toLower();
        for (const char *h : {"content-type", "authorization", "x-api-key"})
            QVERIFY2(hdrs.contains(h), hdrs.constData());
        // Preflights carry no credentials, so they pass without the key.
        const HttpResult k = req("OPTIONS", u"/api/events"_s, {}, {{"Origin", kKeyedOrigin}}, m_keyed.get());
        QCOMPARE(k.status, 204);
        QCOMPARE(k.header("Access-Control-Allow-Origin"), kKeyedOrigin);
        QVERIFY(k.header("Access-Control-Allow-Headers").toLower().contains("x-api-key"));
    }

    void unknownRoute_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::newRow("root") << QByteArray("GET") << u"/"_s;
        QTest::newRow("unknown") << QByteArray("GET") << u"/nope"_s;
        QTest::newRow("api prefix") << QByteArray("POST") << u"/api"_s;
        QTest::newRow("too deep") << QByteArray("GET") << u"/api/sessions/x/chains/extra"_s;
        QTest::newRow("unknown leaf") << QByteArray("GET") << u"/api/sessions/x/nothing"_s;
        QTest::newRow("case") << QByteArray("GET") << u"/HEALTH"_s;
        QTest::newRow("v2") << QByteArray("GET") << u"/api/v2/sessions"_s;
    }

    void unknownRoute()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        const HttpResult r = req(method, path);
        CHECKED(verifyError(r, 404, u"Not found"_s));
        QCOMPARE(r.json().value(u"path"_s).toString(), path);
    }

    void wrongMethod_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QStringList>("allowed");
        QTest::newRow("PUT /health") << QByteArray("PUT") << u"/health"_s << QStringList{u"GET"_s};
        QTest::newRow("POST /metrics") << QByteArray("POST") << u"/metrics"_s << QStringList{u"GET"_s};
        QTest::newRow("DELETE /api/sessions") << QByteArray("DELETE") << u"/api/sessions"_s
                                              << QStringList{u"GET"_s, u"POST"_s};
        QTest::newRow("PATCH /api/sessions/:id") << QByteArray("PATCH") << u"/api/sessions/s1"_s
                                                 << QStringList{u"DELETE"_s, u"GET"_s, u"PUT"_s};
        QTest::newRow("POST /api/sessions/:id") << QByteArray("POST") << u"/api/sessions/s1"_s
                                                << QStringList{u"DELETE"_s, u"GET"_s, u"PUT"_s};
        QTest::newRow("GET /api/events") << QByteArray("GET") << u"/api/events"_s << QStringList{u"POST"_s};
        QTest::newRow("PUT /api/events/:id") << QByteArray("PUT") << u"/api/events/s1"_s << QStringList{u"GET"_s};
        QTest::newRow("DELETE /api/sessions/:id/commands") << QByteArray("DELETE") << u"/api/sessions/s1/commands"_s
                                                           << QStringList{u"GET"_s, u"POST"_s};
        QTest::newRow("GET /api/commands/:id/ack") << QByteArray("GET") << u"/api/commands/c1/ack"_s
                                                   << QStringList{u"POST"_s};
        QTest::newRow("POST /api/users") << QByteArray("POST") << u"/api/users"_s << QStringList{u"GET"_s};
        QTest::newRow("PUT /api/sessions/:id/ttl") << QByteArray("PUT") << u"/api/sessions/s1/ttl"_s
                                                   << QStringList{u"GET"_s};
    }

    void wrongMethod()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QStringList, allowed);
        const HttpResult r = req(method, path, method == "GET" ? QByteArray() : QByteArray("{}"));
        CHECKED(verifyError(r, 405));
        QStringList allow = QString::fromLatin1(r.header("Allow")).split(u',', Qt::SkipEmptyParts);
        for (auto &m : allow)
            m = m.trimmed();
        QCOMPARE(sorted(allow), allowed);
        QVERIFY(r.json().contains(u"allowed"_s));
        QStringList inBody;
        for (const auto &v : r.json().value(u"allowed"_s).toArray())
            inBody << v.toString();
        QCOMPARE(sorted(inBody), allowed);
        // Nothing was created on the way.
        QCOMPARE(get(u"/api/sessions"_s).json().value(u"count"_s).toInt(), 0);
    }

    void wsWithoutUpgrade()
    {
        const HttpResult r = get(u"/ws"_s);
        CHECKED(verifyError(r, 400, u"WebSocket upgrade expected"_s));
    }

    // ------------------------------------------------------------ auth

    void auth_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<Headers>("headers");
        QTest::addColumn<int>("status");
        const Headers none;
        const Headers bearer{{"Authorization", "Bearer " + kApiKey}};
        const Headers apiKey{{"X-API-Key", kApiKey}};
        QTest::newRow("no key") << QByteArray("GET") << u"/api/sessions"_s << none << 401;
        QTest::newRow("bearer") << QByteArray("GET") << u"/api/sessions"_s << bearer << 200;
        QTest::newRow("x-api-key") << QByteArray("GET") << u"/api/sessions"_s << apiKey << 200;
        QTest::newRow("x-api-key lower-case name") << QByteArray("GET") << u"/api/users"_s
                                                   << Headers{{"x-api-key", kApiKey}} << 200;
        QTest::newRow("wrong bearer") << QByteArray("GET") << u"/api/sessions"_s
                                      << Headers{{"Authorization", "Bearer nope"}} << 401;
        QTest::newRow("wrong x-api-key") << QByteArray("GET") << u"/api/sessions"_s
                                         << Headers{{"X-API-Key", "nope"}} << 401;
        QTest::newRow("key prefix") << QByteArray("GET") << u"/api/sessions"_s
                                    << Headers{{"X-API-Key", kApiKey.chopped(1)}} << 401;
        QTest::newRow("key plus suffix") << QByteArray("GET") << u"/api/sessions"_s
                                         << Headers{{"Authorization", "Bearer " + kApiKey + 'x'}} << 401;
        QTest::newRow("key without scheme") << QByteArray("GET") << u"/api/sessions"_s
                                            << Headers{{"Authorization", kApiKey}} << 401;
        QTest::newRow("basic scheme") << QByteArray("GET") << u"/api/sessions"_s
                                      << Headers{{"Authorization", "Basic " + kApiKey}} << 401;
        QTest::newRow("empty x-api-key") << QByteArray("GET") << u"/api/sessions"_s
                                         << Headers{{"X-API-Key", ""}} << 401;
        QTest::newRow("empty bearer") << QByteArray("GET") << u"/api/sessions"_s
                                      << Headers{{"Authorization", "Bearer "}} << 401;
        QTest::newRow("query key is for /ws only") << QByteArray("GET")
                                                   << u"/api/sessions?apiKey="_s + QString::fromLatin1(kApiKey)
                                                   << none << 401;
        QTest::newRow("health open") << QByteArray("GET") << u"/health"_s << none << 200;
        QTest::newRow("health with wrong key") << QByteArray("GET") << u"/health"_s
                                               << Headers{{"X-API-Key", "nope"}} << 200;
        QTest::newRow("metrics no key") << QByteArray("GET") << u"/metrics"_s << none << 401;
        QTest::newRow("metrics key") << QByteArray("GET") << u"/metrics"_s << bearer << 200;
        QTest::newRow("post event no key") << QByteArray("POST") << u"/api/events"_s << none << 401;
        QTest::newRow("post event key") << QByteArray("POST") << u"/api/events"_s << apiKey << 201;
        QTest::newRow("session 404 with key") << QByteArray("GET") << u"/api/sessions/none"_s << bearer << 404;
        QTest::newRow("session no key") << QByteArray("GET") << u"/api/sessions/none"_s << none << 401;
        QTest::newRow("delete no key") << QByteArray("DELETE") << u"/api/sessions/none"_s << none << 401;
    }

    void auth()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(Headers, headers);
        QFETCH(int, status);
        const Daemon *d = m_keyed.get();
        const QString sid = uid("auth");
        const QByteArray body = method == "POST" ? compact(makeEvent(sid, u"x"_s, nowIso())) : QByteArray();
        const HttpResult r = req(method, path, body, headers, d);
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kKeyedOrigin);
        if (status == 401) {
            QCOMPARE(r.body, QByteArray(q("{'error':'Unauthorized'}")));
            QVERIFY(r.header("Content-Type").startsWith("application/json"));
        }
        if (method == "POST") {
            // A refused event is not stored.
            const HttpResult ev = req("GET", u"/api/events/"_s + sid, {}, {{"X-API-Key", kApiKey}}, d);
            QCOMPARE(ev.json().value(u"count"_s).toInt(), status == 201 ? 1 : 0);
        }
    }

    // ------------------------------------------------------------ bad input

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path"); // {sid}: the victim session
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error"); // empty: any non-empty error text

        const QString invalidJson = u"Invalid JSON"_s, invalidId = u"Invalid id"_s;
        const QString badEvent = u"Invalid event format"_s;
        const QString ts = u"2026-11-25T21:04:17.123Z"_s;
        const QByteArray long129 = QByteArray(129, 'a');
        const QList<std::pair<const char *, QByteArray>> badIds{
            {"space", "a b"},      {"star", "a*b"},    {"NUL", "a\\u0000b"}, {"dotdot", ".."},
            {"dot", "."},          {"129 chars", long129}, {"empty", ""},     {"slash", "a/b"},
            {"unicode", "caf\\u00e9"}, {"newline", "a\\nb"}, {"brace", "{x}"}};
        const QList<std::pair<const char *, QByteArray>> notObjects{
            {"malformed", "{\"cwd\":"}, {"null", "null"}, {"array", "[]"}, {"string", "\"str\""},
            {"number", "42"},          {"empty body", ""}, {"trailing garbage", "{} x"},
            {"raw NUL", QByteArray("{\"a\":\"\0\"}", 10)}, {"bad utf8", "{\"cwd\":\"\xff\xfe\"}"},
            {"deeply nested", QByteArray(100000, '[')}};

        auto row = [](const QString &name, const QByteArray &m, const QString &p, const QByteArray &b,
                      const QString &e) { QTest::newRow(name.toUtf8().constData()) << m << p << b << e; };

        // POST /api/sessions
        for (const auto &[name, body] : notObjects)
            row(u"session body %1"_s.arg(QLatin1String(name)), "POST", u"/api/sessions"_s, body,
                QByteArray(name) == "malformed" ? invalidJson : QString());
        row(u"session no cwd"_s, "POST", u"/api/sessions"_s, q("{'id':'ok-id'}"), u"Missing required field"_s);
        row(u"session cwd number"_s, "POST", u"/api/sessions"_s, q("{'cwd':5}"), u"Missing required field"_s);
        row(u"session cwd empty"_s, "POST", u"/api/sessions"_s, q("{'cwd':''}"), u"Missing required field"_s);
        row(u"session hostname number"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','hostname':5}"),
            u"Invalid field"_s);
        row(u"session platform object"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','platform':{}}"),
            u"Invalid field"_s);
        row(u"session id number"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','id':5}"), invalidId);
        row(u"session userId array"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','userId':['a']}"), invalidId);
        for (const auto &[name, id] : badIds) {
            row(u"session id %1"_s.arg(QLatin1String(name)), "POST", u"/api/sessions"_s,
                q("{'cwd':'/c','id':'") + id + q("'}"), invalidId);
            row(u"session userId %1"_s.arg(QLatin1String(name)), "POST", u"/api/sessions"_s,
                q("{'cwd':'/c','userId':'") + id + q("'}"), invalidId);
        }

        // POST /api/events
        for (const auto &[name, body] : notObjects)
            row(u"event body %1"_s.arg(QLatin1String(name)), "POST", u"/api/events"_s, body,
                QByteArray(name) == "malformed" ? invalidJson : QString());
        const QByteArray good = q("'sessionId':'victim','type':'x','timestamp':'") + ts.toUtf8() + "\"";
        row(u"event {}"_s, "POST", u"/api/events"_s, "{}", badEvent);
        row(u"event no sessionId"_s, "POST", u"/api/events"_s, q("{'type':'x','timestamp':'") + ts.toUtf8() + q("'}"),
            badEvent);
        row(u"event no type"_s, "POST", u"/api/events"_s, q("{'sessionId':'victim','timestamp':'") + ts.toUtf8() + q("'}"),
            badEvent);
        row(u"event no timestamp"_s, "POST", u"/api/events"_s, q("{'sessionId':'victim','type':'x'}"), badEvent);
        row(u"event sessionId number"_s, "POST", u"/api/events"_s,
            q("{'sessionId':5,'type':'x','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event sessionId null"_s, "POST", u"/api/events"_s,
            q("{'sessionId':null,'type':'x','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event type array"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':[],'timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event type empty"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event type 129 chars"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'") + long129 + q("','timestamp':'") + ts.toUtf8() + q("'}"), badEvent);
        row(u"event timestamp object"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x','timestamp':{}}"), badEvent);
        row(u"event timestamp number"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x','timestamp':1764104657123}"), badEvent);
        for (const char *t : {"yesterday", "2026-13-45T99:00:00Z", "2026-11-25T21:04:17", "2026-11-25",
                              "", "2026-02-30T10:00:00Z", "2026-11-25T21:04:17+25:00", "21:04:17Z",
                              "2026-11-25T21:04:17.123Zjunk"}) {
            row(u"event timestamp '%1'"_s.arg(QLatin1String(t)), "POST", u"/api/events"_s,
                q("{'sessionId':'victim','type':'x','timestamp':'") + QByteArray(t) + q("'}"), badEvent);
        }
        for (const auto &[name, id] : badIds) {
            row(u"event sessionId %1"_s.arg(QLatin1String(name)), "POST", u"/api/events"_s,
                q("{'sessionId':'") + id + q("','type':'session:started','cwd':'/x','timestamp':'") + ts.toUtf8()
                    + q("'}"),
                badEvent);
        }

        // POST /api/events/batch
        row(u"batch malformed"_s, "POST", u"/api/events/batch"_s, "[{", invalidJson);
        row(u"batch object"_s, "POST", u"/api/events/batch"_s, "{" + good + "}", u"Invalid batch"_s);
        row(u"batch empty"_s, "POST", u"/api/events/batch"_s, "[]", u"Invalid batch"_s);
        row(u"batch null"_s, "POST", u"/api/events/batch"_s, "null", QString());
        row(u"batch good bad good"_s, "POST", u"/api/events/batch"_s,
            "[{" + good + "},{" + QByteArray(good).replace("victim", "a b") + "},{" + good + "}]", badEvent);
        row(u"batch with a number"_s, "POST", u"/api/events/batch"_s, "[{" + good + "},7]", badEvent);

        // PUT /api/sessions/:id
        const QString victimPath = u"/api/sessions/{sid}"_s;
        for (const auto &[name, body] : notObjects)
            row(u"put body %1"_s.arg(QLatin1String(name)), "PUT", victimPath, body,
                QByteArray(name) == "malformed" ? invalidJson : QString());
        row(u"put status unknown"_s, "PUT", victimPath, q("{'status':'done'}"), u"Invalid status"_s);
        row(u"put status case"_s, "PUT", victimPath, q("{'status':'Completed'}"), u"Invalid status"_s);
        row(u"put status number"_s, "PUT", victimPath, q("{'status':2}"), u"Invalid status"_s);
        row(u"put status null"_s, "PUT", victimPath, q("{'status':null}"), u"Invalid status"_s);
        row(u"put summary number"_s, "PUT", victimPath, q("{'summary':5}"), u"Invalid field"_s);
        row(u"put endReason array"_s, "PUT", victimPath, q("{'endReason':[]}"), u"Invalid field"_s);
        // Valid status next to a bad field: nothing is applied.
        row(u"put completed with bad summary"_s, "PUT", victimPath, q("{'status':'completed','summary':{}}"),
            u"Invalid field"_s);

        // Commands, ack, input
        const QString cmdPath = u"/api/sessions/{sid}/commands"_s;
        row(u"command malformed"_s, "POST", cmdPath, "{", invalidJson);
        row(u"command array"_s, "POST", cmdPath, "[]", QString());
        row(u"command unknown type"_s, "POST", cmdPath, q("{'type':'explode'}"), u"Invalid command type"_s);
        row(u"command alias unknown type"_s, "POST", u"/api/commands/{sid}/commands"_s, q("{'type':'stop'}"),
            u"Invalid command type"_s);
        row(u"ack malformed"_s, "POST", u"/api/commands/cmd-1/ack"_s, "{", invalidJson);
        row(u"ack array"_s, "POST", u"/api/commands/cmd-1/ack"_s, "[1]", QString());
        const QString inPath = u"/api/sessions/{sid}/input"_s;
        row(u"input malformed"_s, "POST", inPath, "{\"input\"", invalidJson);
        row(u"input missing"_s, "POST", inPath, "{}", u"Invalid input"_s);
        row(u"input number"_s, "POST", inPath, q("{'input':5}"), u"Invalid input"_s);
        row(u"input prompt number"_s, "POST", inPath, q("{'input':'y','prompt':5}"), u"Invalid input"_s);
        row(u"input null body"_s, "POST", inPath, "null", QString());

        // A member name twice: Qt's parser keeps the first, JavaScript the last, so the
        // id that validation saw need not be the id a reader sees. Refused on every route.
        const QByteArray evilFirst = q("{'sessionId':'../../evil id','type':'x','timestamp':'") + ts.toUtf8()
                                     + q("','sessionId':'victim'}");
        const QByteArray evilLast = q("{'sessionId':'victim','type':'x','timestamp':'") + ts.toUtf8()
                                    + q("','sessionId':'../../evil id'}");
        row(u"duplicate key: event, bad id first"_s, "POST", u"/api/events"_s, evilFirst, invalidJson);
        row(u"duplicate key: event, bad id last"_s, "POST", u"/api/events"_s, evilLast, invalidJson);
        row(u"duplicate key: event, escaped twin"_s, "POST", u"/api/events"_s,
            q("{'sessionId':'victim','type':'x','timestamp':'") + ts.toUtf8() + q("','\\u0073essionId':'a b'}"),
            invalidJson);
        row(u"duplicate key: event, nested"_s, "POST", u"/api/events"_s,
            "{" + good + q(",'data':{'k':1,'k':2}}"), invalidJson);
        row(u"duplicate key: batch"_s, "POST", u"/api/events/batch"_s, "[{" + good + "}," + evilFirst + "]",
            invalidJson);
        row(u"duplicate key: session"_s, "POST", u"/api/sessions"_s, q("{'cwd':'/c','id':'a b','id':'ok-id'}"),
            invalidJson);
        row(u"duplicate key: put"_s, "PUT", victimPath, q("{'status':'bogus','status':'completed'}"), invalidJson);
        row(u"duplicate key: command"_s, "POST", cmdPath, q("{'type':'explode','type':'pause'}"), invalidJson);
        row(u"duplicate key: ack"_s, "POST", u"/api/commands/cmd-1/ack"_s, q("{'result':1,'result':2}"), invalidJson);
        row(u"duplicate key: input"_s, "POST", inPath, q("{'input':5,'input':'y'}"), invalidJson);

        // Query parameters
        const QString invalidParam = u"Invalid query parameter"_s;
        for (const char *q : {"limit=abc", "limit=-1", "limit=0", "limit=1001", "limit=1.5", "limit=", "limit=1e3",
                              "limit=99999999999999999999"})
            row(u"sessions ?%1"_s.arg(QLatin1String(q)), "GET", u"/api/sessions?"_s + QLatin1String(q), {},
                invalidParam);
        row(u"sessions ?status=bogus"_s, "GET", u"/api/sessions?status=bogus"_s, {}, u"Invalid status"_s);
        row(u"sessions ?user=a*b"_s, "GET", u"/api/sessions?user=a*b"_s, {}, invalidId);
        row(u"sessions ?user=129"_s, "GET", u"/api/sessions?user="_s + QString::fromLatin1(long129), {}, invalidId);
        for (const char *q : {"limit=abc", "limit=-1", "after=x", "after=-1", "after=", "since=garbage",
                              "since=2026-11-25T21:04:17", "since=2026-13-45T99:00:00Z", "since="})
            row(u"events ?%1"_s.arg(QLatin1String(q)), "GET", u"/api/events/{sid}?"_s + QLatin1String(q), {},
                invalidParam);
        for (const char *q : {"limit=abc", "limit=0", "limit=1001", "limit=-5", "seconds=x", "seconds=0",
                              "seconds=-5"})
            row(u"recent ?%1"_s.arg(QLatin1String(q)), "GET", u"/api/events/{sid}/recent?"_s + QLatin1String(q),
                {}, invalidParam);
    }

    void badInput()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const QString sid = u"victim"_s;
        CHECKED(seedVictim(sid));
        const QByteArray before = snapshot(sid);
        path.replace(u"{sid}"_s, sid);

        const HttpResult r = req(method, path, body);
        CHECKED(verifyError(r, 400, error));
        if (r.json().value(u"error"_s).toString() == u"Invalid event format"_s) {
            QCOMPARE(r.json().value(u"required"_s).toArray(),
                     (QJsonArray{u"sessionId"_s, u"type"_s, u"timestamp"_s}));
        }
        QCOMPARE(snapshot(sid), before);
        CHECKED(verifyAlive());
    }

    // Ids in the request path, written byte for byte (QUrl would rewrite some).
    void badPathId_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        const QList<std::pair<const char *, QByteArray>> badIds{
            {"space", "a%20b"},      {"star", "a*b"},       {"NUL", "a%00b"},        {"dotdot", ".."},
            {"dot", "."},            {"encoded dotdot", "%2E%2E"}, {"129 chars", QByteArray(129, 'a')},
            {"encoded slash", "a%2Fb"}, {"unicode", "caf%C3%A9"}, {"quote", "a%22b"}, {"brace", "%7Bx%7D"},
            {"percent", "a%25b"}};
        const QList<std::pair<QByteArray, QByteArray>> routes{
            {"GET", "/api/sessions/%1"},         {"PUT", "/api/sessions/%1"},
            {"DELETE", "/api/sessions/%1"},      {"GET", "/api/sessions/%1/chains"},
            {"GET", "/api/sessions/%1/ttl"},     {"POST", "/api/sessions/%1/commands"},
            {"GET", "/api/sessions/%1/commands"}, {"POST", "/api/sessions/%1/input"},
            {"GET", "/api/sessions/%1/input"},   {"GET", "/api/events/%1"},
            {"GET", "/api/events/%1/recent"},    {"POST", "/api/commands/%1/commands"},
            {"GET", "/api/commands/%1/commands"}, {"POST", "/api/commands/%1/ack"},
            {"GET", "/api/users/%1/sessions"}};
        // Every bad id on the routes that write or read the session itself; the
        // rest of the routes (same parameter check) with a few of them, for time.
        const QList<QByteArray> everyId{"/api/sessions/%1", "/api/sessions/%1/commands", "/api/sessions/%1/input",
                                        "/api/events/%1", "/api/commands/%1/ack"};
        for (const auto &[name, id] : badIds) {
            const bool common = QByteArray(name) == "space" || QByteArray(name) == "NUL"
                                || QByteArray(name) == "dotdot" || QByteArray(name) == "129 chars";
            for (const auto &[m, pattern] : routes) {
                if (!common && !everyId.contains(pattern))
                    continue;
                QByteArray target = pattern;
                target.replace("%1", id);
                QTest::newRow(QByteArray(m + ' ' + pattern + " [" + name + ']').constData()) << m << target;
            }
        }
    }

    void badPathId()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        const QString sid = u"victim"_s;
        CHECKED(seedVictim(sid));
        const QByteArray before = snapshot(sid);
        const QByteArray body = method == "GET" || method == "DELETE" ? QByteArray()
                                                                       : QByteArray(q("{'type':'pause','input':'x','cwd':'/c'}"));
        const HttpResult r = rawHttp(m_daemon->port(),
                                     method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         "Content-Type: application/json\r\nContent-Length: "
                                         + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        CHECKED(verifyError(r, 400, u"Invalid id"_s));
        QCOMPARE(snapshot(sid), before);
        CHECKED(verifyAlive());
    }

    // An empty segment is not an id either: "/api/sessions//chains" must not read
    // session "chains", "/api/events//recent" must not read session "recent".
    void emptyPathSegment_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("GET /api/sessions//chains") << QByteArray("/api/sessions//chains");
        QTest::newRow("GET /api/events//recent") << QByteArray("/api/events//recent");
        QTest::newRow("GET /api/sessions//ttl") << QByteArray("/api/sessions//ttl");
    }

    void emptyPathSegment()
    {
        QFETCH(QByteArray, target);
        const HttpResult r = rawHttp(m_daemon->port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(r.status != 0);
        QCOMPARE(r.status, 400);
        CHECKED(verifyAlive());
    }

    // ------------------------------------------------------------ body limits

    void payloadTooLarge()
    {
        const QString sid = uid("huge");
        const QByteArray big = paddedEvent(sid, 5 * 1024 * 1024);
        QVERIFY(big.size() >= 5 * 1024 * 1024);
        const qint64 ingested = eventsIngested();
        QElapsedTimer timer;
        timer.start();
        const HttpResult r = post(u"/api/events"_s, big);
        const qint64 ms = timer.elapsed();
        CHECKED(verifyError(r, 413, u"Payload too large"_s));
        QVERIFY2(ms < 1000, qPrintable(u"413 took %1 ms"_s.arg(ms)));
        QCOMPARE(eventsIngested(), ingested);
        QCOMPARE(get(u"/api/events/"_s + sid).json().value(u"count"_s).toInt(), 0);
        CHECKED(verifyAlive());
        // Just under the default limit (1 MiB) is fine.
        QCOMPARE(post(u"/api/events"_s, paddedEvent(sid, 1024 * 1024 - 100)).status, 201);
    }

    void payloadTooLargeChunked()
    {
        const QString sid = uid("huge-chunked");
        const QByteArray big = paddedEvent(sid, 5 * 1024 * 1024);
        QElapsedTimer timer;
        timer.start();
        const HttpResult r = rawHttp(m_daemon->port(), chunked("POST", "/api/events", big, 64 * 1024));
        const qint64 ms = timer.elapsed();
        CHECKED(verifyError(r, 413, u"Payload too large"_s));
        QVERIFY2(ms < 1000, qPrintable(u"413 took %1 ms"_s.arg(ms)));
        QCOMPARE(get(u"/api/events/"_s + sid).json().value(u"count"_s).toInt(), 0);
        CHECKED(verifyAlive());
        // A small chunked upload is an ordinary request.
        const HttpResult ok = rawHttp(m_daemon->port(), chunked("POST", "/api/events",
                                                               compact(makeEvent(sid, u"x"_s, nowIso())), 7));
        QCOMPARE(ok.status, 201);
        QCOMPARE(QJsonDocument::fromJson(ok.body).object().value(u"seq"_s).toInteger(), 1);
    }

    void configuredBodyLimit_data()
    {
        QTest::addColumn<bool>("useChunked");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("status");
        for (const bool ch : {false, true}) {
            const char *how = ch ? "chunked" : "content-length";
            QTest::addRow("%s /api/events 10000", how) << ch << u"/api/events"_s << 10000 << 413;
            QTest::addRow("%s /api/events at limit", how) << ch << u"/api/events"_s << 4096 << 201;
            QTest::addRow("%s /api/events limit+1", how) << ch << u"/api/events"_s << 4097 << 413;
            QTest::addRow("%s /api/events/batch limit+1", how) << ch << u"/api/events/batch"_s << 4097 << 413;
            QTest::addRow("%s /api/sessions 10000", how) << ch << u"/api/sessions"_s << 10000 << 413;
        }
    }

    void configuredBodyLimit()
    {
        QFETCH(bool, useChunked);
        QFETCH(QString, path);
        QFETCH(int, size);
        QFETCH(int, status);
        const Daemon *d = m_small.get(); // maxBodyBytes 4096
        const QString sid = uid("small");
        const bool isBatch = path.endsWith(u"batch"_s);
        QByteArray body = paddedEvent(sid, isBatch ? size - 2 : size);
        if (isBatch)
            body = '[' + body + ']';
        QCOMPARE(body.size(), size);
        const HttpResult r = useChunked ? rawHttp(d->port(), chunked("POST", path.toLatin1(), body, 1000))
                                        : req("POST", path, body, {}, d);
        const int stored = req("GET", u"/api/events/"_s + sid, {}, {}, d).json().value(u"count"_s).toInt();
        if (status == 201) {
            QCOMPARE(r.status, 201);
            QCOMPARE(stored, 1);
        } else {
            CHECKED(verifyError(r, 413, u"Payload too large"_s));
            QCOMPARE(stored, 0);
        }
        CHECKED(verifyAlive(d));
    }
};

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_httpapi.moc"

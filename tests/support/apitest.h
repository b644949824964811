// SPDX-License-Identifier: MIT
#pragma once
// What the REST suites (tst_api_*) share: an in-process daemon per test function (and
// data row), requests over the real wire, and the checks of API.md's error answers and of
// "nothing changed". Backend: memory by default; AFW_TEST_BACKEND=redis runs the same
// suites against one real redis-server, every daemon with its own key prefix.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QTestEventLoop>

#include <memory>

#include "config.h"
#include "daemon.h"
#include "http.h"
#include "testdaemon.h"
#include "timeutil.h"

namespace Afw::Test {

using namespace Qt::StringLiterals;

using Headers = QList<std::pair<QByteArray, QByteArray>>;

inline const QByteArray kApiKey = "s3cret-key_for.tests";
inline const QByteArray kKeyedOrigin = "https://dash.example";

// JSON written with ' for " (readable tables; moc's tokenizer trips on some raw strings).
inline QByteArray q(const char *json)
{
    return QByteArray(json).replace('\'', '"');
}

inline QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

inline QByteArray compact(const QJsonArray &a)
{
    return QJsonDocument(a).toJson(QJsonDocument::Compact);
}

inline QJsonObject makeEvent(const QString &sid, const QString &type, const QString &ts,
                             QJsonObject extra = {})
{
    extra.insert(u"sessionId"_s, sid);
    extra.insert(u"type"_s, type);
    extra.insert(u"timestamp"_s, ts);
    return extra;
}

// 2026-03-01T10:00:00.000Z plus an offset in ms: fixed times for the fold.
inline QString t0(qint64 plusMs = 0)
{
    return isoFromMs(*parseIsoTimestamp(u"2026-03-01T10:00:00.000Z") + plusMs);
}

inline QStringList keys(const QJsonObject &o)
{
    QStringList k = o.keys();
    k.sort();
    return k;
}

inline QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

inline bool isServerIso(const QString &s)
{
    static const QRegularExpression re(u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"_s);
    return re.match(s).hasMatch();
}

inline QStringList ids(const QJsonArray &arr)
{
    QStringList out;
    for (const auto &v : arr)
        out << v.toObject().value(u"id"_s).toString();
    return out;
}

inline QList<qint64> seqs(const QJsonArray &arr)
{
    QList<qint64> out;
    for (const auto &v : arr)
        out << v.toObject().value(u"seq"_s).toInteger();
    return out;
}

// -1 when the series is absent.
inline qint64 metricValue(const QByteArray &text, const QByteArray &series)
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
inline HttpResult rawHttp(quint16 port, const QByteArray &request, int timeoutMs = 10000)
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

inline QByteArray chunked(const QByteArray &method, const QByteArray &target,
                          const QByteArray &body, qsizetype chunkSize)
{
    QByteArray out = method + ' ' + target +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
    for (qsizetype i = 0; i < body.size(); i += chunkSize) {
        const QByteArray part = body.mid(i, chunkSize);
        out += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// A valid event padded to about `size` bytes.
inline QByteArray paddedEvent(const QString &sid, qsizetype size)
{
    QByteArray e = compact(makeEvent(sid, u"file:modified"_s, nowIso(), {{u"pad"_s, QString()}}));
    e.insert(e.indexOf("\"pad\":\"") + 7, QByteArray(std::max<qsizetype>(0, size - e.size()), 'x'));
    return e;
}

// A failed check inside a helper ends the calling test too.
#define CHECKED(call)                                                                              \
    do {                                                                                           \
        call;                                                                                      \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

class ApiTest : public QObject
{
    Q_OBJECT

protected:
    DaemonFixture m_fixture;
    QNetworkAccessManager m_nam;
    std::unique_ptr<Daemon> m_daemon; // fresh for every test function and data row
    int m_counter = 0;

    QString backend() const { return m_fixture.backend(); }
    std::unique_ptr<Daemon> start(const Config &config) { return m_fixture.start(config); }
    template <typename T> static T await(const QFuture<T> &f) { return DaemonFixture::await(f); }
    // A daemon with an API key and a CORS origin configured; one with a 4096-byte body
    // limit (started on first use, kept for the suite).
    const Daemon *keyed();
    const Daemon *small();

    QString uid(const char *base)
    {
        return QLatin1String(base) + u"-t"_s + QString::number(++m_counter);
    }

    QUrl url(const QString &pathAndQuery, const Daemon *d = nullptr) const
    {
        return QUrl(u"http://127.0.0.1:"_s + QString::number((d ? d : m_daemon.get())->port()) +
                    pathAndQuery);
    }

    HttpResult req(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const Headers &headers = {}, const Daemon *d = nullptr)
    {
        return Afw::Test::http(m_nam, method, url(path, d), body, headers);
    }
    HttpResult get(const QString &path, const Headers &headers = {})
    {
        return req("GET", path, {}, headers);
    }
    HttpResult post(const QString &path, const QByteArray &body) { return req("POST", path, body); }
    HttpResult post(const QString &path, const QJsonObject &body)
    {
        return req("POST", path, compact(body));
    }
    HttpResult put(const QString &path, const QJsonObject &body)
    {
        return req("PUT", path, compact(body));
    }
    HttpResult del(const QString &path) { return req("DELETE", path); }

    // Another daemon on m_daemon's data: with Redis, the same server and key prefix (two
    // instances behind one Redis); with memory there is no such thing (nullptr).
    std::unique_ptr<Daemon> twin() { return m_fixture.twin(*m_daemon); }

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
        const QStringList paths{u"/api/sessions"_s, u"/api/sessions/"_s + sid,
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
        QVERIFY2(r.status == status,
                 qPrintable(u"status %1 (want %2), body %3"_s.arg(r.status).arg(status).arg(
                     QString::fromUtf8(r.body))));
        QVERIFY2(r.header("Content-Type").startsWith("application/json"),
                 r.header("Content-Type").constData());
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
        QCOMPARE(
            postEvent(makeEvent(sid, u"chain:compiled"_s, nowIso(), {{u"chainId"_s, u"vc"_s}})), 1);
        QCOMPARE(postEvent(makeEvent(sid, u"step:started"_s, nowIso(), {{u"stepNumber"_s, 1}})), 2);
        QCOMPARE(
            post(u"/api/sessions/"_s + sid + u"/commands"_s, QJsonObject{{u"type"_s, u"pause"_s}})
                .status,
            201);
        QCOMPARE(
            post(u"/api/sessions/"_s + sid + u"/input"_s, QJsonObject{{u"input"_s, u"y"_s}}).status,
            201);
    }

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

private:
    std::unique_ptr<Daemon> m_keyed;
    std::unique_ptr<Daemon> m_small;
};

} // namespace Afw::Test

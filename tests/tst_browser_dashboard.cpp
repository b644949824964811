// SPDX-License-Identifier: MIT
// The ActionFlows web dashboard's requests, made by a real browser: headless Chromium
// (Debian's chromium package) loads tests/browser/dashboard_check.html from a file://
// URL against an in-process afwd; the page fetches /api/users and /api/sessions, opens
// a plain WebSocket on /ws and waits for live events, as the dashboard does. The test
// drives the page over the DevTools protocol (a QWebSocket): it waits for the page's
// REST part and for its WebSocket to be connected, posts events, then reads what the
// page wrote into its DOM.
// Backend: memory by default; AFW_TEST_BACKEND=redis for a real redis-server.
// Without /usr/bin/chromium the test skips; AFW_REQUIRE_CHROMIUM=1 (CI) makes that a failure.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <memory>

#include <signal.h>
#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "redisserver.h"
#include "storage/storage.h"
#include "ws/wshub.h"

using namespace Qt::StringLiterals;
using Afw::Test::http;

namespace {

constexpr int kWaitMs = 8000;
const QString kChromium = u"/usr/bin/chromium"_s;

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Headless Chromium in a process group of its own (it forks a zygote, renderers, a GPU
// process), ended as a group by its id when this object dies.
class Chromium
{
public:
    ~Chromium() { stop(); }

    bool start(const QUrl &page, QString *error)
    {
        if (!m_profile.isValid()) {
            *error = u"no temporary profile directory"_s;
            return false;
        }
        // Background networking off, or it keeps trying (refused) connections of its own.
        const QStringList args{u"--headless"_s,
                               u"--no-sandbox"_s,
                               u"--disable-gpu"_s,
                               u"--disable-quic"_s,
                               u"--no-first-run"_s,
                               u"--disable-background-networking"_s,
                               u"--disable-component-update"_s,
                               u"--disable-sync"_s,
                               u"--user-data-dir="_s + m_profile.path(),
                               u"--remote-debugging-address=127.0.0.1"_s,
                               u"--remote-debugging-port=0"_s,
                               page.toString(QUrl::FullyEncoded)};
        m_process.setProgram(kChromium);
        m_process.setArguments(args);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setChildProcessModifier([] { ::setsid(); });
        QObject::connect(&m_process, &QProcess::readyRead, [this] { m_log += m_process.readAll(); });
        m_process.start();
        if (!m_process.waitForStarted(5000)) {
            *error = u"cannot start "_s + kChromium + u": "_s + m_process.errorString();
            return false;
        }
        return true;
    }

    // The DevTools port, once Chromium has written it into the profile (0: not yet).
    quint16 devToolsPort() const
    {
        QFile f(m_profile.filePath(u"DevToolsActivePort"_s));
        if (!f.open(QIODevice::ReadOnly))
            return 0;
        return quint16(f.readLine().trimmed().toUInt());
    }

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    QByteArray log() const { return m_log; }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        // The group is signalled while its leader (our child, not yet reaped) lives, so
        // its id cannot have been reused; the helpers end with the browser.
        const pid_t group = pid_t(m_process.processId());
        ::kill(-group, SIGTERM);
        if (!m_process.waitForFinished(3000)) {
            ::kill(-group, SIGKILL);
            m_process.waitForFinished(3000);
        }
    }

private:
    QTemporaryDir m_profile{QDir::tempPath() + u"/afw-chromium-XXXXXX"_s};
    QProcess m_process;
    QByteArray m_log;
};

// A DevTools protocol session with one page target: numbered calls, answers waited
// for on a condition (bounded).
class DevTools : public QObject
{
public:
    DevTools()
    {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
            if (o.contains("id"_L1))
                m_answers.insert(o.value("id"_L1).toInt(), o);
        });
    }

    bool open(const QUrl &url)
    {
        m_socket.open(url);
        return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs);
    }

    // Runtime.evaluate, awaiting a promise; the value (returned by value), or an
    // undefined QJsonValue on time-out or exception (*error says which).
    QJsonValue evaluate(const QString &expression, QString *error, int timeoutMs = kWaitMs)
    {
        const int id = ++m_nextId;
        const QJsonObject call{{"id"_L1, id},
                               {"method"_L1, "Runtime.evaluate"_L1},
                               {"params"_L1, QJsonObject{{"expression"_L1, expression},
                                                         {"awaitPromise"_L1, true},
                                                         {"returnByValue"_L1, true}}}};
        m_socket.sendTextMessage(QString::fromUtf8(compact(call)));
        if (!QTest::qWaitFor([&] { return m_answers.contains(id); }, timeoutMs)) {
            *error = u"no answer to: "_s + expression;
            return QJsonValue(QJsonValue::Undefined);
        }
        const QJsonObject result = m_answers.take(id).value("result"_L1).toObject();
        if (result.contains("exceptionDetails"_L1)) {
            *error = QString::fromUtf8(compact(result.value("exceptionDetails"_L1).toObject()));
            return QJsonValue(QJsonValue::Undefined);
        }
        return result.value("result"_L1).toObject().value("value"_L1);
    }

private:
    QWebSocket m_socket;
    QHash<int, QJsonObject> m_answers;
    int m_nextId = 0;
};

} // namespace

class TestBrowserDashboard : public QObject
{
    Q_OBJECT

    QNetworkAccessManager m_nam;
    const bool m_useRedis = qgetenv("AFW_TEST_BACKEND") == "redis";
    std::unique_ptr<Afw::Test::RedisServer> m_redis;

    QUrl api(const Afw::Daemon &d, const QString &path) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(d.port()).arg(path));
    }
    int post(const Afw::Daemon &d, const QString &path, const QJsonObject &body)
    {
        return http(m_nam, "POST", api(d, path), compact(body)).status;
    }
    static QJsonObject event(const QString &sid, const QString &type, const QString &ts, QJsonObject extra = {})
    {
        extra.insert("sessionId"_L1, sid);
        extra.insert("type"_L1, type);
        extra.insert("timestamp"_L1, ts);
        return extra;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(u"afw.*.debug=false\nafw.*.info=false"_s);
        m_nam.setProxy(QNetworkProxy::NoProxy);
        if (!QFile::exists(kChromium)) {
            if (qEnvironmentVariableIntValue("AFW_REQUIRE_CHROMIUM") == 1)
                QFAIL("/usr/bin/chromium not found and AFW_REQUIRE_CHROMIUM=1 (bash packaging/deps.sh test installs it)");
            QSKIP("/usr/bin/chromium not found: the browser check needs Debian's chromium package "
                  "(bash packaging/deps.sh test, which make test runs, installs it)");
        }
        if (m_useRedis) {
            AFW_REQUIRE_REDIS_SERVER();
            m_redis = std::make_unique<Afw::Test::RedisServer>();
            QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        }
        QVERIFY2(QFile::exists(QStringLiteral(AFW_BROWSER_PAGE)), AFW_BROWSER_PAGE);
    }

    void cleanupTestCase() { m_redis.reset(); }

    void dashboardWorksLive()
    {
        Afw::Config config;
        config.host = u"127.0.0.1"_s;
        config.port = 0;
        if (m_useRedis)
            config.redisUrl = m_redis->url();
        Afw::Daemon d(config);
        QString error;
        QVERIFY2(d.start(&error), qPrintable(error));
        QVERIFY(QTest::qWaitFor([&d] { return d.storage()->isAvailable(); }, kWaitMs));

        // An agent's hooks post only step events for a session no one created; an
        // operator's session was made by POST and has a compiled chain.
        const QString hook = u"hook-session"_s, posted = u"posted-session"_s, live = u"live-session"_s;
        QCOMPARE(post(d, u"/api/events"_s, event(hook, u"step:spawned"_s, u"2026-11-26T10:00:00.000Z"_s,
                                                 {{"stepNumber"_L1, 1}, {"user"_L1, "ada"_L1}, {"action"_L1, "code"_L1}})),
                 201);
        QCOMPARE(post(d, u"/api/events"_s, event(hook, u"step:completed"_s, u"2026-11-26T10:00:05.000Z"_s,
                                                 {{"stepNumber"_L1, 1}})),
                 201);
        QCOMPARE(post(d, u"/api/events"_s, event(hook, u"step:spawned"_s, u"2026-11-26T10:00:06.000Z"_s,
                                                 {{"stepNumber"_L1, 2}})),
                 201);
        QCOMPARE(post(d, u"/api/sessions"_s, {{"id"_L1, posted}, {"cwd"_L1, "/repo"_L1}, {"userId"_L1, "bob"_L1}}), 201);
        QJsonArray steps;
        for (int i = 1; i <= 3; ++i)
            steps.append(QJsonObject{{"stepNumber"_L1, i}, {"action"_L1, "review"_L1}});
        QCOMPARE(post(d, u"/api/events"_s, event(posted, u"chain:compiled"_s, u"2026-11-26T10:01:00.000Z"_s,
                                                 {{"chainId"_L1, "build"_L1}, {"steps"_L1, steps}})),
                 201);

        constexpr int kLive = 3;
        QUrl page = QUrl::fromLocalFile(QStringLiteral(AFW_BROWSER_PAGE));
        page.setQuery(u"api=http://127.0.0.1:%1&frames=%2"_s.arg(d.port()).arg(kLive));
        Chromium chromium;
        QVERIFY2(chromium.start(page, &error), qPrintable(error));
        const auto diagnostics = [&chromium] { return QString::fromLocal8Bit(chromium.log().right(2000)); };
        QVERIFY2(QTest::qWaitFor([&] { return chromium.devToolsPort() != 0 || !chromium.isRunning(); }, kWaitMs)
                     && chromium.isRunning(),
                 qPrintable(u"no DevTools port; Chromium said: "_s + diagnostics()));

        // The page target, by its file:// URL.
        QUrl target;
        QVERIFY(QTest::qWaitFor([&] {
            const auto r = http(m_nam, "GET", QUrl(u"http://127.0.0.1:%1/json/list"_s.arg(chromium.devToolsPort())));
            for (const auto &v : r.jsonArray()) {
                const QJsonObject t = v.toObject();
                if (t.value("type"_L1) == "page"_L1 && t.value("url"_L1).toString().startsWith("file://"_L1))
                    target = QUrl(t.value("webSocketDebuggerUrl"_L1).toString());
            }
            return target.isValid();
        }, kWaitMs));
        DevTools page_;
        QVERIFY(page_.open(target));

        // The page's script ran (the target may still be loading it), its REST part is
        // done, and its plain WebSocket is connected: then the live events.
        QVERIFY2(QTest::qWaitFor([&] {
            QString ignored;
            return page_.evaluate(u"typeof window.afwDone"_s, &ignored, 1000) == "object"_L1;
        }, kWaitMs), qPrintable(u"the page did not run; Chromium said: "_s + diagnostics()));
        QVERIFY2(!page_.evaluate(u"window.afwRest.then(() => true)"_s, &error).isUndefined(), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(d.ws()->clientCount(), 1, kWaitMs);
        const QStringList liveTypes{u"step:spawned"_s, u"step:completed"_s, u"chain:completed"_s};
        for (int i = 0; i < kLive; ++i) {
            QCOMPARE(post(d, u"/api/events"_s, event(live, liveTypes.at(i), u"2026-11-26T10:02:0%1.000Z"_s.arg(i),
                                                     {{"stepNumber"_L1, 1}})),
                     201);
        }
        const QJsonValue done = page_.evaluate(u"window.afwDone"_s, &error);
        if (done.isUndefined()) {
            QString ignored;
            const QJsonValue dom = page_.evaluate(u"document.body.innerText"_s, &ignored, 2000);
            QFAIL(qPrintable(error + u"\npage: "_s + dom.toString() + u"\nChromium: "_s + diagnostics()));
        }
        // What the page wrote into its DOM is what it resolved with.
        const QJsonValue domText = page_.evaluate(u"document.getElementById('result').textContent"_s, &error);
        QCOMPARE(domText, done);
        const QJsonObject result = QJsonDocument::fromJson(done.toString().toUtf8()).object();
        QVERIFY2(!result.isEmpty(), qPrintable(done.toString()));
        QCOMPARE(result.value("errors"_L1).toArray(), QJsonArray{});
        QCOMPARE(result.value("invalidFrames"_L1).toArray(), QJsonArray{}); // no hello, no envelope

        // Users: keyed on id, online while a session is pending or in progress.
        QHash<QString, QJsonObject> users;
        for (const auto &v : result.value("users"_L1).toArray())
            users.insert(v.toObject().value("id"_L1).toString(), v.toObject());
        QCOMPARE(users.value(u"ada"_s).value("initials"_L1).toString(), u"ad"_s);
        QCOMPARE(users.value(u"ada"_s).value("isOnline"_L1).toBool(), true);
        QCOMPARE(users.value(u"bob"_s).value("initials"_L1).toString(), u"bo"_s);
        QCOMPARE(users.value(u"bob"_s).value("isOnline"_L1).toBool(), true);

        // Sessions: the hook-made one is listed, with its chain; currentChain.steps read.
        QHash<QString, QJsonObject> sessions;
        for (const auto &v : result.value("sessions"_L1).toArray())
            sessions.insert(v.toObject().value("id"_L1).toString(), v.toObject());
        const QJsonObject h = sessions.value(hook);
        QCOMPARE(h.value("status"_L1).toString(), u"in_progress"_s);
        QCOMPARE(h.value("chainsCount"_L1).toInt(), 1);
        QCOMPARE(h.value("currentChainId"_L1).toString(), u"chain-1"_s);
        QCOMPARE(h.value("steps"_L1).toInt(), 2);
        QCOMPARE(h.value("stepStatuses"_L1).toArray(), (QJsonArray{u"completed"_s, u"in_progress"_s}));
        const QJsonObject p = sessions.value(posted);
        QCOMPARE(p.value("currentChainId"_L1).toString(), u"build"_s);
        QCOMPARE(p.value("steps"_L1).toInt(), 3);

        // Live: the events posted while the page was open, as events, in order.
        const QJsonArray frames = result.value("frames"_L1).toArray();
        QCOMPARE(frames.size(), kLive);
        for (int i = 0; i < kLive; ++i) {
            const QJsonObject f = frames.at(i).toObject();
            QCOMPARE(f.value("type"_L1).toString(), liveTypes.at(i));
            QCOMPARE(f.value("sessionId"_L1).toString(), live);
            QCOMPARE(f.value("timestamp"_L1).toString(), u"2026-11-26T10:02:0%1.000Z"_s.arg(i));
            QCOMPARE(f.value("seq"_L1).toInt(), i + 1);
            QVERIFY(f.value("eventId"_L1).toString().startsWith("evt-"_L1));
        }
        chromium.stop();
        QVERIFY(!chromium.isRunning());
    }
};

QTEST_GUILESS_MAIN(TestBrowserDashboard)
#include "tst_browser_dashboard.moc"

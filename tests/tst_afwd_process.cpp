// SPDX-License-Identifier: MIT
// The real afwd binary (AFWD_BIN) as a child process: flags, environment, exit
// codes, and graceful shutdown on SIGTERM/SIGINT with live WebSocket clients.
#include <QElapsedTimer>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <csignal>
#include <sys/types.h>

#include "afwdprocess.h"
#include "http.h"
#include "redisserver.h"

using namespace Qt::StringLiterals;
using Afw::Test::http;

namespace {
constexpr int kStartMs = 10000;
using Afw::Test::RedisServer; // for freePort()
} // namespace

class tst_AfwdProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void help();
    void version();
    void invalidValuesReportedTogether_data();
    void invalidValuesReportedTogether();
    void gracefulShutdown_data();
    void gracefulShutdown();
    void silentClientDoesNotBlockShutdown();
    void flagsOverrideEnvironment();
    void apiKeyFromEnvironment();
    void portInUseFails();

private:
    QProcessEnvironment cleanEnv() const;
    QProcess *launch(const QStringList &args, const QProcessEnvironment &env);
    // Starts afwd and waits for its start-up line; nullptr (and a warning) if it does not come.
    QProcess *startDaemon(const QStringList &args, const QProcessEnvironment &env, QString *startLine);
    bool finishes(QProcess *p, int timeoutMs = kStartMs);

    QString m_bin;
    QList<QProcess *> m_procs;
    QHash<QProcess *, QByteArray> m_stderr;
    QNetworkAccessManager m_nam;
};

void tst_AfwdProcess::initTestCase()
{
    m_bin = qEnvironmentVariable("AFWD_BIN");
    QVERIFY2(!m_bin.isEmpty(), "AFWD_BIN must name the afwd binary");
    QVERIFY2(QFileInfo(m_bin).isExecutable(), qPrintable(m_bin));
}

void tst_AfwdProcess::cleanup()
{
    // Never leave a daemon behind: kill by PID whatever is still running.
    for (QProcess *p : std::as_const(m_procs)) {
        if (p->state() != QProcess::NotRunning) {
            ::kill(pid_t(p->processId()), SIGKILL);
            p->waitForFinished(5000);
        }
        delete p;
    }
    m_procs.clear();
    m_stderr.clear();
}

QProcessEnvironment tst_AfwdProcess::cleanEnv() const
{
    return Afw::Test::AfwdProcess::cleanEnvironment();
}

QProcess *tst_AfwdProcess::launch(const QStringList &args, const QProcessEnvironment &env)
{
    auto *p = new QProcess;
    m_procs.append(p);
    p->setProcessEnvironment(env);
    connect(p, &QProcess::readyReadStandardError, this, [this, p] { m_stderr[p] += p->readAllStandardError(); });
    p->start(m_bin, args);
    return p;
}

QProcess *tst_AfwdProcess::startDaemon(const QStringList &args, const QProcessEnvironment &env,
                                       QString *startLine)
{
    QProcess *p = launch(args, env);
    const bool up = QTest::qWaitFor(
        [this, p] { return m_stderr.value(p).contains("listening") || p->state() == QProcess::NotRunning; },
        kStartMs);
    const QByteArray err = m_stderr.value(p);
    if (!up || !err.contains("listening")) {
        qWarning() << "afwd did not start:" << p->state() << err;
        return nullptr;
    }
    const qsizetype at = err.indexOf("listening");
    const qsizetype begin = err.lastIndexOf('\n', at) + 1;
    const qsizetype end = err.indexOf('\n', at);
    *startLine = QString::fromUtf8(err.mid(begin, end < 0 ? -1 : end - begin));
    return p;
}

bool tst_AfwdProcess::finishes(QProcess *p, int timeoutMs)
{
    return QTest::qWaitFor([p] { return p->state() == QProcess::NotRunning; }, timeoutMs);
}

// ---------------------------------------------------------------------------

void tst_AfwdProcess::help()
{
    QProcess *p = launch({u"--help"_s}, cleanEnv());
    QVERIFY(finishes(p));
    QCOMPARE(p->exitStatus(), QProcess::NormalExit);
    QCOMPARE(p->exitCode(), 0);
    const QByteArray out = p->readAllStandardOutput();
    QVERIFY2(out.contains("Usage:"), out.constData());
    for (const char *flag : {"--port", "--host", "--redis-url", "--log-level", "--api-key", "--version"})
        QVERIFY2(out.contains(flag), flag);
}

void tst_AfwdProcess::version()
{
    QProcess *p = launch({u"--version"_s}, cleanEnv());
    QVERIFY(finishes(p));
    QCOMPARE(p->exitStatus(), QProcess::NormalExit);
    QCOMPARE(p->exitCode(), 0);
    const QByteArray out = p->readAllStandardOutput().trimmed();
    QCOMPARE(out, QByteArray("afwd " AFW_VERSION));
}

void tst_AfwdProcess::invalidValuesReportedTogether_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");   // NAME=value
    QTest::addColumn<QStringList>("named"); // every one must be in stderr

    QTest::newRow("three bad env values")
        << QStringList() << QStringList{u"PORT=abc"_s, u"LOG_LEVEL=loud"_s, u"AFW_MAX_BODY_BYTES=-5"_s}
        << QStringList{u"PORT"_s, u"LOG_LEVEL"_s, u"AFW_MAX_BODY_BYTES"_s, u"abc"_s, u"loud"_s, u"-5"_s};
    QTest::newRow("flag and env")
        << QStringList{u"--port"_s, u"70000"_s, u"--host"_s, u"not-an-address"_s}
        << QStringList{u"AFW_WS_PING_INTERVAL_MS=5"_s}
        << QStringList{u"PORT"_s, u"70000"_s, u"HOST"_s, u"AFW_WS_PING_INTERVAL_MS"_s};
    QTest::newRow("unknown flag") << QStringList{u"--bogus"_s} << QStringList() << QStringList{u"bogus"_s};
    QTest::newRow("positional argument")
        << QStringList{u"extra"_s} << QStringList() << QStringList{u"extra"_s};
}

void tst_AfwdProcess::invalidValuesReportedTogether()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QStringList, named);
    QProcessEnvironment e = cleanEnv();
    for (const QString &kv : env)
        e.insert(kv.section(u'=', 0, 0), kv.section(u'=', 1));
    QProcess *p = launch(args, e);
    QVERIFY(finishes(p));
    QCOMPARE(p->exitStatus(), QProcess::NormalExit);
    QCOMPARE(p->exitCode(), 2);
    m_stderr[p] += p->readAllStandardError();
    const QString err = QString::fromUtf8(m_stderr.value(p));
    for (const QString &n : named)
        QVERIFY2(err.contains(n), qPrintable(n + u" not in: "_s + err));
    QVERIFY(!err.contains("listening"_L1));
}

void tst_AfwdProcess::gracefulShutdown_data()
{
    QTest::addColumn<int>("sig");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void tst_AfwdProcess::gracefulShutdown()
{
    QFETCH(int, sig);
    const quint16 port = RedisServer::freePort();
    QVERIFY(port);
    QString line;
    QProcess *p = startDaemon({u"--port"_s, QString::number(port)}, cleanEnv(), &line);
    QVERIFY(p);
    QVERIFY2(line.contains(u"ws://127.0.0.1:%1/ws"_s.arg(port)), qPrintable(line));

    QUrl base(u"http://127.0.0.1/health"_s);
    base.setPort(port);
    QCOMPARE(http(m_nam, "GET", base).status, 200);

    // One client of each framing: a greets (envelope), b (events, the dashboard's) does not.
    QUrl wsUrl(u"ws://127.0.0.1/ws"_s);
    wsUrl.setPort(port);
    QUrl envelopeUrl = wsUrl;
    envelopeUrl.setQuery(u"framing=envelope"_s);
    QWebSocket a, b;
    QSignalSpy helloA(&a, &QWebSocket::textMessageReceived);
    QSignalSpy connectedB(&b, &QWebSocket::connected);
    a.open(envelopeUrl);
    b.open(wsUrl);
    QTRY_COMPARE(helloA.count(), 1);
    QTRY_COMPARE(connectedB.count(), 1);
    QSignalSpy goneA(&a, &QWebSocket::disconnected);
    QSignalSpy goneB(&b, &QWebSocket::disconnected);

    QElapsedTimer timer;
    timer.start();
    QCOMPARE(::kill(pid_t(p->processId()), sig), 0);
    QTRY_COMPARE_WITH_TIMEOUT(goneA.count(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(goneB.count(), 1, 5000);
    QCOMPARE(a.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    QCOMPARE(b.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    QVERIFY(finishes(p, 5000));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(p->exitStatus(), QProcess::NormalExit);
    QCOMPARE(p->exitCode(), 0);
    QVERIFY(m_stderr.value(p).contains("shutting down"));
    QCOMPARE(http(m_nam, "GET", base).status, 0); // nobody listens any more
}

void tst_AfwdProcess::silentClientDoesNotBlockShutdown()
{
    // A peer that completed the handshake but never answers the close frame: the
    // shutdown is bounded by the daemon's grace period, not by the peer.
    const quint16 port = RedisServer::freePort();
    QVERIFY(port);
    QString line;
    QProcess *p = startDaemon({u"--port"_s, QString::number(port)}, cleanEnv(), &line);
    QVERIFY(p);
    QTcpSocket raw;
    QByteArray received;
    connect(&raw, &QTcpSocket::readyRead, this, [&] { received += raw.readAll(); });
    raw.connectToHost(QHostAddress::LocalHost, port);
    QTRY_COMPARE(raw.state(), QAbstractSocket::ConnectedState);
    raw.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QTRY_VERIFY(received.contains("\r\n\r\n"));
    QVERIFY2(received.startsWith("HTTP/1.1 101"), received.constData());

    QElapsedTimer timer;
    timer.start();
    QCOMPARE(::kill(pid_t(p->processId()), SIGTERM), 0);
    QVERIFY(finishes(p, 5000));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(p->exitStatus(), QProcess::NormalExit);
    QCOMPARE(p->exitCode(), 0);
    // the close frame (1001) reached the peer before the daemon went away
    const qsizetype headerEnd = received.indexOf("\r\n\r\n") + 4;
    const qsizetype close = received.indexOf('\x88', headerEnd); // FIN + opcode 8
    QVERIFY(close > 0 && received.size() >= close + 4);
    QCOMPARE((uchar(received[close + 2]) << 8) | uchar(received[close + 3]), 1001);
    QTRY_COMPARE(raw.state(), QAbstractSocket::UnconnectedState);
}

void tst_AfwdProcess::flagsOverrideEnvironment()
{
    const quint16 envPort = RedisServer::freePort();
    const quint16 flagPort = RedisServer::freePort();
    QVERIFY(envPort && flagPort && envPort != flagPort);
    QProcessEnvironment env = cleanEnv();
    env.insert(u"PORT"_s, QString::number(envPort));
    env.insert(u"LOG_LEVEL"_s, u"error"_s); // the flag below wins, so the start-up line shows
    QString line;
    QProcess *p = startDaemon({u"--port"_s, QString::number(flagPort), u"--log-level"_s, u"info"_s}, env, &line);
    QVERIFY(p);
    QVERIFY2(line.contains(u":%1/ws"_s.arg(flagPort)), qPrintable(line));

    QUrl onFlag(u"http://127.0.0.1/health"_s);
    onFlag.setPort(flagPort);
    QCOMPARE(http(m_nam, "GET", onFlag).status, 200);
    QUrl onEnv(u"http://127.0.0.1/health"_s);
    onEnv.setPort(envPort);
    QCOMPARE(http(m_nam, "GET", onEnv).status, 0);

    // and without the flag the environment is used
    ::kill(pid_t(p->processId()), SIGTERM);
    QVERIFY(finishes(p, 5000));
    QString line2;
    env.insert(u"LOG_LEVEL"_s, u"info"_s);
    QProcess *p2 = startDaemon({}, env, &line2);
    QVERIFY(p2);
    QVERIFY2(line2.contains(u":%1/ws"_s.arg(envPort)), qPrintable(line2));
    QCOMPARE(http(m_nam, "GET", onEnv).status, 200);
}

void tst_AfwdProcess::apiKeyFromEnvironment()
{
    const quint16 port = RedisServer::freePort();
    QVERIFY(port);
    QProcessEnvironment env = cleanEnv();
    env.insert(u"AFW_API_KEY"_s, u"process-key"_s);
    QString line;
    QProcess *p = startDaemon({u"--port"_s, QString::number(port)}, env, &line);
    QVERIFY(p);
    QVERIFY2(line.contains("auth on"_L1), qPrintable(line));

    QUrl sessions(u"http://127.0.0.1/api/sessions"_s);
    sessions.setPort(port);
    const auto denied = http(m_nam, "GET", sessions);
    QCOMPARE(denied.status, 401);
    QCOMPARE(denied.json().value("error"_L1).toString(), u"Unauthorized"_s);
    QCOMPARE(http(m_nam, "GET", sessions, {}, {{"X-API-Key", "wrong"}}).status, 401);
    QCOMPARE(http(m_nam, "GET", sessions, {}, {{"X-API-Key", "process-key"}}).status, 200);
    QCOMPARE(http(m_nam, "GET", sessions, {}, {{"Authorization", "Bearer process-key"}}).status, 200);
    QUrl health(u"http://127.0.0.1/health"_s);
    health.setPort(port);
    QCOMPARE(http(m_nam, "GET", health).status, 200);
}

void tst_AfwdProcess::portInUseFails()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    QProcess *p = launch({u"--port"_s, QString::number(holder.serverPort())}, cleanEnv());
    QVERIFY(finishes(p));
    QCOMPARE(p->exitStatus(), QProcess::NormalExit);
    QVERIFY(p->exitCode() != 0);
    m_stderr[p] += p->readAllStandardError();
    QVERIFY2(m_stderr.value(p).contains("cannot listen"), m_stderr.value(p).constData());
}

QTEST_GUILESS_MAIN(tst_AfwdProcess)
#include "tst_afwd_process.moc"

// SPDX-License-Identifier: MIT
// ApiClient's failures, each as the operator meets it: nothing listening, no answer
// in time, a refused key, unknown sessions and bad input, something that is not afwd
// (an HTML page, other JSON, a proxy error), and a caller that went away.
#include <QHostAddress>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

#include "afwdprocess.h"
#include "apiclient.h"
#include "apiwait.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;
using Afw::Test::await;

namespace {
const QString kKey = u"client-test-key"_s;

// Answers every connection with one fixed HTTP response (or nothing at all).
class FakeServer : public QObject
{
public:
    explicit FakeServer(QByteArray response) : m_response(std::move(response))
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    m_requests += s->readAll();
                    if (!m_response.isEmpty() && m_requests.contains("\r\n\r\n")) {
                        s->write(m_response);
                        s->disconnectFromHost();
                    }
                });
            }
        });
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(m_server.serverPort())); }
    QByteArray requests() const { return m_requests; }

private:
    QTcpServer m_server;
    QByteArray m_response;
    QByteArray m_requests;
};

QByteArray httpResponse(const QByteArray &status, const QByteArray &type, const QByteArray &body)
{
    return "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}
} // namespace

class tst_ApiErrors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void unreachable();
    void timeout();
    void unauthorized();
    void notFoundAndBadRequest();
    void wrongServer_data();
    void wrongServer();
    void deadContextDropsCallback();

private:
    void startDaemon(AfwdProcess::Options options = {});

    std::unique_ptr<AfwdProcess> m_afwd;
    ApiClient m_client;
};

void tst_ApiErrors::initTestCase()
{
    QVERIFY2(!AfwdProcess::binary().isEmpty(), "AFWD_BIN must name the afwd binary");
}

void tst_ApiErrors::cleanup()
{
    m_afwd.reset();
    m_client.setApiKey({});
    m_client.setTimeoutMs(30000);
}

void tst_ApiErrors::startDaemon(AfwdProcess::Options options)
{
    if (options.apiKey.isEmpty())
        options.apiKey = kKey;
    m_afwd = std::make_unique<AfwdProcess>(options);
    QVERIFY2(m_afwd->start(), qPrintable(m_afwd->errorString()));
    m_client.setBaseUrl(m_afwd->url());
    m_client.setApiKey(options.apiKey);
}

void tst_ApiErrors::unreachable()
{
    const quint16 port = AfwdProcess::freePort(); // nobody listens there
    m_client.setBaseUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
    QSignalSpy failed(&m_client, &ApiClient::requestFailed);
    const auto r = await<ServerInfo>([&](QObject *c, auto cb) { m_client.checkServer(c, cb); });
    QCOMPARE(r.error.kind, ApiError::Unreachable);
    QCOMPARE(r.error.httpStatus, 0);
    QVERIFY2(r.error.describe().startsWith(u"Cannot reach http://127.0.0.1:"_s),
             qPrintable(r.error.describe()));
    QCOMPARE(failed.count(), 1);
}

void tst_ApiErrors::timeout()
{
    FakeServer silent({}); // accepts, reads, never answers
    m_client.setBaseUrl(silent.url());
    m_client.setTimeoutMs(300);
    const auto r = await<ServerInfo>([&](QObject *c, auto cb) { m_client.health(c, cb); });
    QCOMPARE(r.error.kind, ApiError::Timeout);
    QVERIFY2(r.error.describe().contains(u"did not answer"_s), qPrintable(r.error.describe()));
}

void tst_ApiErrors::unauthorized()
{
    startDaemon();
    m_client.setApiKey(u"wrong"_s);
    const auto r = await<ServerInfo>([&](QObject *c, auto cb) { m_client.checkServer(c, cb); });
    QCOMPARE(r.error.kind, ApiError::Unauthorized);
    QCOMPARE(r.error.httpStatus, 401);
    QVERIFY2(r.error.describe().contains(u"API key"_s), qPrintable(r.error.describe()));
    m_client.setApiKey({});
    const auto none = await<QList<SessionSummary>>(
        [&](QObject *c, auto cb) { m_client.listSessions({}, c, cb); });
    QCOMPARE(none.error.kind, ApiError::Unauthorized);
    // /health stays open, so health() alone succeeds: checkServer is the one to ask.
    QVERIFY(await<ServerInfo>([&](QObject *c, auto cb) { m_client.health(c, cb); }).ok());
    // The key is sent as a header, never in the URL.
    QVERIFY(!none.error.url.toString().contains(u"wrong"_s));
}

void tst_ApiErrors::notFoundAndBadRequest()
{
    startDaemon();
    const auto missing =
        await<SessionDetail>([&](QObject *c, auto cb) { m_client.getSession(u"nope"_s, c, cb); });
    QCOMPARE(missing.error.kind, ApiError::NotFound);
    QCOMPARE(missing.error.error, u"Session not found"_s);
    QCOMPARE(missing.error.body.value(u"sessionId"_s).toString(), u"nope"_s);
    const auto cmd = await<Command>([&](QObject *c, auto cb) {
        m_client.queueCommand(u"nope"_s, CommandType::Pause, {}, c, cb);
    });
    QCOMPARE(cmd.error.kind, ApiError::NotFound);
    // An id outside the allowed characters is percent-encoded, reaches its route and is refused.
    const auto bad =
        await<SessionDetail>([&](QObject *c, auto cb) { m_client.getSession(u"a/b c"_s, c, cb); });
    QCOMPARE(bad.error.kind, ApiError::BadRequest);
    QCOMPARE(bad.error.httpStatus, 400);
    QCOMPARE(bad.error.error, u"Invalid id"_s);
    const auto badEvent = await<PostedEvent>([&](QObject *c, auto cb) {
        m_client.postEvent(QJsonObject{{u"type"_s, u"x"_s}}, c, cb);
    });
    QCOMPARE(badEvent.error.kind, ApiError::BadRequest);
    QVERIFY2(badEvent.error.describe().contains(u"Invalid event format"_s),
             qPrintable(badEvent.error.describe()));
}

void tst_ApiErrors::wrongServer_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<int>("kind");
    QTest::newRow("html page") << httpResponse("200 OK", "text/html",
                                               "<html><body>It works!</body></html>")
                               << int(ApiError::WrongServer);
    QTest::newRow("html 404") << httpResponse("404 Not Found", "text/html", "<h1>404</h1>")
                              << int(ApiError::WrongServer);
    QTest::newRow("other JSON") << httpResponse("200 OK", "application/json",
                                                R"({"hello":"world"})")
                                << int(ApiError::WrongServer);
    QTest::newRow("proxy 502") << httpResponse("502 Bad Gateway", "text/plain", "bad gateway")
                               << int(ApiError::WrongServer);
}

void tst_ApiErrors::wrongServer()
{
    QFETCH(QByteArray, response);
    QFETCH(int, kind);
    FakeServer fake(response);
    m_client.setBaseUrl(fake.url());
    const auto r = await<ServerInfo>([&](QObject *c, auto cb) { m_client.checkServer(c, cb); });
    QCOMPARE(int(r.error.kind), kind);
    QVERIFY2(r.error.describe().contains(u"not an afwd"_s), qPrintable(r.error.describe()));
    QVERIFY(fake.requests().startsWith("GET /health HTTP/1.1"));
}

void tst_ApiErrors::deadContextDropsCallback()
{
    startDaemon();
    int calls = 0;
    auto *context = new QObject;
    m_client.listSessions({}, context,
                          [&calls](const ApiResult<QList<SessionSummary>> &) { ++calls; });
    delete context;
    // A later call on the same client completes: the earlier one had its chance.
    QVERIFY(await<ServerInfo>([&](QObject *c, auto cb) { m_client.health(c, cb); }).ok());
    QTRY_COMPARE(m_client.inFlight(), 0);
    QCOMPARE(calls, 0);
}

QTEST_GUILESS_MAIN(tst_ApiErrors)
#include "tst_apierrors.moc"

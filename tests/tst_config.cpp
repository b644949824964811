// SPDX-License-Identifier: MIT
// Config: defaults < environment < flags; every bad value reported at once.
#include <QTest>

#include "config.h"

using namespace Afw;

namespace {
std::optional<Config> load(const QStringList &flags, const QList<std::pair<const char *, const char *>> &env,
                           QStringList *errors, bool *exitNow = nullptr)
{
    QProcessEnvironment e;
    for (const auto &[k, v] : env)
        e.insert(QLatin1String(k), QLatin1String(v));
    bool dummy = false;
    return Config::load(QStringList{QStringLiteral("afwd")} + flags, e, errors, exitNow ? exitNow : &dummy);
}
} // namespace

class TestConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults()
    {
        QStringList errors;
        const auto c = load({}, {}, &errors);
        QVERIFY2(c, qPrintable(errors.join(u'\n')));
        QCOMPARE(c->port, 3001);
        QCOMPARE(c->host, QStringLiteral("127.0.0.1"));
        QCOMPARE(c->redisPrefix, QStringLiteral("afw:"));
        QCOMPARE(c->maxBodyBytes, 1024 * 1024);
        QCOMPARE(c->maxEventsPerSession, 10000);
        QCOMPARE(c->sessionTtlSeconds, 86400);
        QCOMPARE(c->queueTtlSeconds, 300);
        QVERIFY(c->redisUrl.isEmpty());
        QVERIFY(c->apiKey.isEmpty());
    }
    void environmentThenFlags()
    {
        QStringList errors;
        const auto c = load({QStringLiteral("--port"), QStringLiteral("4000"), QStringLiteral("--api-key"), QStringLiteral("flag")},
                            {{"PORT", "3500"}, {"HOST", "0.0.0.0"}, {"AFW_API_KEY", "env"}, {"LOG_LEVEL", "DEBUG"},
                             {"REDIS_URL", "redis://127.0.0.1:6390/2"}, {"REDIS_PREFIX", "x:"},
                             {"AFW_CORS_ORIGIN", "https://dash.example"}, {"AFW_MAX_BODY_BYTES", "2048"},
                             {"AFW_MAX_EVENTS_PER_SESSION", "50"}, {"AFW_SESSION_TTL_SECONDS", "60"},
                             {"AFW_QUEUE_TTL_SECONDS", "5"}},
                            &errors);
        QVERIFY2(c, qPrintable(errors.join(u'\n')));
        QCOMPARE(c->port, 4000);                  // flag beats env
        QCOMPARE(c->apiKey, QStringLiteral("flag")); // flag beats env
        QCOMPARE(c->host, QStringLiteral("0.0.0.0"));
        QCOMPARE(c->logLevel, QStringLiteral("debug"));
        QCOMPARE(c->redisUrl, QStringLiteral("redis://127.0.0.1:6390/2"));
        QCOMPARE(c->redisPrefix, QStringLiteral("x:"));
        QCOMPARE(c->corsOrigin, QStringLiteral("https://dash.example"));
        QCOMPARE(c->maxBodyBytes, 2048);
        QCOMPARE(c->maxEventsPerSession, 50);
        QCOMPARE(c->sessionTtlSeconds, 60);
        QCOMPARE(c->queueTtlSeconds, 5);
    }
    void badValuesAllReported()
    {
        QStringList errors;
        const auto c = load({}, {{"PORT", "abc"}, {"LOG_LEVEL", "loud"}, {"AFW_MAX_BODY_BYTES", "-5"}, {"HOST", "not an ip"}},
                            &errors);
        QVERIFY(!c);
        const QString all = errors.join(u'\n');
        QCOMPARE(errors.size(), 4);
        QVERIFY(all.contains(QStringLiteral("PORT")));
        QVERIFY(all.contains(QStringLiteral("LOG_LEVEL")));
        QVERIFY(all.contains(QStringLiteral("AFW_MAX_BODY_BYTES")));
        QVERIFY(all.contains(QStringLiteral("HOST")));
    }
    void badFlags_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::newRow("port too big") << QStringList{QStringLiteral("--port"), QStringLiteral("70000")};
        QTest::newRow("unknown flag") << QStringList{QStringLiteral("--nope")};
        QTest::newRow("positional") << QStringList{QStringLiteral("extra")};
        QTest::newRow("bad level") << QStringList{QStringLiteral("--log-level"), QStringLiteral("verbose")};
    }
    void badFlags()
    {
        QFETCH(QStringList, flags);
        QStringList errors;
        QVERIFY(!load(flags, {}, &errors));
        QVERIFY(!errors.isEmpty());
    }
    void helpAndVersion()
    {
        QStringList errors;
        bool exitNow = false;
        QVERIFY(!load({QStringLiteral("--version")}, {}, &errors, &exitNow));
        QVERIFY(exitNow);
        QVERIFY(errors.join(u' ').contains(QStringLiteral(AFW_VERSION)));
        errors.clear();
        QVERIFY(!load({QStringLiteral("--help")}, {}, &errors, &exitNow));
        QVERIFY(exitNow);
        QVERIFY(errors.join(u' ').contains(QStringLiteral("--redis-url")));
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"

// SPDX-License-Identifier: MIT
#include "config.h"

#include <QCommandLineParser>
#include <QHostAddress>

namespace Afw {

namespace {
// Applies one setting from text, noting a problem instead of failing at once so that
// every bad value is reported together.
struct Loader
{
    QStringList *errors;

    void integer(const QString &name, const QString &text, qint64 min, qint64 max, auto &out)
    {
        if (text.isEmpty())
            return;
        bool ok = false;
        const qint64 v = text.toLongLong(&ok);
        if (!ok || v < min || v > max) {
            errors->append(QStringLiteral("%1: expected an integer in [%2, %3], got \"%4\"")
                               .arg(name)
                               .arg(min)
                               .arg(max)
                               .arg(text));
            return;
        }
        out = static_cast<std::remove_reference_t<decltype(out)>>(v);
    }
};

const QStringList kLogLevels = {QStringLiteral("debug"), QStringLiteral("info"),
                                QStringLiteral("warning"), QStringLiteral("error")};
} // namespace

std::optional<Config> Config::load(const QStringList &args, const QProcessEnvironment &env,
                                   QStringList *errors, bool *exitNow)
{
    *exitNow = false;
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("ActionFlows daemon: agent events over REST and WebSocket"));
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version = p.addVersionOption();
    const QCommandLineOption port({QStringLiteral("p"), QStringLiteral("port")},
                                  QStringLiteral("TCP port (env PORT, default 3001)."), QStringLiteral("port"));
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("Address to listen on (env HOST, default 127.0.0.1; 0.0.0.0 for all)."),
                                  QStringLiteral("address"));
    const QCommandLineOption redis(QStringLiteral("redis-url"),
                                   QStringLiteral("Redis URL; memory backend when empty (env REDIS_URL)."),
                                   QStringLiteral("url"));
    const QCommandLineOption level(QStringLiteral("log-level"),
                                   QStringLiteral("debug, info, warning or error (env LOG_LEVEL)."),
                                   QStringLiteral("level"));
    const QCommandLineOption key(QStringLiteral("api-key"),
                                 QStringLiteral("Require this API key (env AFW_API_KEY)."), QStringLiteral("key"));
    p.addOptions({port, host, redis, level, key});
    if (!p.parse(args)) {
        errors->append(p.errorText());
        return std::nullopt;
    }
    if (p.isSet(help) || p.isSet(version)) {
        *exitNow = true;
        errors->append(p.isSet(help) ? p.helpText()
                                     : QStringLiteral("afwd " AFW_VERSION));
        return std::nullopt;
    }
    if (!p.positionalArguments().isEmpty())
        errors->append(QStringLiteral("unexpected arguments: ") + p.positionalArguments().join(u' '));

    Config c;
    Loader l{errors};
    auto pick = [&](const QString &envName, const QCommandLineOption *flag) {
        if (flag && p.isSet(*flag))
            return p.value(*flag);
        return env.value(envName);
    };
    l.integer(QStringLiteral("PORT"), pick(QStringLiteral("PORT"), &port), 0, 65535, c.port);
    if (const QString h = pick(QStringLiteral("HOST"), &host); !h.isEmpty()) {
        if (QHostAddress(h).isNull() && h != QLatin1String("localhost"))
            errors->append(QStringLiteral("HOST: not an IP address: \"%1\"").arg(h));
        c.host = h;
    }
    c.redisUrl = pick(QStringLiteral("REDIS_URL"), &redis);
    if (const QString prefix = env.value(QStringLiteral("REDIS_PREFIX")); !prefix.isEmpty())
        c.redisPrefix = prefix;
    if (const QString lv = pick(QStringLiteral("LOG_LEVEL"), &level).toLower(); !lv.isEmpty()) {
        if (!kLogLevels.contains(lv))
            errors->append(QStringLiteral("LOG_LEVEL: expected one of %1, got \"%2\"")
                               .arg(kLogLevels.join(QStringLiteral(", ")), lv));
        c.logLevel = lv;
    }
    c.apiKey = pick(QStringLiteral("AFW_API_KEY"), &key);
    if (const QString cors = env.value(QStringLiteral("AFW_CORS_ORIGIN")); !cors.isEmpty())
        c.corsOrigin = cors;
    const auto e = [&env](const char *name) { return env.value(QLatin1String(name)); };
    l.integer(QStringLiteral("AFW_MAX_BODY_BYTES"), e("AFW_MAX_BODY_BYTES"), 1024,
              qint64(256) * 1024 * 1024, c.maxBodyBytes);
    l.integer(QStringLiteral("AFW_MAX_EVENTS_PER_SESSION"), e("AFW_MAX_EVENTS_PER_SESSION"), 1,
              10000000, c.maxEventsPerSession);
    l.integer(QStringLiteral("AFW_SESSION_TTL_SECONDS"), e("AFW_SESSION_TTL_SECONDS"), 1,
              365 * 24 * 3600, c.sessionTtlSeconds);
    l.integer(QStringLiteral("AFW_QUEUE_TTL_SECONDS"), e("AFW_QUEUE_TTL_SECONDS"), 1,
              365 * 24 * 3600, c.queueTtlSeconds);
    l.integer(QStringLiteral("AFW_WS_MAX_BACKLOG_BYTES"), e("AFW_WS_MAX_BACKLOG_BYTES"), 1024,
              qint64(1) << 32, c.wsMaxBacklogBytes);
    l.integer(QStringLiteral("AFW_WS_MAX_MESSAGE_BYTES"), e("AFW_WS_MAX_MESSAGE_BYTES"), 128,
              qint64(64) * 1024 * 1024, c.wsMaxMessageBytes);
    l.integer(QStringLiteral("AFW_WS_PING_INTERVAL_MS"), e("AFW_WS_PING_INTERVAL_MS"), 100,
              3600 * 1000, c.wsPingIntervalMs);
    l.integer(QStringLiteral("AFW_WS_FLUSH_MS"), e("AFW_WS_FLUSH_MS"), 0, 1000, c.wsFlushMs);
    l.integer(QStringLiteral("AFW_MAX_CONNECTIONS"), e("AFW_MAX_CONNECTIONS"), 1, 1000000, c.maxConnections);
    l.integer(QStringLiteral("AFW_REQUEST_TIMEOUT_MS"), e("AFW_REQUEST_TIMEOUT_MS"), 100, 3600 * 1000,
              c.requestTimeoutMs);
    l.integer(QStringLiteral("AFW_IDLE_TIMEOUT_MS"), e("AFW_IDLE_TIMEOUT_MS"), 100, 24 * 3600 * 1000,
              c.idleTimeoutMs);
    if (!errors->isEmpty())
        return std::nullopt;
    return c;
}

} // namespace Afw

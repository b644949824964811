// SPDX-License-Identifier: MIT
#include "consoleoptions.h"

#include <QCommandLineParser>

#include "ids.h"
#include "redisurl.h"

namespace Afw {

std::optional<ConsoleOptions> ConsoleOptions::parse(const QStringList &args,
                                                    const QProcessEnvironment &env,
                                                    QString *message, bool *exitNow)
{
    *exitNow = false;
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Operator console of the ActionFlows daemon (afwd)."));
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version = p.addVersionOption();
    const QCommandLineOption url({QStringLiteral("u"), QStringLiteral("url")},
                                 QStringLiteral("Daemon URL, e.g. http://127.0.0.1:3001."),
                                 QStringLiteral("URL"));
    const QCommandLineOption key(QStringLiteral("api-key"),
                                 QStringLiteral("API key (default: AFW_API_KEY)."),
                                 QStringLiteral("KEY"));
    const QCommandLineOption session({QStringLiteral("s"), QStringLiteral("session")},
                                     QStringLiteral("Open this session once connected."),
                                     QStringLiteral("ID"));
    const QCommandLineOption redis(QStringLiteral("redis-url"),
                                   QStringLiteral("Redis the daemon uses: enables the Keys tab."),
                                   QStringLiteral("URL"));
    const QCommandLineOption prefix(QStringLiteral("redis-prefix"),
                                    QStringLiteral("Key prefix of the daemon (default afw:)."),
                                    QStringLiteral("PREFIX"), QStringLiteral("afw:"));
    const QCommandLineOption shot(
        QStringLiteral("screenshot"),
        QStringLiteral("After the first load, save the window as a PNG and exit."),
        QStringLiteral("FILE"));
    for (const auto &o : {url, key, session, redis, prefix, shot})
        p.addOption(o);
    if (!p.parse(args)) {
        *message = p.errorText();
        return std::nullopt;
    }
    if (p.isSet(help) || p.isSet(version)) {
        *exitNow = true;
        *message = p.isSet(help)
                       ? p.helpText()
                       : QStringLiteral("afw-admin ") + QStringLiteral(AFW_VERSION) + u'\n';
        return std::nullopt;
    }
    QStringList errors;
    if (!p.positionalArguments().isEmpty())
        errors << QStringLiteral("unexpected argument: ") + p.positionalArguments().join(u' ');
    ConsoleOptions o;
    if (p.isSet(url)) {
        o.url = QUrl::fromUserInput(p.value(url));
        if (!o.url.isValid() ||
            (o.url.scheme() != QLatin1String("http") && o.url.scheme() != QLatin1String("https")))
            errors << QStringLiteral("--url: expected http(s)://host:port, got ") + p.value(url);
    }
    if (p.isSet(key)) {
        o.apiKey = p.value(key);
    } else if (env.contains(QStringLiteral("AFW_API_KEY"))) {
        o.apiKey = env.value(QStringLiteral("AFW_API_KEY"));
        o.apiKeyFromEnvironment = true;
    }
    o.session = p.value(session);
    if (!o.session.isEmpty() && !isValidId(o.session))
        errors << QStringLiteral("--session: not a valid session id: ") + o.session;
    o.redisUrl = p.value(redis);
    if (!o.redisUrl.isEmpty()) {
        QString why;
        if (!Redis::RedisUrl::parse(o.redisUrl, &why))
            errors << QStringLiteral("--redis-url: ") + why;
    }
    o.redisPrefix = p.value(prefix);
    o.screenshot = p.value(shot);
    if (!o.screenshot.isEmpty() && o.url.isEmpty())
        errors << QStringLiteral("--screenshot needs --url");
    if (!errors.isEmpty()) {
        *message = errors.join(u'\n');
        return std::nullopt;
    }
    return o;
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "demodata.h"

#include <QJsonObject>

#include "apiclient.h"
#include "apiwait.h"
#include "timeutil.h"

namespace Afw::Test {

namespace {
struct Step
{
    const char *action;
    const char *model;
    const char *description;
    int seconds;
    const char *result; // "!" prefix: failed with that error
};

const Step kRefactor[] = {
    {"analyze", "claude-sonnet-4", "Map the current auth flow", 42,
     "3 entry points, 1 legacy path"},
    {"code", "claude-opus-4", "Extract token validation into tokens.ts", 188,
     "tokens.ts created, 4 call sites moved"},
    {"test", "claude-haiku-4", "Run the auth unit tests", 51,
     "!2 tests failed: expired-token path returns 500"},
    {"code", "claude-opus-4", "Fix the expiry check", 97, "isExpired() compares seconds, not ms"},
    {"review", "claude-sonnet-4", "Review the diff", 64, "approved with 2 nits"},
};
const Step kRateLimit[] = {
    {"plan", "claude-sonnet-4", "Choose a limiter for /api/payments", 35,
     "token bucket in Redis, 20 req/s"},
    {"code", "claude-opus-4", "Implement the middleware", 0, nullptr},
    {"test", "claude-haiku-4", "Load test with k6", 0, nullptr},
    {"review", "claude-sonnet-4", "Review and document", 0, nullptr},
};

QJsonObject ev(const QString &sid, const char *type, qint64 ms, QJsonObject extra = {})
{
    return makeEvent(sid, QLatin1String(type), ms, std::move(extra));
}

// One chain: compiled, started, its steps up to `done` (the next one left running).
void addChain(QJsonArray &out, const QString &sid, qint64 &t, const QString &chainId,
              const QString &title, const Step *steps, int count, int done)
{
    QJsonArray snapshot;
    for (int i = 0; i < count; ++i)
        snapshot.append(
            QJsonObject{{QStringLiteral("stepNumber"), i + 1},
                        {QStringLiteral("action"), QLatin1String(steps[i].action)},
                        {QStringLiteral("model"), QLatin1String(steps[i].model)},
                        {QStringLiteral("description"), QLatin1String(steps[i].description)}});
    out.append(ev(sid, "chain:compiled", t,
                  {{QStringLiteral("chainId"), chainId},
                   {QStringLiteral("title"), title},
                   {QStringLiteral("source"), QStringLiteral("orchestrator")},
                   {QStringLiteral("executionMode"), QStringLiteral("sequential")},
                   {QStringLiteral("steps"), snapshot}}));
    t += 1200;
    out.append(ev(sid, "chain:started", t, {{QStringLiteral("chainId"), chainId}}));
    for (int i = 0; i < count && i <= done; ++i) {
        const Step &s = steps[i];
        const QJsonObject id{{QStringLiteral("stepNumber"), i + 1},
                             {QStringLiteral("action"), QLatin1String(s.action)},
                             {QStringLiteral("model"), QLatin1String(s.model)}};
        t += 800;
        out.append(ev(sid, "step:spawned", t, id));
        t += 400;
        out.append(ev(sid, "step:started", t, id));
        if (i == done || !s.result)
            return; // running
        t += qint64(s.seconds) * 1000 / 2;
        out.append(ev(sid, "file:modified", t,
                      {{QStringLiteral("path"), QStringLiteral("src/middleware/auth.ts")},
                       {QStringLiteral("linesChanged"), 12 + i * 7}}));
        t += qint64(s.seconds) * 1000 / 2;
        QJsonObject end = id;
        const bool failed = s.result[0] == '!';
        end.insert(failed ? QStringLiteral("error") : QStringLiteral("result"),
                   QString::fromLatin1(failed ? s.result + 1 : s.result));
        out.append(ev(sid, failed ? "step:failed" : "step:completed", t, end));
        if (failed)
            out.append(
                ev(sid, "warning:occurred", t + 300,
                   {{QStringLiteral("message"), QStringLiteral("retrying with a fix step")}}));
    }
    t += 2000;
    out.append(
        ev(sid, "chain:completed", t,
           {{QStringLiteral("chainId"), chainId},
            {QStringLiteral("overallStatus"), QStringLiteral("success")},
            {QStringLiteral("summary"), QStringLiteral("auth middleware split; tests green")}}));
}

QJsonObject started(const QString &sid, qint64 t, const char *cwd, const char *host,
                    const char *user)
{
    return ev(sid, "session:started", t,
              {{QStringLiteral("cwd"), QLatin1String(cwd)},
               {QStringLiteral("hostname"), QLatin1String(host)},
               {QStringLiteral("platform"), QStringLiteral("linux")},
               {QStringLiteral("user"), QLatin1String(user)}});
}
} // namespace

QJsonArray agentSession(const QString &id, qint64 startMs, int chains, int stepsPerChain)
{
    QJsonArray out;
    qint64 t = startMs;
    out.append(started(id, t, "/srv/agents/work", "runner-01", "bot"));
    for (int c = 0; c < chains; ++c) {
        QList<Step> steps;
        for (int s = 0; s < stepsPerChain; ++s)
            steps.append({"code", "claude-sonnet-4", "generated step", 5, "ok"});
        addChain(out, id, t, QStringLiteral("chain-%1").arg(c + 1),
                 QStringLiteral("Generated chain %1").arg(c + 1), steps.constData(),
                 int(steps.size()), c == chains - 1 ? stepsPerChain - 1 : stepsPerChain);
    }
    return out;
}

QString seedDemo(ApiClient &client)
{
    const qint64 now = nowMs();
    const QString main = QStringLiteral("sess-7f3a-auth-refactor");
    QJsonArray events;
    qint64 t = now - 26 * 60 * 1000;
    events.append(started(main, t, "/home/dana/src/payments-api", "build-01", "dana"));
    addChain(events, main, t, QStringLiteral("refactor-auth"),
             QStringLiteral("Refactor auth middleware"), kRefactor, int(std::size(kRefactor)),
             int(std::size(kRefactor)));
    t += 4000;
    events.append(
        ev(main, "interaction:awaiting-input", t,
           {{QStringLiteral("prompt"), QStringLiteral("Apply the limiter to /health too?")}}));
    t += 45000;
    events.append(ev(main, "interaction:input-received", t,
                     {{QStringLiteral("input"), QStringLiteral("no, API routes only")}}));
    t += 500;
    events.append(ev(main, "registry:line-updated", t,
                     {{QStringLiteral("line"), QStringLiteral("rate-limit: planned")}}));
    t += 1500;
    addChain(events, main, t, QStringLiteral("rate-limit"), QStringLiteral("Add rate limiting"),
             kRateLimit, int(std::size(kRateLimit)), 1);

    const QString docs = QStringLiteral("sess-2b91-docs-sweep");
    t = now - 3 * 3600 * 1000;
    events.append(started(docs, t, "/home/lee/src/handbook", "lee-mbp", "lee"));
    addChain(events, docs, t, QStringLiteral("docs"), QStringLiteral("Refresh API docs"),
             kRefactor + 4, 1, 1);
    events.append(ev(docs, "session:ended", t + 60000,
                     {{QStringLiteral("summary"), QStringLiteral("12 pages updated")},
                      {QStringLiteral("endReason"), QStringLiteral("done")}}));

    const QString migrate = QStringLiteral("sess-c04e-db-migration");
    t = now - 70 * 60 * 1000;
    events.append(started(migrate, t, "/home/dana/src/ledger", "build-02", "dana"));
    addChain(events, migrate, t, QStringLiteral("migrate"),
             QStringLiteral("Migrate ledger to v5 schema"), kRefactor + 2, 1, 1);
    events.append(
        ev(migrate, "error:occurred", t + 5000,
           {{QStringLiteral("severity"), QStringLiteral("critical")},
            {QStringLiteral("message"), QStringLiteral("migration 0042 aborted: lock timeout")}}));

    const QString flaky = QStringLiteral("sess-91aa-ci-flake-hunt");
    t = now - 8 * 60 * 1000;
    events.append(started(flaky, t, "/home/sam/src/mobile-app", "ci-runner-7", "sam"));
    addChain(events, flaky, t, QStringLiteral("flake"), QStringLiteral("Find the flaky e2e test"),
             kRateLimit, 3, 1);

    const char *const more[][4] = {
        {"sess-a13c-lint-fixes", "/home/lee/src/web", "lee-mbp", "lee"},
        {"sess-e77d-bump-deps", "/home/sam/src/mobile-app", "ci-runner-3", "sam"},
        {"sess-0f52-perf-audit", "/home/dana/src/payments-api", "build-01", "dana"},
        {"sess-6b0e-i18n", "/home/ana/src/storefront", "ana-desktop", "ana"}};
    int k = 0;
    for (const auto &m : more) {
        const QString sid = QLatin1String(m[0]);
        t = now - (5 + k * 40) * 60 * 1000;
        events.append(started(sid, t, m[1], m[2], m[3]));
        addChain(events, sid, t, QStringLiteral("c-%1").arg(k),
                 QStringLiteral("Housekeeping %1").arg(k + 1), kRefactor, 2, 2);
        if (k % 2 == 0)
            events.append(ev(sid, "session:ended", t + 1000,
                             {{QStringLiteral("summary"), QStringLiteral("clean")}}));
        ++k;
    }
    if (!postAll(client, events))
        return {};

    // Statuses that only REST sets, a session that has not started, and queues.
    SessionPatch failed;
    failed.status = Status::Failed;
    failed.endReason = QStringLiteral("migration aborted");
    NewSession pending{QStringLiteral("/home/ana/src/storefront"), QStringLiteral("ana-desktop"),
                       QStringLiteral("linux"), QStringLiteral("ana"),
                       QStringLiteral("sess-5d2f-onboarding")};
    const bool ok =
        await<Session>([&](QObject *c, auto cb) {
            client.updateSession(migrate, failed, c, cb);
        }).ok() &&
        await<Session>([&](QObject *c, auto cb) { client.createSession(pending, c, cb); }).ok() &&
        await<Command>([&](QObject *c, auto cb) {
            client.queueCommand(
                main, CommandType::Pause,
                QJsonObject{{QStringLiteral("reason"), QStringLiteral("review the limiter first")}},
                c, cb);
        }).ok() &&
        await<Input>([&](QObject *c, auto cb) {
            client.queueInput(main, QStringLiteral("use the shared Redis"), QString(), c, cb);
        }).ok();
    return ok ? main : QString();
}

} // namespace Afw::Test

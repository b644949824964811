// SPDX-License-Identifier: MIT
// /api/users: who runs sessions, and a user's sessions.
#include <QJsonArray>
#include <QMap>

#include "api/routes.h"

namespace Afw::Api {

namespace {
SessionFilter everySession(const QString &user = {})
{
    SessionFilter f;
    f.user = user;
    f.limit = -1;
    f.withChains = false;
    return f;
}

void listUsers(const ApiContext &ctx, Call &c)
{
    ctx.whenReady(
        ctx.storage->listSessions(everySession()), "listSessions", c.reply,
        [reply = c.reply](const QList<SessionRow> &rows) {
            struct User
            {
                QJsonArray sessions;
                bool online = false;
            };
            QMap<QString, User> byUser;
            for (const auto &row : rows) {
                if (row.session.user.isEmpty())
                    continue;
                QJsonObject s = row.session.toSummaryJson(row.chainsCount);
                for (const char *k : {"cwd", "user", "hostname", "platform", "chainsCount"})
                    s.remove(QLatin1String(k));
                User &u = byUser[row.session.user];
                u.sessions.append(s);
                u.online = u.online || row.session.status == Status::Pending ||
                           row.session.status == Status::InProgress;
            }
            QJsonArray users;
            for (auto it = byUser.cbegin(); it != byUser.cend(); ++it) {
                // v1.1: `id` (= user) is what the dashboard keys its user list on.
                users.append(QJsonObject{{QStringLiteral("id"), it.key()},
                                         {QStringLiteral("user"), it.key()},
                                         {QStringLiteral("sessionCount"), it->sessions.size()},
                                         {QStringLiteral("isOnline"), it->online},
                                         {QStringLiteral("sessions"), it->sessions}});
            }
            reply->json(
                200, {{QStringLiteral("count"), users.size()}, {QStringLiteral("users"), users}});
        });
}

void userSessions(const ApiContext &ctx, Call &c)
{
    const QString user = c.params.at(0);
    ctx.whenReady(ctx.storage->listSessions(everySession(user)), "listSessions", c.reply,
                  [user, reply = c.reply](const QList<SessionRow> &rows) {
                      QJsonArray arr;
                      for (const auto &row : rows)
                          arr.append(row.session.toJson());
                      reply->json(200, {{QStringLiteral("user"), user},
                                        {QStringLiteral("sessionCount"), arr.size()},
                                        {QStringLiteral("sessions"), arr}});
                  });
}
} // namespace

void addUserRoutes(Router &router, const ApiContext &ctx)
{
    router.add(Method::Get, QStringLiteral("/api/users"), bound(ctx, listUsers), Access::Read);
    router.add(Method::Get, QStringLiteral("/api/users/:userId/sessions"), bound(ctx, userSessions),
               Access::Read);
}

} // namespace Afw::Api

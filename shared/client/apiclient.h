// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QUrlQuery>

#include <functional>

#include "apierror.h"
#include "apitypes.h"

class QNetworkAccessManager;
class QNetworkReply;

namespace Afw {

/**
 * The REST half of ../shared/API.md over QNetworkAccessManager, with typed answers.
 *
 * Every call takes a context object and a callback: the callback runs on the main
 * thread with an ApiResult (value or ApiError), once, unless the context was
 * destroyed meanwhile. Failures are also announced with requestFailed(), so a
 * status bar can follow the connection without wrapping every callback. The API key
 * goes on every request (Authorization: Bearer) and never into a URL.
 */
class ApiClient : public QObject
{
    Q_OBJECT

public:
    template <typename T> using Callback = std::function<void(const ApiResult<T> &)>;

    explicit ApiClient(QObject *parent = nullptr);
    ~ApiClient() override;

    void setBaseUrl(const QUrl &url); ///< http(s)://host:port[/prefix]
    QUrl baseUrl() const { return m_base; }
    void setApiKey(const QString &key);
    QString apiKey() const { return m_apiKey; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    int inFlight() const { return m_inFlight; }

    /** GET /health, then one authorised call: is this afwd, and does it take our key? */
    void checkServer(QObject *context, Callback<ServerInfo> done);
    void health(QObject *context, Callback<ServerInfo> done);
    void metrics(QObject *context, Callback<QByteArray> done);

    void listSessions(const SessionQuery &query, QObject *context,
                      Callback<QList<SessionSummary>> done);
    void getSession(const QString &id, QObject *context, Callback<SessionDetail> done);
    void createSession(const NewSession &s, QObject *context, Callback<Session> done);
    void updateSession(const QString &id, const SessionPatch &patch, QObject *context,
                       Callback<Session> done);
    void deleteSession(const QString &id, QObject *context, Callback<bool> done);
    void sessionChains(const QString &id, QObject *context, Callback<QList<Chain>> done);
    void sessionTtl(const QString &id, QObject *context, Callback<TtlReport> done);

    void postEvent(const QJsonObject &event, QObject *context, Callback<PostedEvent> done);
    void postEvents(const QJsonArray &events, QObject *context, Callback<int> done);
    void events(const QString &sessionId, const EventsRequest &query, QObject *context,
                Callback<QList<EventRecord>> done);
    void recentEvents(const QString &sessionId, int limit, int seconds, QObject *context,
                      Callback<QList<EventRecord>> done);

    void queueCommand(const QString &sessionId, CommandType type, const QJsonValue &payload,
                      QObject *context, Callback<Command> done);
    void takeCommands(const QString &sessionId, bool peek, QObject *context,
                      Callback<QList<Command>> done);
    void ackCommand(const QString &commandId, const QJsonValue &result, const QJsonValue &error,
                    QObject *context, Callback<bool> done);
    void queueInput(const QString &sessionId, const QString &input, const QString &prompt,
                    QObject *context, Callback<Input> done);
    void takeInput(const QString &sessionId, bool peek, QObject *context,
                   Callback<QList<Input>> done);

    void users(QObject *context, Callback<QList<UserInfo>> done);
    void userSessions(const QString &user, QObject *context, Callback<QList<Session>> done);

Q_SIGNALS:
    void requestFailed(const Afw::ApiError &error);
    void requestSucceeded();

private:
    struct Answer;
    using Parser = std::function<bool(const QJsonDocument &doc, ApiError *error)>;

    QUrl urlFor(const QString &path, const QUrlQuery &query = {}) const;
    void send(const QByteArray &verb, const QString &path, const QUrlQuery &query,
              const QByteArray &body, QObject *context, std::function<void(const Answer &)> done);
    // Maps an answer to an ApiError (None when a 2xx came with a JSON body that `parse`
    // accepts, or with none and `emptyOk`). Every HTTP status -> error decision is in here.
    ApiError judge(const Answer &a, bool emptyOk, const Parser &parse) const;
    template <typename T, typename F>
    void call(const QByteArray &verb, const QString &path, const QUrlQuery &query,
              const QByteArray &body, QObject *context, Callback<T> done, F &&parse);
    // GET /api/sessions/:id<queue> (commands, input): drained, or only read with `peek`.
    template <typename T>
    void takeQueue(const QString &sessionId, QStringView queue, QLatin1String key,
                   std::optional<T> (*one)(const QJsonObject &), bool peek, QObject *context,
                   Callback<QList<T>> done);

    QNetworkAccessManager *m_nam;
    QUrl m_base;
    QString m_apiKey;
    int m_timeoutMs = 30000;
    int m_inFlight = 0;
};

/** "/api/sessions/" + id, percent-encoded, so an odd id cannot change the route. */
QString apiPath(QStringView prefix, const QString &id, QStringView suffix = {});

} // namespace Afw

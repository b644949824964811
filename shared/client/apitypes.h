// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

#include "models.h"

namespace Afw {

// Typed answers of the REST API (../shared/API.md), built on the shared models.
// Each fromJson() returns nullopt when a field the contract promises is missing.

struct ServerInfo
{
    QString status;  // "ok" or "degraded"
    QString storage; // "memory" or "redis"
    QString version;
    QString reason; // why degraded
    double uptimeSeconds = 0;

    bool degraded() const { return status != QLatin1String("ok"); }
    static std::optional<ServerInfo> fromJson(const QJsonObject &o);
};

// One entry of GET /api/sessions.
struct SessionSummary
{
    Session session;
    int chainsCount = 0;
    QString currentChainId;            // v1.0 sends an id, v1.1 the chain object:
    std::optional<Chain> currentChain; // both are read

    static std::optional<SessionSummary> fromJson(const QJsonObject &o);
};

// GET /api/sessions/:id: the record plus the chains the daemon folded from events.
struct SessionDetail
{
    Session session;
    QList<Chain> chains;
    QString currentChainId;
    int totalStepsExecuted = 0;
    int totalChainsCompleted = 0;
    int criticalErrors = 0;

    static std::optional<SessionDetail> fromJson(const QJsonObject &o);
};

struct SessionQuery
{
    QString status;
    QString user;
    int limit = 0;  // 0: the daemon's default (100); at most 1000
    int offset = 0; // rows skipped first (afwd >= 0.1 with paging; others ignore it)
};

struct NewSession
{
    QString cwd;
    QString hostname;
    QString platform;
    QString userId;
    QString id; // empty: the daemon makes one
};

struct SessionPatch
{
    std::optional<Status> status;
    std::optional<QString> summary;
    std::optional<QString> endReason;
};

// A stored event: the client's JSON plus eventId and seq.
struct EventRecord
{
    qint64 seq = 0;
    qint64 timestampMs = 0; // 0 when the timestamp does not parse
    QString sessionId;
    QString type;
    QString eventId;
    QJsonObject json;

    static std::optional<EventRecord> fromJson(const QJsonObject &o);
};

// The parameters of GET /api/events/:sessionId. (Not EventQuery: that is the daemon's
// storage query, and both libraries link into the same test binaries.)
struct EventsRequest
{
    std::optional<qint64> afterSeq;
    std::optional<qint64> sinceMs;
    int limit = -1; // -1: all
};

struct PostedEvent
{
    QString eventId;
    QString sessionId;
    qint64 seq = 0;
};

// GET /api/sessions/:id/ttl: seconds left per stored part, Redis semantics.
struct TtlReport
{
    static constexpr qint64 kAbsent = -2;
    static constexpr qint64 kNoExpiry = -1;

    QString sessionId;
    QString storage;
    qint64 session = kAbsent, events = kAbsent, chains = kAbsent, commands = kAbsent,
           input = kAbsent;
    qint64 receivedAtMs = 0; // wall clock of the answer: where a countdown starts

    QList<std::pair<QString, qint64>> parts() const; // in API order
    static std::optional<TtlReport> fromJson(const QJsonObject &o);
};

struct UserInfo
{
    QString id;
    QString user;
    int sessionCount = 0;
    bool isOnline = false;
    QStringList sessionIds;

    static std::optional<UserInfo> fromJson(const QJsonObject &o);
};

std::optional<Command> commandFromJson(const QJsonObject &o);
std::optional<Input> inputFromJson(const QJsonObject &o);

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Afw {

enum class Status { Pending, InProgress, Completed, Failed, Skipped };
std::optional<Status> statusFromString(QStringView s);
QString statusToString(Status s);

enum class CommandType { Pause, Resume, Cancel, Abort, Retry, Skip };
std::optional<CommandType> commandTypeFromString(QStringView s);
QString commandTypeToString(CommandType t);
QStringList commandTypeNames();

struct ChainStep
{
    int stepNumber = 0;
    Status status = Status::Pending;
    QJsonObject fields; // action, model, inputs, waitsFor, result, error, timestamps...

    QJsonObject toJson() const;
};

struct Chain
{
    QString id;
    Status status = Status::Pending;
    QList<ChainStep> steps;
    QJsonObject fields; // title, source, ref, executionMode, compiledAt, counts, summary...

    ChainStep *step(int stepNumber);
    QJsonObject toJson() const;
    static std::optional<Chain> fromJson(const QJsonObject &o);
};

struct Session
{
    QString id;
    QString cwd;
    QString hostname;
    QString platform;
    QString user;
    Status status = Status::Pending;
    qint64 startedAtMs = 0;
    std::optional<qint64> endedAtMs;
    QString endReason;
    QString summary;
    QJsonObject metadata;

    QJsonObject toJson() const;                 // the stored record, no derived fields
    // The same record as compact JSON, written directly: Redis gets one with every event
    // (the session that event would create), and a QJsonDocument costs ~10x as much.
    QByteArray toJsonBytes() const;
    QJsonObject toSummaryJson(int chainsCount) const; // one row of GET /api/sessions
    static std::optional<Session> fromJson(const QJsonObject &o);
    void setStatus(Status s, qint64 atMs); // completed/failed set endedAt (once)
};

struct Command
{
    QString id;
    CommandType type = CommandType::Pause;
    QJsonValue payload;
    QString timestamp;

    QJsonObject toJson() const;
};

struct Input
{
    QJsonValue input;
    QJsonValue prompt;
    QString timestamp;

    QJsonObject toJson() const;
};

QString makeSessionId(qint64 nowMs);
QString makeRandomId(QStringView prefix);

} // namespace Afw

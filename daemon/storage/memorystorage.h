// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QTimer>

#include "storage.h"

namespace Afw {

// In-process storage with the same TTL semantics as the Redis layout: every part
// of a session expires on its own, expiry frees the memory (a sweep runs every
// second), events are capped per session, oldest dropped. It has no stored chains:
// only the Node original writes them, and only into Redis; chains come from the fold.
class MemoryStorage final : public Storage
{
    Q_OBJECT
public:
    explicit MemoryStorage(const StorageLimits &limits, QObject *parent = nullptr);

    QString backendName() const override { return QStringLiteral("memory"); }
    bool isAvailable() const override { return true; }

    QFuture<Result<CreatedSession>> createSession(const Session &session) override;
    QFuture<Result<Session>> getSession(const QString &id) override;
    QFuture<Result<Session>> updateSession(const QString &id, const SessionUpdate &u) override;
    QFuture<Result<bool>> deleteSession(const QString &id) override;
    QFuture<Result<QList<SessionRow>>> listSessions(const SessionFilter &filter) override;

    QFuture<Result<AddedEvent>> addEvent(const IncomingEvent &event) override;
    QFuture<Result<int>> addEvents(const QList<IncomingEvent> &events) override;
    QFuture<Result<QList<StoredEvent>>> events(const QString &sessionId,
                                                const EventQuery &query) override;

    QFuture<Result<ChainFold>> chains(const QString &sessionId) override;

    QFuture<Result<bool>> queueCommand(const QString &sessionId, const Command &c) override;
    QFuture<Result<QList<QByteArray>>> takeCommands(const QString &sessionId, bool peek) override;
    QFuture<Result<bool>> ackCommand(const QString &commandId, const QJsonObject &ack) override;
    QFuture<Result<bool>> queueInput(const QString &sessionId, const Input &input) override;
    QFuture<Result<QList<QByteArray>>> takeInput(const QString &sessionId, bool peek) override;

    QFuture<Result<TtlInfo>> ttl(const QString &sessionId) override;

    int entryCount() const { return int(m_entries.size()); } // for tests: expiry frees

private:
    template <typename T>
    struct Part
    {
        T value{};
        qint64 expiresAt = -1; // monotonic ms; -1: absent
    };
    using Queue = Part<QList<QByteArray>>;
    struct Entry
    {
        Part<Session> session;
        Part<QList<StoredEvent>> events;
        Part<qint64> seq;
        Queue commands;
        Queue inputs;
        FoldState fold; // the events folded so far (chains())
    };

    qint64 now() const { return m_clock.elapsed(); }
    template <typename T>
    bool alive(const Part<T> &p) const { return p.expiresAt > now(); }
    template <typename T>
    qint64 ttlOf(const Part<T> &p) const;
    Entry *find(const QString &id); // expired parts cleared, nullptr when nothing is left
    bool hasSession(const QString &id);
    AddedEvent append(const IncomingEvent &e);
    bool enqueue(const QString &sessionId, Queue Entry::*queue, const QByteArray &json);
    QList<QByteArray> take(const QString &sessionId, Queue Entry::*queue, bool peek);
    ChainFold foldOf(Entry &e);
    void sweep();

    StorageLimits m_limits;
    QHash<QString, Entry> m_entries;
    QHash<QString, QString> m_commandSessions; // commandId -> sessionId, for acks
    QElapsedTimer m_clock;
    QTimer m_sweeper;
};

} // namespace Afw

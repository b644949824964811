// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <utility>

namespace Afw {

/**
 * The key layout of the Redis backend: the only place a key or channel name is spelled.
 * It is the layout of shared/API.md ("Redis layout"), shared with the Node original and
 * every other daemon on the same server, so a name here is part of the wire.
 *
 * Per session `<id>`: `sessions:` (string, the record), `events:` (list of stored event
 * bytes), `seq:` (string, the last seq), `chains:` (list of chain JSON, written only by the
 * Node original; read and merged into the fold), `commands:` and `input:` (lists, the
 * queues). `chain:<chainId>` is the Node original's copy of one chain. Beyond API.md:
 * `command:<commandId>` (string, the command's session id: acks name only the command) and
 * `chainids:<id>` (a set versions before API v1.1 kept; never written now, still deleted).
 * `session-index` is a sorted set of session ids scored by start time. Pub/sub channels:
 * `events` and `commands`.
 */
class RedisKeys
{
public:
    explicit RedisKeys(QByteArray prefix) : m_prefix(std::move(prefix)) {}

    QByteArray session(const QString &id) const { return part(kSessions, id); }
    // What a script puts in front of an id it reads from the index (listPage).
    QByteArray sessionPrefix() const { return m_prefix + kSessions; }
    QByteArray events(const QString &id) const { return part("events:", id); }
    QByteArray seq(const QString &id) const { return part("seq:", id); }
    QByteArray chains(const QString &id) const { return part("chains:", id); }
    QByteArray chain(const QString &chainId) const { return part(kChain, chainId); }
    // What a script puts in front of a chain id it finds in a chains list (deleteSession).
    QByteArray chainPrefix() const { return m_prefix + kChain; }
    QByteArray commands(const QString &id) const { return part("commands:", id); }
    QByteArray input(const QString &id) const { return part("input:", id); }
    QByteArray command(const QString &commandId) const { return part("command:", commandId); }
    QByteArray legacyChainIds(const QString &id) const { return part("chainids:", id); }
    QByteArray sessionIndex() const { return m_prefix + "session-index"; }

    QByteArray eventsChannel() const { return m_prefix + "events"; }
    QByteArray commandsChannel() const { return m_prefix + "commands"; }

private:
    // Spelled once each: a key and the prefix a script completes must not drift apart.
    static constexpr char kSessions[] = "sessions:";
    static constexpr char kChain[] = "chain:";

    QByteArray part(const char *name, const QString &id) const
    {
        return m_prefix + name + id.toUtf8();
    }

    QByteArray m_prefix;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>

namespace Afw {

// The Lua scripts of RedisStorage (bodies and what each takes in scripts.cpp). Each runs
// atomically on the server, so every multi-key write is one round trip and no other client
// sees it half done.
enum class RedisScript {
    AddEvent,
    CreateSession,
    CasSession,
    DeleteSession,
    ListPage,
    FoldDelta,
    Enqueue,
    Drain,
    Ack,
    EventsAfter,
    Ttl,
};

struct RedisScriptText
{
    RedisScript id;
    const char *name; // for logs
    const char *body;
    QByteArray sha1; // hex: EVALSHA first, EVAL when the server answers NOSCRIPT
};

// Every script, in RedisScript order: the one list that loading and evaluating read.
const QList<RedisScriptText> &redisScripts();

inline const RedisScriptText &redisScript(RedisScript id)
{
    return redisScripts().at(qsizetype(id));
}

} // namespace Afw

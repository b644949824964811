// SPDX-License-Identifier: MIT
#include "scripts.h"

#include <QCryptographicHash>

#include <iterator>

// Scripts that take a key prefix (ARGV) build some key names themselves (deleteSession
// removes chain:<chainId> keys it only learns from the chains list, the listing reads a
// page of ids); the prefixes come from RedisKeys. That is fine on a standalone Redis or a
// replica set; Redis Cluster would need hash tags, which the original key layout does not
// have.

namespace Afw {

namespace {

// KEYS: events, seq, session, index
// ARGV: event bytes without `,"seq":N}`, cap, ttl ms, channel, sessionId,
//       the session JSON to create when there is none (an event for an unknown session
//       creates it, API.md v1.1; SET NX: exactly one of concurrent posters creates it),
//       its startedAt ms, "1" to return the session (events that can change it), ISO now
// Returns {seq, created (0/1), current session JSON or nil}.
constexpr char addEvent[] = R"LUA(
local seq = redis.call('INCR', KEYS[2])
local ttl = ARGV[3]
redis.call('PEXPIRE', KEYS[2], ttl)
local ev = ARGV[1] .. ',"seq":' .. seq .. '}'
redis.call('RPUSH', KEYS[1], ev)
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ttl)
local created = 0
if redis.call('SET', KEYS[3], ARGV[6], 'NX', 'PX', ttl) then
  created = 1
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[5])
end
local current = false
if created == 0 and redis.call('PEXPIRE', KEYS[3], ttl) == 1 and ARGV[8] == '1' then
  current = redis.call('GET', KEYS[3])
end
redis.call('PUBLISH', ARGV[4],
  '{"sessionId":"' .. ARGV[5] .. '","event":' .. ev .. ',"timestamp":"' .. ARGV[9] .. '"}')
return {seq, created, current}
)LUA";

// KEYS: session, index. ARGV: session JSON, ttl ms, startedAt ms, id.
// Returns nil when created, else the stored session (left unchanged).
constexpr char createSession[] = R"LUA(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  return false
end
return redis.call('GET', KEYS[1])
)LUA";

// Compare-and-set of a session record (read-modify-write happens in C++, where the
// session rules live). KEYS: session. ARGV: expected bytes, new bytes, ttl ms.
// Returns 1 written, 0 changed meanwhile (retry), -1 gone.
constexpr char casSession[] = R"LUA(
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
)LUA";

// KEYS: session, events, seq, chains, commands, input, chainids, index
// ARGV: id, chain key prefix ("<prefix>chain:"). Returns 0 when there is no session.
constexpr char deleteSession[] = R"LUA(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for _, c in ipairs(redis.call('LRANGE', KEYS[4], 0, -1)) do
  local ok, o = pcall(cjson.decode, c)
  if ok and type(o) == 'table' and type(o.id) == 'string' then
    local key = ARGV[2] .. o.id
    if redis.call('GET', key) == c then redis.call('DEL', key) end
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
redis.call('ZREM', KEYS[8], ARGV[1])
return 1
)LUA";

// One page of the session index, newest first, pruned of ids whose session expired.
// KEYS: index. ARGV: session key prefix ("<prefix>sessions:"), start, count.
// Returns {removed, idsRead, id1, json1, id2, json2, ...}.
constexpr char listPage[] = R"LUA(
local p = ARGV[1]
local ids = redis.call('ZREVRANGE', KEYS[1], ARGV[2], tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
local out = {0, #ids}
local removed = 0
for _, id in ipairs(ids) do
  local s = redis.call('GET', p .. id)
  if s then
    out[#out + 1] = id
    out[#out + 1] = s
  else
    redis.call('ZREM', KEYS[1], id)
    removed = removed + 1
  end
end
out[1] = removed
return out
)LUA";

// What a kept fold of a session's events (RedisStorage::chains) needs to catch up.
// KEYS: events, chains. ARGV: the last seq folded (0: none), SHA1 (hex) of that event's
// bytes. Returns {1, the events after it, stored chains} while that event is still
// stored as it was folded (the fold goes on), else {0, every event, stored chains}
// (folded anew: expired, deleted and re-created, more new events than the cap, or seqs
// that are not consecutive, written by someone else).
constexpr char foldDelta[] = R"LUA(
local chains = redis.call('LRANGE', KEYS[2], 0, -1)
local n = redis.call('LLEN', KEYS[1])
local after = tonumber(ARGV[1])
if n > 0 and after > 0 then
  local first = tonumber(string.match(redis.call('LINDEX', KEYS[1], 0), ',"seq":(%d+)}$'))
  local last = tonumber(string.match(redis.call('LINDEX', KEYS[1], -1), ',"seq":(%d+)}$'))
  if first and last and last - first == n - 1 and after >= first and after <= last
     and redis.sha1hex(redis.call('LINDEX', KEYS[1], after - first)) == ARGV[2] then
    return {1, redis.call('LRANGE', KEYS[1], after - first + 1, -1), chains}
  end
end
return {0, redis.call('LRANGE', KEYS[1], 0, -1), chains}
)LUA";

// KEYS: session, queue, [command:<id>]. ARGV: item JSON, queue ttl ms, channel, message,
// [sessionId, session ttl ms]. Returns 0 when there is no session.
constexpr char enqueue[] = R"LUA(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
)LUA";

// KEYS: queue. Everything queued, removed in the same step: with concurrent pollers on
// any number of instances each item is delivered exactly once.
constexpr char drain[] = R"LUA(
local items = redis.call('LRANGE', KEYS[1], 0, -1)
if #items > 0 then redis.call('DEL', KEYS[1]) end
return items
)LUA";

// KEYS: command:<id>. ARGV: channel, command id as a JSON string, ack JSON.
constexpr char ack[] = R"LUA(
local sid = redis.call('GET', KEYS[1]) or ''
redis.call('PUBLISH', ARGV[1], '{"kind":"ack","sessionId":"' .. sid .. '","commandId":'
  .. ARGV[2] .. ',"payload":' .. ARGV[3] .. '}')
return 1
)LUA";

// Events with seq > after, at most `limit` of them (-1: all), without reading the rest:
// seqs are consecutive in the list (one INCR per push, oldest trimmed), so the index is
// known from the first seq. When they are not (a foreign writer, a lost seq key) the
// whole list comes back and the caller filters. KEYS: events. ARGV: after, limit.
constexpr char eventsAfter[] = R"LUA(
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {} end
local first = tonumber(string.match(redis.call('LINDEX', KEYS[1], 0), ',"seq":(%d+)}$'))
local last = tonumber(string.match(redis.call('LINDEX', KEYS[1], -1), ',"seq":(%d+)}$'))
if not first or not last or last - first ~= n - 1 then
  return redis.call('LRANGE', KEYS[1], 0, -1)
end
local start = math.max(0, tonumber(ARGV[1]) - first + 1)
if start >= n then return {} end
local stop = -1
if tonumber(ARGV[2]) >= 0 then stop = start + tonumber(ARGV[2]) - 1 end
return redis.call('LRANGE', KEYS[1], start, stop)
)LUA";

// KEYS: session, events, chains, commands, input. PTTL of each.
constexpr char ttl[] = R"LUA(
local out = {}
for i = 1, 5 do out[i] = redis.call('PTTL', KEYS[i]) end
return out
)LUA";

struct Body
{
    RedisScript id;
    const char *name;
    const char *body;
};

constexpr Body kBodies[] = {
    {RedisScript::AddEvent, "addEvent", addEvent},
    {RedisScript::CreateSession, "createSession", createSession},
    {RedisScript::CasSession, "casSession", casSession},
    {RedisScript::DeleteSession, "deleteSession", deleteSession},
    {RedisScript::ListPage, "listPage", listPage},
    {RedisScript::FoldDelta, "foldDelta", foldDelta},
    {RedisScript::Enqueue, "enqueue", enqueue},
    {RedisScript::Drain, "drain", drain},
    {RedisScript::Ack, "ack", ack},
    {RedisScript::EventsAfter, "eventsAfter", eventsAfter},
    {RedisScript::Ttl, "ttl", ttl},
};

constexpr bool inEnumOrder()
{
    for (std::size_t i = 0; i < std::size(kBodies); ++i) {
        if (kBodies[i].id != RedisScript(i))
            return false;
    }
    return std::size(kBodies) == std::size_t(RedisScript::Ttl) + 1;
}
static_assert(inEnumOrder(), "kBodies must list every RedisScript once, in enum order");

} // namespace

const QList<RedisScriptText> &redisScripts()
{
    static const QList<RedisScriptText> all = [] {
        QList<RedisScriptText> out;
        for (const Body &b : kBodies) {
            out.append(
                {b.id, b.name, b.body,
                 QCryptographicHash::hash(QByteArray(b.body), QCryptographicHash::Sha1).toHex()});
        }
        return out;
    }();
    return all;
}

} // namespace Afw

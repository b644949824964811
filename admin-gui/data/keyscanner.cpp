// SPDX-License-Identifier: MIT
#include "keyscanner.h"

#include <QDateTime>

#include "guilog.h"
#include "redisclient.h"

namespace Afw {

namespace {
// Read-only: facts about the keys SCAN returned, four per key.
const QByteArray kInspect = R"lua(
local out = {}
for _, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k).ok
  local n = 0
  if t == 'string' then n = redis.call('STRLEN', k)
  elseif t == 'list' then n = redis.call('LLEN', k)
  elseif t == 'set' then n = redis.call('SCARD', k)
  elseif t == 'zset' then n = redis.call('ZCARD', k)
  elseif t == 'hash' then n = redis.call('HLEN', k)
  elseif t == 'stream' then n = redis.call('XLEN', k) end
  out[#out + 1] = t
  out[#out + 1] = redis.call('PTTL', k)
  out[#out + 1] = n
  out[#out + 1] = redis.call('MEMORY', 'USAGE', k) or -1
end
return out
)lua";

QByteArray escapeGlob(const QString &s)
{
    QByteArray out;
    for (char c : s.toUtf8()) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}
} // namespace

KeyScanner::KeyScanner(KeysModel *model, QObject *parent) : QObject(parent), m_model(model)
{
}

KeyScanner::~KeyScanner() = default;

bool KeyScanner::setRedisUrl(const QString &redisUrl, QString *error)
{
    const auto url = Redis::RedisUrl::parse(redisUrl, error);
    if (!url)
        return false;
    stop();
    m_url = redisUrl;
    m_client = std::make_unique<Redis::Client>(*url);
    connect(m_client.get(), &Redis::Connection::connected, this,
            [this] { Q_EMIT connectedChanged(true); });
    connect(m_client.get(), &Redis::Connection::disconnected, this,
            [this] { Q_EMIT connectedChanged(false); });
    m_client->start();
    return true;
}

bool KeyScanner::isConnected() const
{
    return m_client && m_client->isConnected();
}

QByteArray KeyScanner::pattern(const QString &prefix, const QString &sessionId)
{
    if (sessionId.isEmpty())
        return escapeGlob(prefix) + '*';
    // sessions:<id>, events:<id>, chains:<id>, commands:<id>, input:<id>, seq:<id>, ...
    return escapeGlob(prefix) + "*:" + escapeGlob(sessionId);
}

void KeyScanner::scan(const QString &prefix, const QString &sessionId)
{
    stop();
    m_model->clear();
    if (!m_client) {
        Q_EMIT failed(
            tr("No Redis URL: start afw-admin with --redis-url or set one in the Connect dialog."));
        return;
    }
    m_pattern = pattern(prefix, sessionId);
    m_cursor = "0";
    m_scanned = 0;
    m_seen.clear();
    m_scanning = true;
    m_timer.start();
    nextPage();
}

void KeyScanner::stop()
{
    ++m_generation; // replies still on their way are dropped
    m_scanning = false;
}

void KeyScanner::nextPage()
{
    const quint64 generation = m_generation;
    m_client->command(
        {"SCAN", m_cursor, "MATCH", m_pattern, "COUNT", QByteArray::number(m_pageSize)}, this,
        [this, generation](const Redis::Reply &r) {
            if (generation != m_generation)
                return;
            if (r.isError() || !r.isArray() || r.elements.size() != 2) {
                m_scanning = false;
                Q_EMIT failed(tr("SCAN failed: %1").arg(r.errorMessage()));
                return;
            }
            m_cursor = r.elements.at(0).str;
            QList<QByteArray> keys;
            for (const auto &k : r.elements.at(1).elements) {
                if (!m_seen.contains(k.str)) {
                    m_seen.insert(k.str);
                    keys.append(k.str);
                }
            }
            inspect(keys);
        });
}

void KeyScanner::inspect(const QList<QByteArray> &keys)
{
    const quint64 generation = m_generation;
    auto pageDone = [this] {
        if (m_cursor == "0") {
            m_scanning = false;
            qCInfo(lcGui) << "key scan:" << m_scanned << "keys in" << m_timer.elapsed() << "ms";
            Q_EMIT finished(m_scanned, m_timer.elapsed());
        } else {
            nextPage();
        }
    };
    if (keys.isEmpty()) {
        pageDone();
        return;
    }
    QList<QByteArray> args{"EVAL", kInspect, QByteArray::number(keys.size())};
    args += keys;
    m_client->command(args, this, [this, generation, keys, pageDone](const Redis::Reply &r) {
        if (generation != m_generation)
            return;
        if (r.isError() || !r.isArray() || r.elements.size() != keys.size() * 4) {
            m_scanning = false;
            Q_EMIT failed(tr("Reading key details failed: %1").arg(r.errorMessage()));
            return;
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<KeysModel::Row> rows;
        rows.reserve(keys.size());
        for (qsizetype i = 0; i < keys.size(); ++i) {
            const auto *e = &r.elements.at(i * 4);
            if (e[0].str == "none")
                continue; // gone between SCAN and now
            KeysModel::Row row;
            row.key = QString::fromUtf8(keys.at(i));
            row.type = QString::fromUtf8(e[0].str);
            row.pttlMs = e[1].integer;
            row.deadlineMs = row.pttlMs >= 0 ? now + row.pttlMs : 0;
            row.length = e[2].integer;
            row.memory = e[3].isInteger() ? e[3].integer : -1;
            rows.append(std::move(row));
        }
        m_scanned += rows.size();
        m_model->append(rows);
        Q_EMIT progress(m_scanned);
        pageDone();
    });
}

} // namespace Afw

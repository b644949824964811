// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <memory>

#include "keysmodel.h"

namespace Afw::Redis {
class Client;
}

namespace Afw {

/**
 * Fills a KeysModel from Redis with SCAN (never KEYS): one page of keys at a time,
 * then one read-only script call for the page's TYPE, PTTL, length and MEMORY USAGE,
 * so 100,000 keys cost 100 round trips of small replies and the UI keeps breathing
 * between them.
 */
class KeyScanner : public QObject
{
    Q_OBJECT

public:
    KeyScanner(KeysModel *model, QObject *parent = nullptr);
    ~KeyScanner() override;

    /** Connects (and keeps reconnecting) to @p redisUrl; false and *error if it does not parse. */
    bool setRedisUrl(const QString &redisUrl, QString *error);
    bool isConnected() const;
    QString redisUrl() const { return m_url; }

    /** Starts over: every key under @p prefix, or only those of @p sessionId (…:<id>). */
    void scan(const QString &prefix, const QString &sessionId = {});
    void stop();
    bool isScanning() const { return m_scanning; }
    qint64 scanned() const { return m_scanned; }
    void setPageSize(int n) { m_pageSize = n; }

    /** The SCAN MATCH pattern for a prefix and an optional session (glob characters escaped). */
    static QByteArray pattern(const QString &prefix, const QString &sessionId);

Q_SIGNALS:
    void connectedChanged(bool connected);
    void progress(qint64 scanned);
    void finished(qint64 total, qint64 elapsedMs);
    void failed(const QString &message);

private:
    void nextPage();
    void inspect(const QList<QByteArray> &keys);

    KeysModel *m_model;
    std::unique_ptr<Redis::Client> m_client;
    QString m_url;
    QByteArray m_pattern;
    QByteArray m_cursor = "0";
    quint64 m_generation = 0;
    bool m_scanning = false;
    qint64 m_scanned = 0;
    QSet<QByteArray> m_seen; // SCAN may return a key twice; the table shows it once
    int m_pageSize = 1000;
    QElapsedTimer m_timer;
};

} // namespace Afw

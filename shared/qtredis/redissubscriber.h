// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>

#include "redisconnection.h"

namespace Afw::Redis {

/**
 * Pub/sub listener on its own connection (AUTH as in the URL; the db does not matter for
 * pub/sub). Channels are remembered and subscribed again after every reconnect; messages
 * published while disconnected are lost (that is Redis pub/sub).
 */
class Subscriber : public Connection
{
    Q_OBJECT

public:
    explicit Subscriber(
        const RedisUrl &url, const Options &options = {}, QObject *parent = nullptr);
    ~Subscriber() override;

    /** May be called at any time, before start() too. Subscribing twice is a no-op. */
    void subscribe(const QByteArray &channel);
    QList<QByteArray> channels() const { return m_channels; }

Q_SIGNALS:
    void message(const QByteArray &channel, const QByteArray &payload);
    /** Redis confirmed the subscription (after every reconnect too). */
    void subscribed(const QByteArray &channel);

protected:
    void contextCreated(redisAsyncContext *ac) override;
    void contextLost(Reply::Failure failure, const QString &reason) override;

private:
    void sendSubscribe(const QList<QByteArray> &channels);
    static void onHandshake(redisAsyncContext *ac, void *reply, void *privdata);
    static void onSubscription(redisAsyncContext *ac, void *reply, void *privdata);

    QList<QByteArray> m_channels;
};

} // namespace Afw::Redis

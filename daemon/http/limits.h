// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include "config.h"

namespace Afw {

// What one connection may cost. The configurable ones come from Config (their defaults
// live there only); the rest are fixed.
struct HttpLimits
{
    explicit HttpLimits(const Config &config)
        : maxBodyBytes(config.maxBodyBytes), maxWsMessageBytes(config.wsMaxMessageBytes),
          maxConnections(config.maxConnections), requestTimeoutMs(config.requestTimeoutMs),
          idleTimeoutMs(config.idleTimeoutMs), corsOrigin(config.corsOrigin.toUtf8())
    {
    }

    qint64 maxBodyBytes;
    // A WebSocket connection's read buffer must hold its largest message.
    qint64 maxWsMessageBytes;
    int maxConnections;
    int requestTimeoutMs; // from a request's first byte to its last
    int idleTimeoutMs;    // a keep-alive connection with nothing to do
    QByteArray corsOrigin;

    // What one connection may buffer beyond the body: the request line and header
    // fields. A request larger than both together cannot be read whole and is refused.
    static constexpr qint64 maxHeadBytes = 64 * 1024;
    // Responses a client has not read yet; a client that pipelines past this is dropped.
    static constexpr qint64 maxUnsentBytes = 32 * 1024 * 1024;
    // Requests of one connection waiting for their answer (pipelining); past this the
    // next one is answered 503 and the connection closes.
    static constexpr int maxUnanswered = 1024;

    qint64 readBufferBytes() const { return maxBodyBytes + maxHeadBytes; }
};

} // namespace Afw

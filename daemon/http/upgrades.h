// SPDX-License-Identifier: MIT
#pragma once

#include <QPointer>
#include <QTcpSocket>
#include <QWebSocket>

#include <memory>

namespace Afw {

// A connection whose writes can be gathered into one send(): between beginBatch() and
// endBatch() nothing reaches the kernel. The WebSocket hub flushes a client's frames
// through the one under its socket.
class BatchWriter
{
public:
    virtual void beginBatch() = 0;
    virtual void endBatch() = 0;

protected:
    ~BatchWriter() = default;
};

// The connection under an upgraded WebSocket, watched: writer() is nullptr once it is gone.
struct UpgradedWire
{
    QPointer<QTcpSocket> socket;
    BatchWriter *batch = nullptr;

    BatchWriter *writer() const { return socket ? batch : nullptr; }
};

// What the WebSocket hub needs of the HTTP server: the sockets it upgraded, and the
// connection under each.
class WebSocketUpgrades
{
public:
    // The next upgraded WebSocket, or nullptr when none is waiting.
    virtual std::unique_ptr<QWebSocket> nextUpgraded() = 0;
    virtual UpgradedWire wireOf(const QWebSocket *webSocket) const = 0;

protected:
    ~WebSocketUpgrades() = default;
};

} // namespace Afw

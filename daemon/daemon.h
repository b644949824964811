// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

#include <memory>

#include "config.h"
#include "metrics.h"

namespace Afw {

class HttpApi;
class HttpServer;
class Storage;
class WsHub;

// Wires storage, HTTP and WebSocket together. Used by afwd's main() and, whole,
// by the tests that run a daemon in-process on port 0.
class Daemon final : public QObject
{
    Q_OBJECT
public:
    explicit Daemon(const Config &config, QObject *parent = nullptr);
    ~Daemon() override;

    bool start(QString *error);
    quint16 port() const { return m_port; }
    const Config &config() const { return m_config; }
    // Stop accepting, close WebSocket clients with 1001, then finished() (bounded).
    void shutdown();

    Storage *storage() const { return m_storage.get(); }
    HttpServer *http() const { return m_http; }
    WsHub *ws() const { return m_ws; }

Q_SIGNALS:
    void finished();

private:
    Config m_config;
    Metrics m_metrics;
    std::unique_ptr<Storage> m_storage;
    HttpServer *m_http = nullptr; // owns the HttpApi
    WsHub *m_ws = nullptr;
    quint16 m_port = 0;
    bool m_shuttingDown = false;
};

// The storage backend the configuration asks for; nullptr and *error when it cannot.
std::unique_ptr<Storage> makeStorage(const Config &config, QString *error);

} // namespace Afw

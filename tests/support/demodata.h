// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonArray>
#include <QString>

namespace Afw {
class ApiClient;
}

namespace Afw::Test {

/**
 * Realistic daemon contents for the console: sessions of several users and hosts in
 * every status, chains whose steps completed, failed, run and wait, file and log
 * events, a question to the operator, a queued command and input (so every TTL part
 * exists). Timestamps are relative to now. Returns the id of the richest session
 * (two chains, one running), or an empty string if posting failed.
 */
QString seedDemo(ApiClient &client);

/** The events of one agent session: @p chains chains of @p stepsPerChain steps, the last one
 * running. */
QJsonArray agentSession(const QString &id, qint64 startMs, int chains, int stepsPerChain);

} // namespace Afw::Test

// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QTest>

#include "apiclient.h"
#include "timeutil.h"

namespace Afw::Test {

/**
 * One ApiClient call, waited for on its callback (bounded). @p call gets a context
 * and the callback: await<ServerInfo>([&](auto *ctx, auto cb) { c.health(ctx, cb); }).
 */
template <typename T, typename Call> ApiResult<T> await(Call &&call, int timeoutMs = 15000)
{
    std::optional<ApiResult<T>> out;
    QObject context;
    call(&context, ApiClient::Callback<T>([&out](const ApiResult<T> &r) { out = r; }));
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, timeoutMs)) {
        ApiResult<T> r;
        r.error.kind = ApiError::Timeout;
        r.error.error = QStringLiteral("TEST: no callback within %1 ms").arg(timeoutMs);
        return r;
    }
    return *out;
}

inline QJsonObject makeEvent(const QString &sessionId, const QString &type, qint64 tsMs,
                             QJsonObject extra = {})
{
    extra.insert(QStringLiteral("sessionId"), sessionId);
    extra.insert(QStringLiteral("type"), type);
    extra.insert(QStringLiteral("timestamp"), isoFromMs(tsMs));
    return extra;
}

/** Posts @p events in batches of ≤ 1000; false (and a warning) on the first failure. */
inline bool postAll(ApiClient &client, const QJsonArray &events)
{
    for (qsizetype i = 0; i < events.size(); i += 1000) {
        QJsonArray batch;
        for (qsizetype j = i; j < std::min(events.size(), i + 1000); ++j)
            batch.append(events.at(j));
        const auto r =
            await<int>([&](QObject *ctx, auto cb) { client.postEvents(batch, ctx, cb); });
        if (!r.ok()) {
            qWarning().noquote() << "posting events failed:" << r.error.describe();
            return false;
        }
    }
    return true;
}

} // namespace Afw::Test

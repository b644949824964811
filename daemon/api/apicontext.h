// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QFuture>
#include <QObject>

#include "config.h"
#include "http/reply.h"
#include "logging.h"
#include "metrics.h"
#include "storage/storage.h"

namespace Afw {

// What the handlers of every resource share.
struct ApiContext
{
    Config config;
    Storage *storage;
    Metrics *metrics;
    QObject *owner; // continuations run on its thread and are dropped when it dies
    QElapsedTimer uptime;

    // Runs onOk(value) once the storage answered. Every error, NotFound included, is
    // answered here through the one mapping (errorReply); sessionId names the session the
    // operation was about, so that NotFound reads "Session not found".
    template <typename T, typename F>
    void whenReady(QFuture<Result<T>> future, const char *op, const ReplyPtr &reply, F &&onOk,
                   const QString &sessionId = {}) const
    {
        QElapsedTimer timer;
        timer.start();
        auto done = [metrics = metrics, op, timer, reply, sessionId,
                     fn = std::forward<F>(onOk)](const Result<T> &r) mutable {
            const bool failed = !r.ok() && r.error.code != StorageError::NotFound;
            metrics->observeStorage(op, double(timer.nsecsElapsed()) / 1e9, failed);
            if (failed)
                qCWarning(lcStorage) << op << "failed:" << r.error.message;
            if (!r.ok()) {
                reply->fail(errorReply(r.error, sessionId));
                return;
            }
            fn(r.value);
        };
        // The memory backend answers at once: no trip through the event loop.
        if (future.isFinished() && future.resultCount() > 0) {
            done(future.result());
            return;
        }
        future
            .then(owner,
                  [done](QFuture<Result<T>> f) mutable {
                      done(f.resultCount() > 0
                               ? f.result()
                               : Result<T>::fail(StorageError::Unavailable,
                                                 QStringLiteral("operation abandoned")));
                  })
            .onCanceled(owner, [reply] {
                reply->fail(
                    errorReply({StorageError::Unavailable, QStringLiteral("operation cancelled")}));
            });
    }
};

} // namespace Afw

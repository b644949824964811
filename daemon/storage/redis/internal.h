// SPDX-License-Identifier: MIT
#pragma once

// What the Redis backend's source files share; nothing outside daemon/storage/redis/
// includes this.

#include <QPromise>

#include <memory>

#include "redisstorage.h"

namespace Afw::RedisDetail {

// A promise that finishes exactly once. If every copy dies unresolved (a callback was
// dropped because the storage died), QPromise's destructor cancels and finishes it, so
// a waiting caller always wakes up.
template <typename T> class Promise
{
public:
    Promise() : d(std::make_shared<QPromise<Result<T>>>()) { d->start(); }
    QFuture<Result<T>> future() const { return d->future(); }
    void resolve(Result<T> r) const
    {
        if (d->future().isFinished())
            return;
        d->addResult(std::move(r));
        d->finish();
    }
    void ok(T value) const
    {
        Result<T> r;
        r.value = std::move(value);
        resolve(std::move(r));
    }
    void fail(const StorageError &e) const
    {
        Result<T> r;
        r.error = e;
        resolve(std::move(r));
    }
    // Finishes with `e` when it is an error; true then (the caller returns).
    bool failedWith(const StorageError &e) const
    {
        if (e.code == StorageError::None)
            return false;
        fail(e);
        return true;
    }

private:
    std::shared_ptr<QPromise<Result<T>>> d;
};

template <typename T> Result<T> success(T value)
{
    Result<T> r;
    r.value = std::move(value);
    return r;
}

template <typename T> Result<T> failure(const StorageError &e)
{
    return Result<T>::fail(e.code, e.message);
}

// The same for an operation that reports to a callback: true (and `done` called) when
// `e` is an error.
template <typename T>
bool failedWith(const StorageError &e, const std::function<void(Result<T>)> &done)
{
    if (e.code == StorageError::None)
        return false;
    done(failure<T>(e));
    return true;
}

// Results of operations sent at once (pipelined), counted down: the first error is kept,
// and note() says when the last one came in.
struct Countdown
{
    qsizetype left = 0;
    StorageError error;

    bool note(const StorageError &e)
    {
        if (e.code != StorageError::None && error.code == StorageError::None)
            error = e;
        return --left == 0;
    }
};

inline QByteArray num(qint64 v)
{
    return QByteArray::number(v);
}

QByteArray compact(const QJsonObject &o);
// The seq of stored event bytes (`,"seq":N}` last, as both backends store them; else parsed).
qint64 seqOf(const QByteArray &json);

} // namespace Afw::RedisDetail

namespace Afw {

template <typename T, typename Start> QFuture<Result<T>> RedisStorage::run(Start &&start)
{
    if (!m_available)
        return QtFuture::makeReadyFuture(
            Result<T>::fail(StorageError::Unavailable, unavailableReason()));
    RedisDetail::Promise<T> p;
    start(p);
    return p.future();
}

} // namespace Afw

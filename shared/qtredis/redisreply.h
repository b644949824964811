// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

struct redisReply;
class QDebug;

namespace Afw::Redis {

/**
 * One Redis reply, as a plain value (copyable; QByteArray/QList share their data).
 *
 * Commands that never got an answer from the server (not connected, connection dropped,
 * timed out) are also delivered as a Reply: type Error, a non-None `failure` and a
 * human-readable message in `str`.
 */
struct Reply
{
    enum class Type { Nil, String, Integer, Array, Status, Error };
    enum class Failure { None, NotConnected, Disconnected, Timeout };

    Type type = Type::Nil;
    Failure failure = Failure::None;
    QByteArray str;        // String, Status, Error (incl. failures)
    qint64 integer = 0;    // Integer
    QList<Reply> elements; // Array

    bool isNil() const { return type == Type::Nil; }
    bool isString() const { return type == Type::String; }
    bool isInteger() const { return type == Type::Integer; }
    bool isArray() const { return type == Type::Array; }
    bool isStatus() const { return type == Type::Status; }
    /** Server error reply or a failure. */
    bool isError() const { return type == Type::Error; }
    /** No server reply at all: NotConnected, Disconnected or Timeout. */
    bool isFailure() const { return failure != Failure::None; }
    /** Status "OK". */
    bool isOk() const { return type == Type::Status && str == "OK"; }

    /** Error or failure text (empty for other types). */
    QString errorMessage() const { return isError() ? QString::fromUtf8(str) : QString(); }

    static Reply fromHiredis(const redisReply *reply);
    static Reply makeFailure(Failure failure, const QString &message);
    static Reply makeError(const QByteArray &message);
    static Reply makeString(const QByteArray &value);
    static Reply makeInteger(qint64 value);

    friend bool operator==(const Reply &a, const Reply &b);
    friend bool operator!=(const Reply &a, const Reply &b) { return !(a == b); }
};

QDebug operator<<(QDebug debug, const Reply &reply);
QDebug operator<<(QDebug debug, Reply::Failure failure);

} // namespace Afw::Redis

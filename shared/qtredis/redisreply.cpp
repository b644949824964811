// SPDX-License-Identifier: MIT
#include "redisreply.h"

#include <hiredis/hiredis.h>

#include <QDebug>

namespace Afw::Redis {

Reply Reply::fromHiredis(const redisReply *reply)
{
    Reply r;
    if (!reply)
        return makeFailure(Failure::Disconnected, QStringLiteral("no reply"));
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        r.type = Type::String;
        r.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        r.type = Type::Status;
        r.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        r.type = Type::Error;
        r.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        r.type = Type::Integer;
        r.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        r.type = Type::Array;
        r.elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            r.elements.append(fromHiredis(reply->element[i]));
        break;
    case REDIS_REPLY_NIL:
    default:
        r.type = Type::Nil;
        break;
    }
    return r;
}

Reply Reply::makeFailure(Failure failure, const QString &message)
{
    Reply r;
    r.type = Type::Error;
    r.failure = failure;
    r.str = message.toUtf8();
    return r;
}

Reply Reply::makeError(const QByteArray &message)
{
    Reply r;
    r.type = Type::Error;
    r.str = message;
    return r;
}

Reply Reply::makeString(const QByteArray &value)
{
    Reply r;
    r.type = Type::String;
    r.str = value;
    return r;
}

Reply Reply::makeInteger(qint64 value)
{
    Reply r;
    r.type = Type::Integer;
    r.integer = value;
    return r;
}

bool operator==(const Reply &a, const Reply &b)
{
    return a.type == b.type && a.failure == b.failure && a.str == b.str && a.integer == b.integer
           && a.elements == b.elements;
}

QDebug operator<<(QDebug debug, Reply::Failure failure)
{
    QDebugStateSaver saver(debug);
    switch (failure) {
    case Reply::Failure::None: return debug.noquote() << "None";
    case Reply::Failure::NotConnected: return debug.noquote() << "NotConnected";
    case Reply::Failure::Disconnected: return debug.noquote() << "Disconnected";
    case Reply::Failure::Timeout: return debug.noquote() << "Timeout";
    }
    return debug;
}

QDebug operator<<(QDebug debug, const Reply &reply)
{
    QDebugStateSaver saver(debug);
    debug.nospace();
    switch (reply.type) {
    case Reply::Type::Nil: return debug << "Reply(nil)";
    case Reply::Type::String: return debug << "Reply(string " << reply.str << ')';
    case Reply::Type::Status: return debug << "Reply(status " << reply.str << ')';
    case Reply::Type::Integer: return debug << "Reply(integer " << reply.integer << ')';
    case Reply::Type::Array: return debug << "Reply(array " << reply.elements << ')';
    case Reply::Type::Error:
        if (reply.isFailure())
            return debug << "Reply(failure " << reply.failure << ' ' << reply.str << ')';
        return debug << "Reply(error " << reply.str << ')';
    }
    return debug;
}

} // namespace Afw::Redis

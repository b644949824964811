// SPDX-License-Identifier: MIT
#pragma once

#include <QHttpServerRequest>
#include <QList>
#include <QStringList>

#include <functional>

#include "reply.h"

namespace Afw {

enum class Method { Get, Post, Put, Delete, Options, Other };
Method methodOf(QHttpServerRequest::Method m);

// Who may call a route (API.md "Roles"). Today every route but an Open one needs the
// API key when one is configured; the roles of keys are told apart by the front door.
enum class Access {
    Open,   // no key needed (/health)
    Read,   // dashboards: reading
    Ingest, // agent hooks: read, post events, drain their commands and input
    Admin,  // operators: steer and change (commands, input, PUT, DELETE)
};

using Handler = std::function<void(Call &)>;

struct Route
{
    Method method;
    QStringList segments; // ":x" is a parameter (an id)
    Handler handler;
    QString name; // the pattern, as /metrics labels it
    Access access;
};

// The route table, matched segment by segment. Segments are split before
// percent-decoding, so an encoded '/' stays inside its segment (and then fails id
// validation) instead of changing the route.
class Router
{
public:
    // Literal routes go before parameter routes of the same shape.
    void add(Method method, const QString &pattern, Handler handler, Access access);

    struct Match
    {
        const Route *route = nullptr; // nullptr: no route for this method (see allowed)
        QStringList allowed;          // methods the path has, when route is nullptr
        QStringList segments;         // the path's segments, percent-decoded
    };
    Match match(Method method, const QByteArray &rawPath) const;

private:
    QList<Route> m_routes;
};

} // namespace Afw

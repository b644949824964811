// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHttpServerRequest>

namespace Afw {

// What the server needs of a request's header fields, read in one pass over them
// (QHttpServerRequest::value() scans them all for every name asked).
struct HeadCheck
{
    bool upgrade = false;      // the same test Qt's server makes before it offers an upgrade
    bool close = false;        // Connection: close
    bool chunked = false;      // any Transfer-Encoding
    QByteArray framingProblem; // empty when the request is framed unambiguously
};

// Framing that Qt's parser accepts but a proxy in front could read differently (request
// smuggling), and heads Qt dropped without saying so, show up in framingProblem.
HeadCheck checkHead(const QHttpServerRequest &request);

// The request target's path as sent (percent-encoded): routing splits it first.
QByteArray rawPathOf(const QHttpServerRequest &request);

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

#include "api/apicontext.h"

namespace Afw {

class HttpServer;

// Every REST route of API.md, registered on the server's route table. Routes are thin:
// parse and validate with shared/ codecs, call Storage, answer the result; errors go
// through the one mapping in http/errors.h.
class HttpApi final : public QObject
{
    Q_OBJECT
public:
    HttpApi(const Config &config, Storage *storage, Metrics *metrics, HttpServer *server);

private:
    ApiContext m_ctx;
};

} // namespace Afw

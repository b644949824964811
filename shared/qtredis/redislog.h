// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace Afw::Redis {
Q_DECLARE_LOGGING_CATEGORY(lcRedis)
}

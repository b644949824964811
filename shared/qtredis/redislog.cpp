// SPDX-License-Identifier: MIT
#include "redislog.h"

namespace Afw::Redis {
Q_LOGGING_CATEGORY(lcRedis, "afw.redis")
}

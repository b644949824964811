// SPDX-License-Identifier: MIT
#include "clientlog.h"

Q_LOGGING_CATEGORY(lcClient, "afw.client", QtInfoMsg)

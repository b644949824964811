// SPDX-License-Identifier: MIT
#include "guilog.h"

Q_LOGGING_CATEGORY(lcGui, "afw.gui", QtInfoMsg)

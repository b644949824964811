// SPDX-License-Identifier: MIT
#pragma once

#include <QStringView>

namespace Afw {

// Ids (session, chain, command, user) end up inside Redis keys, so this is a
// security boundary: ^[A-Za-z0-9._:@-]{1,128}$ and nothing else.
bool isValidId(QStringView id);

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "ids.h"

namespace Afw {

bool isValidId(QStringView id)
{
    if (id.isEmpty() || id.size() > 128)
        return false;
    for (const QChar c : id) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z')
                        || (u >= u'0' && u <= u'9') || u == u'.' || u == u'_' || u == u':'
                        || u == u'@' || u == u'-';
        if (!ok)
            return false;
    }
    // ".." alone is a path-like id that some tools misread; "." likewise.
    return id != u"." && id != u"..";
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "timeutil.h"

#include <QDateTime>

namespace Afw {

namespace {
// Parsing by hand: every POSTed event carries a timestamp, and QDateTime::fromString
// costs several times more than the rest of the validation.
struct Cursor
{
    QStringView s;
    qsizetype i = 0;

    bool digits(int n, int *out)
    {
        int v = 0;
        for (int k = 0; k < n; ++k, ++i) {
            if (i >= s.size() || s[i] < u'0' || s[i] > u'9')
                return false;
            v = v * 10 + (s[i].unicode() - u'0');
        }
        *out = v;
        return true;
    }
    bool eat(char16_t c)
    {
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
qint64 daysFromCivil(int y, int m, int d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = int(y - era * 400);
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int daysInMonth(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}
} // namespace

std::optional<qint64> parseIsoTimestamp(QStringView text)
{
    Cursor c{text};
    int y, mo, d, h, mi, sec = 0, ms = 0;
    if (!c.digits(4, &y) || !c.eat(u'-') || !c.digits(2, &mo) || !c.eat(u'-') || !c.digits(2, &d))
        return std::nullopt;
    if (!c.eat(u'T') && !c.eat(u't'))
        return std::nullopt;
    if (!c.digits(2, &h) || !c.eat(u':') || !c.digits(2, &mi))
        return std::nullopt;
    if (c.eat(u':')) {
        if (!c.digits(2, &sec))
            return std::nullopt;
        if (c.eat(u'.') || c.eat(u',')) {
            int n = 0;
            for (; c.i < text.size() && text[c.i] >= u'0' && text[c.i] <= u'9'; ++c.i, ++n) {
                if (n < 3)
                    ms = ms * 10 + (text[c.i].unicode() - u'0');
            }
            if (n == 0 || n > 9)
                return std::nullopt;
            for (; n < 3; ++n)
                ms *= 10;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59)
        return std::nullopt;
    int offsetMin = 0;
    if (!c.eat(u'Z') && !c.eat(u'z')) {
        int sign = 0;
        if (c.eat(u'+'))
            sign = 1;
        else if (c.eat(u'-'))
            sign = -1;
        else
            return std::nullopt; // no zone: the time would be ambiguous
        int oh, om = 0;
        if (!c.digits(2, &oh))
            return std::nullopt;
        if (c.eat(u':')) {
            if (!c.digits(2, &om))
                return std::nullopt;
        } else if (c.i < text.size() && !c.digits(2, &om)) {
            return std::nullopt;
        }
        if (oh > 23 || om > 59)
            return std::nullopt;
        offsetMin = sign * (oh * 60 + om);
    }
    if (c.i != text.size())
        return std::nullopt;
    const qint64 days = daysFromCivil(y, mo, d);
    const qint64 result = ((days * 24 + h) * 60 + mi - offsetMin) * 60000 + qint64(sec) * 1000 + ms;
    // Only instants isoFromMs can write back (0001-01-01 to 9999-12-31 UTC): the server
    // echoes them as startedAt/endedAt, which must stay ISO-8601.
    constexpr qint64 kFirstMs = -62135596800000;  // 0001-01-01T00:00:00.000Z
    constexpr qint64 kLastMs = 253402300799999;   // 9999-12-31T23:59:59.999Z
    if (result < kFirstMs || result > kLastMs)
        return std::nullopt;
    return result;
}

QString isoFromMs(qint64 msSinceEpoch)
{
    // Formatted by hand for years 0001..9999 (QDateTime costs ~1 us, and the Redis
    // backend formats one or two of these per event); QDateTime for the rest.
    constexpr qint64 kMsPerDay = 86400000;
    constexpr qint64 kMin = -62135596800000; // 0001-01-01T00:00:00.000Z (Qt has no year 0)
    constexpr qint64 kMax = 253402300799999; // 9999-12-31T23:59:59.999Z
    if (msSinceEpoch < kMin || msSinceEpoch > kMax)
        return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
    qint64 days = msSinceEpoch / kMsPerDay;
    qint64 rest = msSinceEpoch % kMsPerDay;
    if (rest < 0) {
        rest += kMsPerDay;
        --days;
    }
    // H. Hinnant's civil_from_days.
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const int day = int(doy - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    const int year = int(yoe + era * 400 + (month <= 2 ? 1 : 0));
    const int ms = int(rest % 1000);
    const int sec = int(rest / 1000 % 60);
    const int min = int(rest / 60000 % 60);
    const int hour = int(rest / 3600000);
    char16_t buf[24];
    auto put = [&buf](int at, int value, int width) {
        for (int k = width - 1; k >= 0; --k, value /= 10)
            buf[at + k] = char16_t(u'0' + value % 10);
    };
    put(0, year, 4);
    buf[4] = u'-';
    put(5, month, 2);
    buf[7] = u'-';
    put(8, day, 2);
    buf[10] = u'T';
    put(11, hour, 2);
    buf[13] = u':';
    put(14, min, 2);
    buf[16] = u':';
    put(17, sec, 2);
    buf[19] = u'.';
    put(20, ms, 3);
    buf[23] = u'Z';
    return QString(reinterpret_cast<const QChar *>(buf), 24);
}

QString nowIso()
{
    return isoFromMs(nowMs());
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "apitest.h"

#include <QLoggingCategory>
#include <QNetworkProxy>

namespace Afw::Test {

void ApiTest::initTestCase()
{
    QLoggingCategory::setFilterRules(u"afw.*.info=false"_s);
    m_nam.setProxy(QNetworkProxy::NoProxy);
    AFW_DAEMON_FIXTURE_INIT(m_fixture);
}

void ApiTest::init()
{
    m_daemon = start(Config{});
    QVERIFY(m_daemon);
    QVERIFY(m_daemon->port() != 0);
}

void ApiTest::cleanup()
{
    m_daemon.reset();
}

void ApiTest::cleanupTestCase()
{
    m_keyed.reset();
    m_small.reset();
}

const Daemon *ApiTest::keyed()
{
    if (!m_keyed) {
        Config keyed;
        keyed.apiKey = QString::fromLatin1(kApiKey);
        keyed.corsOrigin = QString::fromLatin1(kKeyedOrigin);
        m_keyed = start(keyed);
    }
    return m_keyed.get();
}

const Daemon *ApiTest::small()
{
    if (!m_small) {
        Config small;
        small.maxBodyBytes = 4096;
        m_small = start(small);
    }
    return m_small.get();
}

} // namespace Afw::Test

// SPDX-License-Identifier: MIT
// The afw-admin binary itself: --screenshot against a real afwd seeded with demo data
// renders the window once the --session is shown whole, writes a PNG and exits 0;
// refused keys, bad flags and --help exit as documented. With AFW_SCREENSHOT_OUT set,
// the PNG is also copied there (that is how resources/screenshot.png is made).
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

#include "afwdprocess.h"
#include "apiclient.h"
#include "demodata.h"

using namespace Afw;
using namespace Qt::StringLiterals;
using Afw::Test::AfwdProcess;

class tst_AdminScreenshot : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void screenshot();
    void refusedKeyExits2();
    void helpAndBadFlags();

private:
    // Runs afw-admin to completion (bounded); its exit code, or -1 if it had to be killed.
    int run(const QStringList &args, QByteArray *out = nullptr, QByteArray *err = nullptr);

    QString m_bin;
    QTemporaryDir m_home; // XDG_CONFIG_HOME: no settings of the user's, none left behind
};

void tst_AdminScreenshot::initTestCase()
{
    m_bin = qEnvironmentVariable("AFW_ADMIN_BIN");
    QVERIFY2(QFile::exists(m_bin), "AFW_ADMIN_BIN must name the afw-admin binary");
    QVERIFY(m_home.isValid());
}

int tst_AdminScreenshot::run(const QStringList &args, QByteArray *out, QByteArray *err)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    env.insert(u"XDG_CONFIG_HOME"_s, m_home.path());
    env.remove(u"AFW_API_KEY"_s);
    p.setProcessEnvironment(env);
    p.start(m_bin, args);
    const bool done = QTest::qWaitFor([&p] { return p.state() == QProcess::NotRunning; }, 60000);
    if (!done) {
        ::kill(pid_t(p.processId()), SIGKILL);
        p.waitForFinished(5000);
    }
    if (out)
        *out = p.readAllStandardOutput();
    if (err)
        *err = p.readAllStandardError();
    return done && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

void tst_AdminScreenshot::screenshot()
{
    AfwdProcess afwd;
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    ApiClient client;
    client.setBaseUrl(afwd.url());
    const QString session = Test::seedDemo(client);
    QVERIFY(!session.isEmpty());

    const QString file = m_home.filePath(u"console.png"_s);
    QByteArray out, err;
    const int code =
        run({u"--url"_s, afwd.url().toString(), u"--session"_s, session, u"--screenshot"_s, file},
            &out, &err);
    QVERIFY2(code == 0, err.constData());
    QVERIFY2(out.contains("saved"), out.constData());
    QImage image(file);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(1400, 900));
    // Not a blank window: the status colours of the demo data are in the picture.
    int green = 0, red = 0;
    for (int y = 0; y < image.height(); y += 2) {
        for (int x = 0; x < image.width(); x += 2) {
            const QColor c = image.pixelColor(x, y);
            green += c.green() > 140 && c.red() < 90 && c.blue() < 120;
            red += c.red() > 190 && c.green() < 100 && c.blue() < 100;
        }
    }
    QVERIFY2(green > 20 && red > 20, qPrintable(u"green %1 red %2"_s.arg(green).arg(red)));
    const QString keep = qEnvironmentVariable("AFW_SCREENSHOT_OUT");
    if (!keep.isEmpty()) {
        QFile::remove(keep);
        QVERIFY(QFile::copy(file, keep));
        qInfo() << "screenshot copied to" << keep;
    }
}

void tst_AdminScreenshot::refusedKeyExits2()
{
    AfwdProcess::Options o;
    o.apiKey = u"the-key"_s;
    AfwdProcess afwd(o);
    QVERIFY2(afwd.start(), qPrintable(afwd.errorString()));
    QByteArray err;
    const int code = run({u"--url"_s, afwd.url().toString(), u"--api-key"_s, u"wrong"_s,
                          u"--screenshot"_s, m_home.filePath(u"never.png"_s)},
                         nullptr, &err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("API key"), err.constData());
    QVERIFY(!QFile::exists(m_home.filePath(u"never.png"_s)));
}

void tst_AdminScreenshot::helpAndBadFlags()
{
    QByteArray out, err;
    QCOMPARE(run({u"--help"_s}, &out), 0);
    for (const char *flag : {"--url", "--api-key", "--session", "--redis-url", "--screenshot"})
        QVERIFY2(out.contains(flag), flag);
    QCOMPARE(run({u"--version"_s}, &out), 0);
    QVERIFY(out.startsWith("afw-admin " AFW_VERSION));
    QCOMPARE(run({u"--url"_s, u"ftp://x"_s, u"--session"_s, u"bad id"_s}, nullptr, &err), 2);
    QVERIFY2(err.contains("--url") && err.contains("--session"), err.constData());
    QCOMPARE(run({u"--screenshot"_s, u"x.png"_s}, nullptr, &err), 2);
    QVERIFY2(err.contains("needs --url"), err.constData());
}

QTEST_GUILESS_MAIN(tst_AdminScreenshot)
#include "tst_admin_screenshot.moc"

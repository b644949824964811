// SPDX-License-Identifier: MIT
// Placeholder until the admin GUI issue: a window that says where the console will be.
#include <QApplication>
#include <QLabel>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QLabel label(QStringLiteral("afw-admin: the operator console is not built yet."));
    label.setMargin(24);
    label.show();
    return app.exec();
}

// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QStringList>

namespace Afw {

// What afw-admin remembers between runs (QSettings "ActionFlows/afw-admin"): recent
// daemon and Redis URLs, the API key only when the operator asked for it (stored
// unencrypted, and the Connect dialog says so), and the window layout.
class ConsoleSettings
{
public:
    static constexpr int kMaxRecent = 10;

    ConsoleSettings();

    QStringList recentUrls() const;
    void addRecentUrl(const QString &url);
    QStringList recentRedisUrls() const;
    void addRecentRedisUrl(const QString &url);

    bool rememberKey() const;
    QString apiKey() const; // empty unless rememberKey()
    void setApiKey(const QString &key, bool remember);

    QByteArray layout(const QString &name) const;
    void setLayout(const QString &name, const QByteArray &state);

    QString fileName() const { return m_settings.fileName(); }

private:
    QStringList pushFront(const QString &key, const QString &value);

    QSettings m_settings;
};

} // namespace Afw

// SPDX-License-Identifier: MIT
#include "consolesettings.h"

namespace Afw {

ConsoleSettings::ConsoleSettings()
    : m_settings(QStringLiteral("ActionFlows"), QStringLiteral("afw-admin"))
{
}

QStringList ConsoleSettings::recentUrls() const
{
    return m_settings.value(QStringLiteral("connection/recentUrls")).toStringList();
}

void ConsoleSettings::addRecentUrl(const QString &url)
{
    pushFront(QStringLiteral("connection/recentUrls"), url);
}

QStringList ConsoleSettings::recentRedisUrls() const
{
    return m_settings.value(QStringLiteral("connection/recentRedisUrls")).toStringList();
}

void ConsoleSettings::addRecentRedisUrl(const QString &url)
{
    pushFront(QStringLiteral("connection/recentRedisUrls"), url);
}

QStringList ConsoleSettings::pushFront(const QString &key, const QString &value)
{
    QStringList list = m_settings.value(key).toStringList();
    list.removeAll(value);
    list.prepend(value);
    while (list.size() > kMaxRecent)
        list.removeLast();
    m_settings.setValue(key, list);
    return list;
}

bool ConsoleSettings::rememberKey() const
{
    return m_settings.value(QStringLiteral("connection/rememberKey"), false).toBool();
}

QString ConsoleSettings::apiKey() const
{
    return rememberKey() ? m_settings.value(QStringLiteral("connection/apiKey")).toString()
                         : QString();
}

void ConsoleSettings::setApiKey(const QString &key, bool remember)
{
    m_settings.setValue(QStringLiteral("connection/rememberKey"), remember);
    if (remember)
        m_settings.setValue(QStringLiteral("connection/apiKey"), key);
    else
        m_settings.remove(QStringLiteral("connection/apiKey"));
}

QByteArray ConsoleSettings::layout(const QString &name) const
{
    return m_settings.value(QStringLiteral("layout/") + name).toByteArray();
}

void ConsoleSettings::setLayout(const QString &name, const QByteArray &state)
{
    m_settings.setValue(QStringLiteral("layout/") + name, state);
}

} // namespace Afw

// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace Afw {

// Daemon URL (recent ones offered), API key and, optionally, the Redis URL for the
// Keys tab. Remembering the key is opt-in and the dialog says where it would be kept.
class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    struct Values
    {
        QString url;
        QString apiKey;
        bool rememberKey = false;
        QString redisUrl;
    };

    ConnectDialog(const QStringList &recentUrls, const QStringList &recentRedisUrls,
                  const Values &current, const QString &settingsFile, QWidget *parent = nullptr);
    Values values() const;
    void setError(const QString &message);

private:
    void validate();

    QComboBox *m_url;
    QLineEdit *m_key;
    QCheckBox *m_remember;
    QComboBox *m_redis;
    QLabel *m_error;
};

} // namespace Afw

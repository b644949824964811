// SPDX-License-Identifier: MIT
#include "connectdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

#include "redisurl.h"
#include "statusstyle.h"

namespace Afw {

ConnectDialog::ConnectDialog(const QStringList &recentUrls, const QStringList &recentRedisUrls,
                             const Values &current, const QString &settingsFile, QWidget *parent)
    : QDialog(parent), m_url(new QComboBox(this)), m_key(new QLineEdit(this)),
      m_remember(new QCheckBox(this)), m_redis(new QComboBox(this)), m_error(new QLabel(this))
{
    setWindowTitle(tr("Connect to afwd"));
    m_url->setEditable(true);
    m_url->addItems(recentUrls);
    m_url->setCurrentText(current.url.isEmpty() ? QStringLiteral("http://127.0.0.1:3001")
                                                : current.url);
    m_url->setMinimumContentsLength(32);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setText(current.apiKey);
    m_key->setPlaceholderText(tr("empty if the daemon runs without AFW_API_KEY"));
    m_remember->setText(tr("Remember the key (stored unencrypted in %1)").arg(settingsFile));
    m_remember->setChecked(current.rememberKey);
    m_redis->setEditable(true);
    m_redis->addItem(QString());
    m_redis->addItems(recentRedisUrls);
    m_redis->setCurrentText(current.redisUrl);
    m_redis->lineEdit()->setPlaceholderText(tr("optional: redis://host:6379 for the Keys tab"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(Style::criticalColor().name()));
    m_error->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("Daemon URL"), m_url);
    form->addRow(tr("API key"), m_key);
    form->addRow(QString(), m_remember);
    form->addRow(tr("Redis URL"), m_redis);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::validate);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

ConnectDialog::Values ConnectDialog::values() const
{
    return {m_url->currentText().trimmed(), m_key->text(), m_remember->isChecked(),
            m_redis->currentText().trimmed()};
}

void ConnectDialog::setError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void ConnectDialog::validate()
{
    const QUrl url = QUrl::fromUserInput(values().url);
    if (!url.isValid() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        setError(tr("The daemon URL must look like http://host:3001."));
        return;
    }
    QString why;
    if (!values().redisUrl.isEmpty() && !Redis::RedisUrl::parse(values().redisUrl, &why)) {
        setError(tr("Redis URL: %1").arg(why));
        return;
    }
    accept();
}

} // namespace Afw

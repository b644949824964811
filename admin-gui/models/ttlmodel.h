// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "apitypes.h"

namespace Afw {

/**
 * What each stored part of one session has left to live (GET /api/sessions/:id/ttl),
 * one column per part (session, events, chains, commands, input) so it fits a strip
 * under the session's header. Rows: the countdown, computed at paint time from the
 * absolute expiry (the view only repaints), then that expiry in local time and in UTC.
 * "no expiry" and "absent" are shown as such.
 */
class TtlModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Row { LeftRow, LocalRow, UtcRow, RowCount };
    enum Role { DeadlineRole = Qt::UserRole + 1, SecondsLeftRole };
    static constexpr qint64 kWarnSeconds = 600;
    static constexpr qint64 kCriticalSeconds = 60;

    explicit TtlModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setKeyPrefix(const QString &prefix) { m_prefix = prefix; }
    void setReport(const TtlReport &report);
    void clear();
    bool hasReport() const { return !m_sessionId.isEmpty(); }
    QString sessionId() const { return m_sessionId; }
    /** Seconds a part has left right now: -1 no expiry, -2 absent, 0 expired. */
    qint64 secondsLeft(int part) const;
    QString partName(int part) const { return m_parts.at(part).name; }

private:
    struct Part
    {
        QString name;
        qint64 ttl = TtlReport::kAbsent; // as reported
        qint64 deadlineMs = 0;           // when ttl >= 0
    };
    QString keyOf(const Part &p) const;

    QString m_sessionId;
    QString m_storage;
    QString m_prefix = QStringLiteral("afw:");
    QList<Part> m_parts;
};

} // namespace Afw

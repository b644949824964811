// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace Afw::Test {

/**
 * How long the UI thread stops answering: a precise 5 ms heartbeat on the thread under
 * test; the longest gap between two beats, minus the interval, is the worst stall
 * an operator would have felt (input and repaints wait just as long).
 */
class StallMeter : public QObject
{
public:
    static constexpr int kIntervalMs = 5;

    StallMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(kIntervalMs);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_maxGapNs = std::max(m_maxGapNs, now - m_lastNs);
            m_lastNs = now;
            ++m_beats;
        });
    }
    void start()
    {
        m_maxGapNs = 0;
        m_beats = 0;
        m_clock.start();
        m_lastNs = 0;
        m_timer.start();
    }
    /** Stops and returns the worst stall in ms. */
    double stop()
    {
        m_timer.stop();
        m_maxGapNs = std::max(m_maxGapNs, m_clock.nsecsElapsed() - m_lastNs);
        return maxStallMs();
    }
    double maxStallMs() const { return std::max(0.0, double(m_maxGapNs) / 1e6 - kIntervalMs); }
    int beats() const { return m_beats; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    qint64 m_maxGapNs = 0;
    int m_beats = 0;
};

} // namespace Afw::Test

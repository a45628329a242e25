import { describe, expect, it } from 'vitest';
import { circuitView } from '../../lambda/domain/endpoint-health';
import { type AttemptSample, endpointStats } from '../../lambda/domain/stats';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const attempt = (minutesAgo: number, outcome: AttemptSample['outcome']): AttemptSample => ({
  at: new Date(NOW - minutesAgo * 60_000).toISOString(),
  outcome,
  durationMs: 100,
});

describe('endpoint stats for a chart', () => {
  it('slices the hour into 12 five-minute bars and the day into 24 hourly ones, oldest first', () => {
    // Prepare
    const attempts = [
      attempt(1, 'delivered'),
      attempt(2, 'failed'),
      attempt(59, 'delivered'),
      attempt(61, 'failed'),
      attempt(23 * 60 + 30, 'delivered'),
      attempt(25 * 60, 'delivered'),
    ];

    // Act
    const stats = endpointStats(attempts, [], NOW);

    // Assess
    const hour = stats.lastHour.buckets;
    expect(hour).toHaveLength(12);
    expect(hour[0]).toEqual({ start: '2026-11-28T11:00:00.000Z', delivered: 1, failed: 0 });
    expect(hour[11]).toEqual({ start: '2026-11-28T11:55:00.000Z', delivered: 1, failed: 1 });
    const day = stats.lastDay.buckets;
    expect(day).toHaveLength(24);
    expect(day[0]).toEqual({ start: '2026-11-27T12:00:00.000Z', delivered: 1, failed: 0 });
    expect(day[22]).toMatchObject({ delivered: 0, failed: 1 });
    expect(day[23]).toMatchObject({ delivered: 2, failed: 1 });
    // The 25-hour-old attempt is outside both windows.
    expect(day.reduce((sum, b) => sum + b.delivered + b.failed, 0)).toBe(5);
  });

  it('shows a circuit as closed, open until a time, or half-open once the cool-down is over', () => {
    // Act
    const views = [
      circuitView(undefined, NOW),
      circuitView({ failingSince: NOW - 1000 }, NOW),
      circuitView({ openUntil: NOW + 30_000 }, NOW),
      circuitView({ openUntil: NOW - 1 }, NOW),
    ];

    // Assess
    expect(views).toEqual([
      { state: 'closed' },
      { state: 'closed' },
      { state: 'open', openUntil: '2026-11-28T12:00:30.000Z' },
      { state: 'half-open' },
    ]);
  });
});

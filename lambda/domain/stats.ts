/** Delivery figures for one endpoint over recent windows, from Hookline's own records. */

export interface AttemptSample {
  readonly at: string;
  readonly outcome: 'delivered' | 'failed';
  readonly durationMs: number;
}

export interface WindowStats {
  readonly attempts: number;
  readonly delivered: number;
  readonly failed: number;
  /** Delivered attempts over all attempts; null when there were none. */
  readonly successRatio: number | null;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
  readonly deadLetters: number;
  /** The window in equal slices, oldest first: what a chart of the window draws. */
  readonly buckets: readonly StatsBucket[];
}

export interface StatsBucket {
  /** When the slice begins (ISO 8601); it lasts the window over the bucket count. */
  readonly start: string;
  readonly delivered: number;
  readonly failed: number;
}

/** Slices per window: 5-minute bars for the hour, hourly bars for the day. */
export const STATS_BUCKETS = { lastHour: 12, lastDay: 24 } as const;

export const STATS_WINDOWS = { lastHour: 3_600_000, lastDay: 86_400_000 } as const;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

function bucketsOf(
  attempts: readonly AttemptSample[],
  since: number,
  length: number,
  count: number,
): StatsBucket[] {
  const size = length / count;
  const buckets = Array.from({ length: count }, (_, i) => ({
    start: new Date(since + i * size).toISOString(),
    delivered: 0,
    failed: 0,
  }));
  for (const attempt of attempts) {
    const index = Math.floor((Date.parse(attempt.at) - since) / size);
    const bucket = buckets[Math.min(index, count - 1)];
    if (index < 0 || bucket === undefined) continue;
    if (attempt.outcome === 'delivered') bucket.delivered += 1;
    else bucket.failed += 1;
  }
  return buckets;
}

function windowStats(
  attempts: readonly AttemptSample[],
  deadLetteredAt: readonly string[],
  since: number,
  buckets: { readonly length: number; readonly count: number },
): WindowStats {
  const inWindow = attempts.filter((a) => Date.parse(a.at) >= since);
  const delivered = inWindow.filter((a) => a.outcome === 'delivered').length;
  const latencies = inWindow.map((a) => a.durationMs).sort((a, b) => a - b);
  return {
    attempts: inWindow.length,
    delivered,
    failed: inWindow.length - delivered,
    successRatio: inWindow.length === 0 ? null : delivered / inWindow.length,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    },
    deadLetters: deadLetteredAt.filter((at) => Date.parse(at) >= since).length,
    buckets: bucketsOf(inWindow, since, buckets.length, buckets.count),
  };
}

export function endpointStats(
  attempts: readonly AttemptSample[],
  deadLetteredAt: readonly string[],
  now: number,
): Record<keyof typeof STATS_WINDOWS, WindowStats> {
  return {
    lastHour: windowStats(attempts, deadLetteredAt, now - STATS_WINDOWS.lastHour, {
      length: STATS_WINDOWS.lastHour,
      count: STATS_BUCKETS.lastHour,
    }),
    lastDay: windowStats(attempts, deadLetteredAt, now - STATS_WINDOWS.lastDay, {
      length: STATS_WINDOWS.lastDay,
      count: STATS_BUCKETS.lastDay,
    }),
  };
}

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
}

export const STATS_WINDOWS = { lastHour: 3_600_000, lastDay: 86_400_000 } as const;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

function windowStats(
  attempts: readonly AttemptSample[],
  deadLetteredAt: readonly string[],
  since: number,
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
  };
}

export function endpointStats(
  attempts: readonly AttemptSample[],
  deadLetteredAt: readonly string[],
  now: number,
): Record<keyof typeof STATS_WINDOWS, WindowStats> {
  return {
    lastHour: windowStats(attempts, deadLetteredAt, now - STATS_WINDOWS.lastHour),
    lastDay: windowStats(attempts, deadLetteredAt, now - STATS_WINDOWS.lastDay),
  };
}

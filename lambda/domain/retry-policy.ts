/** Retry schedule arithmetic and response classification (DESIGN §3). */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** SQS cannot hide a message for longer than 12 h. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
export const JITTER = 0.2;

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 30s, 5m, 2h)`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `"1m,5m,30m"` → delays in ms. */
export function parseSchedule(text: string): number[] {
  const delays = text.split(',').map(parseDuration);
  if (delays.length === 0) throw new Error('retry schedule is empty');
  return delays;
}

/**
 * Seconds to wait after the `attemptsMade`-th failed attempt, with ±20 % jitter so retries
 * of one outage do not arrive together. Past the end of the schedule the last delay repeats.
 */
export function retryDelaySeconds(
  attemptsMade: number,
  scheduleMs: readonly number[],
  random: () => number = Math.random,
): number {
  const base = scheduleMs[Math.min(attemptsMade, scheduleMs.length) - 1] ?? scheduleMs[0] ?? 0;
  const jittered = base * (1 - JITTER + 2 * JITTER * random());
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.round(jittered / 1000)));
}

export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly notBeforeSeconds?: number }
  | { readonly kind: 'gone' };

/** What one HTTP answer (or its absence) means for the delivery. */
export function classifyResponse(status: number | undefined, retryAfter?: string): AttemptOutcome {
  if (status === undefined) return { kind: 'retry' };
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  if ((status === 429 || status === 503) && retryAfter !== undefined) {
    const seconds = parseRetryAfter(retryAfter);
    return seconds === undefined ? { kind: 'retry' } : { kind: 'retry', notBeforeSeconds: seconds };
  }
  return { kind: 'retry' };
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when unreadable. */
export function parseRetryAfter(value: string, now = Date.now()): number | undefined {
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

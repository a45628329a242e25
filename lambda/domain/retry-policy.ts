/**
 * How long a delivery waits before its next try, whatever held it back (a failed attempt, an
 * open circuit, a rate limit), and what an HTTP answer means for it. Every delay ends in
 * {@link clampDelaySeconds}: whole seconds, at most 12 h (a wait longer than SQS's 15-minute
 * delay hops from message to message).
 */
import { parseDuration } from '#shared/durations';
import { MAX_RETRY_DELAY_SECONDS, MIN_RETRY_DELAY_SECONDS, RETRY_JITTER } from '#shared/limits';

/** `['1m', '5m']` → delays in ms. */
export function parseSchedule(delays: readonly string[]): number[] {
  if (delays.length === 0) throw new Error('retry schedule is empty');
  return delays.map(parseDuration);
}

/** A delay SQS can apply: whole seconds from 1 s to 12 h. */
export const clampDelaySeconds = (seconds: number): number =>
  Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(MIN_RETRY_DELAY_SECONDS, Math.round(seconds)));

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
  const jittered = base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random());
  return clampDelaySeconds(jittered / 1000);
}

/** After a failed attempt: the schedule's delay, or longer when the endpoint asked for it. */
export function failedAttemptDelaySeconds(
  attemptsMade: number,
  scheduleMs: readonly number[],
  notBeforeSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  const scheduled = retryDelaySeconds(attemptsMade, scheduleMs, random);
  return clampDelaySeconds(Math.max(scheduled, notBeforeSeconds ?? 0));
}

/**
 * How long to defer a delivery that a rate limit turned away. The spread grows with the
 * times the delivery was already turned away, so a backlog drains instead of bouncing.
 */
export function rateLimitDelaySeconds(turnedAway: number, random: () => number): number {
  return clampDelaySeconds(1 + Math.floor(random() * Math.min(60, 2 * Math.max(1, turnedAway))));
}

/**
 * The longest a delivery's retry schedule can take from its first try: every delay at its
 * maximum jitter. By then the delivery is delivered or dead-lettered, whatever held it back.
 */
export function settleSpanMs(scheduleMs: readonly number[], maxAttempts: number): number {
  const last = scheduleMs[scheduleMs.length - 1] ?? 0;
  let total = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt += 1) {
    total += (scheduleMs[attempt - 1] ?? last) * (1 + RETRY_JITTER);
  }
  return total;
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

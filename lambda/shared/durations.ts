import { MAX_RETRY_DELAY_SECONDS, MIN_RETRY_DELAY_SECONDS } from './limits';

/**
 * The one duration grammar of Hookline (`500ms`, `30s`, `1.5m`, `2h`, `1d`), for retry
 * schedules in cdk.json, in local settings and on endpoints alike.
 */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_HINT = 'use e.g. 30s, 5m, 2h';

/** Milliseconds of `text`, or undefined when it is not a duration. Spaces around are ignored. */
export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Milliseconds of `text`; throws when it is not a duration. */
export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new Error(`not a duration: "${text}" (${DURATION_HINT})`);
  return ms;
}

/**
 * Why `text` cannot be a retry delay, or undefined when it can: a duration from 1 s to 12 h,
 * the range SQS can hide a message for.
 */
export function retryDelayProblem(text: string): string | undefined {
  const ms = durationMs(text);
  if (ms === undefined) return `${JSON.stringify(text)} is not a duration (${DURATION_HINT})`;
  if (ms < MIN_RETRY_DELAY_SECONDS * 1000 || ms > MAX_RETRY_DELAY_SECONDS * 1000) {
    return `${text} is outside 1s..12h, the range SQS can delay a message by`;
  }
  return undefined;
}

import { UsageError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `5m`, `2h`, `1h30m`, `7d`: milliseconds, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) return undefined;
  return parts.reduce(
    (sum, [, amount, unit]) => sum + Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS],
    0,
  );
}

export function durationOption(option: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new UsageError(`${option} must be a duration like 30s, 15m, 2h or 1d (got ${text})`);
  }
  return ms;
}

/**
 * A point in time for `--since`/`--until`: an ISO-8601 time with a zone, a date (midnight
 * UTC), or a duration back from now (`2h` = two hours ago).
 */
export function instantOption(option: string, text: string, now = Date.now()): string {
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now - ago).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00.000Z`;
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i.test(text) && !Number.isNaN(Date.parse(text))) {
    return text;
  }
  throw new UsageError(
    `${option} must be an ISO-8601 time with a zone (2026-11-27T09:00:00Z), a date, or a duration back from now (2h, 7d); got ${text}`,
  );
}

/** `invoice.*, customer.created` as a list, or undefined for nothing given. */
export function listOption(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items;
}

export function integerOption(option: string, text: string, min = 0): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${option} must be a whole number from ${min} (got ${text})`);
  }
  return value;
}

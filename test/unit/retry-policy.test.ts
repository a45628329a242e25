import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_SECONDS as MAX_VISIBILITY_SECONDS } from '#shared/limits';
import {
  classifyResponse,
  parseRetryAfter,
  parseSchedule,
  retryDelaySeconds,
} from '../../lambda/domain/retry-policy';

const DEFAULT = parseSchedule(['1m', '5m', '30m', '2h', '12h']);

describe('retry schedule', () => {
  it('parses durations in ms, s, m, h and d', () => {
    expect(parseSchedule(['500ms', '1s', '5m', '2h', '1d'])).toEqual([
      500, 1000, 300_000, 7_200_000, 86_400_000,
    ]);
    expect(() => parseSchedule(['5 minutes'])).toThrow(/not a duration/);
  });

  it.each([
    [1, 60],
    [2, 300],
    [3, 1800],
    [4, 7200],
  ])('after attempt %i waits %is ±20 %%', (attempt, seconds) => {
    expect(retryDelaySeconds(attempt, DEFAULT, () => 0)).toBe(Math.round(seconds * 0.8));
    expect(retryDelaySeconds(attempt, DEFAULT, () => 0.5)).toBe(seconds);
    expect(retryDelaySeconds(attempt, DEFAULT, () => 0.999999)).toBe(Math.round(seconds * 1.2));
  });

  it('never asks SQS for more than its 12 h visibility limit', () => {
    expect(retryDelaySeconds(5, DEFAULT, () => 0.999)).toBe(MAX_VISIBILITY_SECONDS);
    expect(retryDelaySeconds(50, DEFAULT, () => 0.999)).toBe(MAX_VISIBILITY_SECONDS);
  });

  it('waits at least one second even for sub-second schedules', () => {
    expect(retryDelaySeconds(1, [100], () => 0)).toBe(1);
  });
});

describe('response classification', () => {
  it.each([200, 201, 204, 299])('%i is delivered', (status) => {
    expect(classifyResponse(status)).toEqual({ kind: 'delivered' });
  });

  it.each([301, 302, 307, 400, 401, 404, 500, 502])('%i is retried', (status) => {
    expect(classifyResponse(status)).toEqual({ kind: 'retry' });
  });

  it('treats no answer (timeout, reset) as retryable', () => {
    expect(classifyResponse(undefined)).toEqual({ kind: 'retry' });
  });

  it('treats 410 as endpoint gone', () => {
    expect(classifyResponse(410)).toEqual({ kind: 'gone' });
  });

  it('honours Retry-After on 429 and 503, in seconds or as a date', () => {
    expect(classifyResponse(429, '120')).toEqual({ kind: 'retry', notBeforeSeconds: 120 });
    expect(classifyResponse(503, '7')).toEqual({ kind: 'retry', notBeforeSeconds: 7 });
    const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(parseRetryAfter(inOneMinute)).toBeGreaterThanOrEqual(59);
    expect(classifyResponse(429, 'soon')).toEqual({ kind: 'retry' });
  });
});

/**
 * What a receiver needs to know about signatures, retries and answers, written from the
 * code's own defaults and rules: no number here is typed in by hand. The prose describes how
 * `classifyResponse` treats an answer; {@link assertDescribedBehaviour} fails the generation
 * when the code no longer does what the prose says.
 */
import { MAX_RETRY_DELAY_SECONDS, RETRY_JITTER } from '#shared/limits';
import { defaultSettings } from '#shared/settings';
import { HALF_OPEN_PROBES, SLOW_LANE_HOLD_MS } from '../lambda/domain/endpoint-health';
import {
  classifyResponse,
  parseSchedule,
  retryDelaySeconds,
  settleSpanMs,
} from '../lambda/domain/retry-policy';
import { MAX_LIVE_SECRETS } from '../lambda/domain/secrets';
import { DEFAULT_ENDPOINT_CACHE_MS } from '../lambda/wiring/config';

const DAY_MS = 86_400_000;
const UNITS: readonly (readonly [ms: number, unit: string])[] = [
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/**
 * `3600000` → `1 h`, `86400000` → `24 h`, `432000000` → `5 days`: whole days from two days on,
 * else the largest unit that divides it.
 */
export function formatDuration(ms: number): string {
  if (ms >= 2 * DAY_MS && ms % DAY_MS === 0) return `${ms / DAY_MS} days`;
  for (const [size, unit] of UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/** `63072000` → `17.5 h`: hours to one decimal. */
const approxHours = (ms: number): string => `${Number((ms / 3_600_000).toFixed(1))} h`;

const percent = (fraction: number): string => `${Math.round(fraction * 100)} %`;

/** The defaults and limits the text below is written from. */
export const deliveryFacts = (() => {
  const scheduleMs = parseSchedule(defaultSettings.retrySchedule);
  const { maxAttempts } = defaultSettings;
  /** The delay after each failed attempt, at the middle of its jitter. */
  const delaysMs = Array.from(
    { length: maxAttempts - 1 },
    (_, index) => retryDelaySeconds(index + 1, scheduleMs, () => 0.5) * 1000,
  );
  return {
    delaysMs,
    maxAttempts,
    jitter: percent(RETRY_JITTER),
    /** The longest a delivery's attempts can span, every delay at the top of its jitter. */
    longestSpan: approxHours(settleSpanMs(scheduleMs, maxAttempts)),
    timeout: formatDuration(defaultSettings.deliveryTimeoutSeconds * 1000),
    slowAfter: formatDuration(defaultSettings.slowEndpointSeconds * 1000),
    slowLaneHold: formatDuration(SLOW_LANE_HOLD_MS),
    longestRetryAfter: formatDuration(MAX_RETRY_DELAY_SECONDS * 1000),
    autoDisableAfter: formatDuration(defaultSettings.autoDisableAfterSeconds * 1000),
    rotationGrace: formatDuration(defaultSettings.secretRotationGraceHours * 3_600_000),
    maxLiveSecrets: MAX_LIVE_SECRETS,
    halfOpenProbes: HALF_OPEN_PROBES,
    eventRetention: formatDuration(defaultSettings.eventRetentionDays * DAY_MS),
  };
})();

/** Throws when `classifyResponse` no longer treats answers the way the text says. */
export function assertDescribedBehaviour(): void {
  const expectations: readonly [string, ReturnType<typeof classifyResponse>, unknown][] = [
    ['200', classifyResponse(200), { kind: 'delivered' }],
    ['204', classifyResponse(204), { kind: 'delivered' }],
    ['301', classifyResponse(301), { kind: 'retry' }],
    ['400', classifyResponse(400), { kind: 'retry' }],
    ['410', classifyResponse(410), { kind: 'gone' }],
    [
      '429 Retry-After: 120',
      classifyResponse(429, '120'),
      { kind: 'retry', notBeforeSeconds: 120 },
    ],
    [
      '503 Retry-After: 120',
      classifyResponse(503, '120'),
      { kind: 'retry', notBeforeSeconds: 120 },
    ],
    ['500 Retry-After: 120', classifyResponse(500, '120'), { kind: 'retry' }],
    ['no answer', classifyResponse(undefined), { kind: 'retry' }],
  ];
  for (const [answer, actual, described] of expectations) {
    if (JSON.stringify(actual) !== JSON.stringify(described)) {
      throw new Error(
        `docgen describes ${answer} as ${JSON.stringify(described)} but classifyResponse gives ${JSON.stringify(actual)}: update docgen/delivery-policy.ts`,
      );
    }
  }
}

/** The signature scheme, for a receiver. Headings start at `###`. */
export function signatureSection(): string {
  const f = deliveryFacts;
  return `Hookline signs every request the [Standard Webhooks](https://www.standardwebhooks.com/) v1
way (HMAC-SHA256, symmetric). To check a request:

1. Take the **raw body** exactly as received, before any JSON parsing: re-serializing parsed
   JSON can change the bytes and break the signature.
2. Build the signed content \`{webhook-id}.{webhook-timestamp}.{body}\`: the two header values
   and the body, joined by dots.
3. Compute HMAC-SHA256 of it, keyed with your endpoint secret: the secret is \`whsec_\` followed
   by base64; the key is the base64-decoded bytes after \`whsec_\` (32 bytes).
4. Base64-encode the digest and compare it, in constant time, with each entry of
   \`webhook-signature\`. The header is a space-separated list of \`v1,<base64>\` entries; the
   request is genuine if any \`v1\` entry matches. Ignore entries with another version prefix.
5. Reject the request if \`webhook-timestamp\` (unix seconds) is too far from your clock. This
   stops an old request from being replayed at you; Standard Webhooks libraries allow 5 minutes
   either way by default. Every attempt, retry or replay is signed afresh with the time it is
   sent, so a retry hours later still passes.

**Secret rotation.** Rotating an endpoint's secret (\`POST /v1/endpoints/{id}/secret/rotate\`)
keeps the old secret signing beside the new one for a grace period (${f.rotationGrace} by default).
During it every request carries one signature per live secret (current first, at most
${f.maxLiveSecrets}), for example \`v1,K5oZ… v1,3xRm…\`. Give your receiver the new secret
beside the old one (verify against either), and drop the old one before the grace period ends:
a receiver that still holds only the old one keeps verifying until then. Do not switch to the
new one alone in the first seconds: a dispatcher keeps an endpoint read for up to
${DEFAULT_ENDPOINT_CACHE_MS / 1000} s, so the first requests after a rotation may carry only the old signature.

[\`@hookline/receiver\`](../../packages/receiver/README.md) does all of this (and dedupes, queues
and answers fast, in \`node:http\`, Express, Lambda with Middy, or a CDK construct); so does any
Standard Webhooks library. In Node.js:

\`\`\`js
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.HOOKLINE_ENDPOINT_SECRET); // whsec_…

// rawBody: the request body as a string or Buffer, unparsed
export function verify(rawBody, headers) {
  // Throws when no signature matches or the timestamp is outside the tolerance.
  return webhook.verify(rawBody, {
    'webhook-id': headers['webhook-id'],
    'webhook-timestamp': headers['webhook-timestamp'],
    'webhook-signature': headers['webhook-signature'],
  }); // { type, timestamp, data }
}
\`\`\`
`;
}

/** Retries, answers and what they mean, for a receiver. Headings start at `###`. */
export function retrySection(): string {
  const f = deliveryFacts;
  const attempts = Array.from({ length: f.maxAttempts }, (_, index) => index + 1);
  const next = attempts.map((attempt) => {
    const delay = f.delaysMs[attempt - 1];
    return delay === undefined ? 'dead-lettered' : formatDuration(delay);
  });
  return `Delivery is at-least-once and unordered: the same event can arrive more than once (a
retry after an answer that got lost, a redrive, a replay), and events can arrive in any order.
Deduplicate on \`webhook-id\`, and order by the event's \`timestamp\` or by your own data, not by
arrival.

**Answer quickly.** Reply \`2xx\` as soon as the request is verified and stored, then do the work.
Hookline waits at most ${f.timeout} for an answer. An attempt still unanswered after
${f.slowAfter} is cut short and made again at once, this time waiting the full ${f.timeout}; this
uses up no attempt, and your endpoint's next deliveries for ${f.slowLaneHold} go the same slower
way. A slow receiver may therefore see such a request twice.

| your endpoint answers | Hookline |
|---|---|
| \`2xx\` | the delivery is done |
| \`3xx\` | failed attempt: redirects are not followed, register the final URL |
| \`410 Gone\` | disables your endpoint and dead-letters the delivery at once; nothing more is sent until the endpoint is enabled again |
| \`429\` or \`503\` with \`Retry-After\` (seconds or an HTTP date) | failed attempt; the next one waits at least that long (at most ${f.longestRetryAfter}); a wait past the end of the schedule is honoured, and that attempt is then the last |
| any other status, no answer within ${f.timeout}, a refused or reset connection, a TLS error | failed attempt |

After a failed attempt the delivery waits, then tries again. The default schedule (each delay
±${f.jitter} at random, so retries after an outage spread out):

| after attempt | ${attempts.join(' | ')} |
|${attempts.map(() => '---|').join('')}---|
| next attempt in | ${next.join(' | ')} |

So a delivery's last attempt comes at most ${f.longestSpan} after its first. After the last failed
attempt the delivery is dead-lettered; once your endpoint works again, the operator can redrive it or
replay events from the event log (kept ${f.eventRetention}). Either way the request carries the
same \`webhook-id\` and body, with a new \`webhook-timestamp\` and signature.

The schedule and the number of attempts are the deployment's defaults: the operator can change
them for the deployment or for your endpoint alone. Beside them:

- An endpoint that fails most of its recent attempts has its deliveries held back for a
  cool-down rather than sent (they use up no attempts); then up to ${f.halfOpenProbes} are let
  through as probes, and the first success resumes normal delivery.
- An endpoint that fails without a single success for ${f.autoDisableAfter} is disabled.
- An endpoint can have a rate limit (deliveries per second); requests beyond it wait.
`;
}

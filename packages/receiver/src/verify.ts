import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './errors.js';
import {
  headerValue,
  WEBHOOK_ID,
  WEBHOOK_SIGNATURE,
  WEBHOOK_TIMESTAMP,
  type WebhookHeaders,
} from './headers.js';

/** What Hookline sends: the body of every delivery. */
export interface WebhookPayload<Data = unknown> {
  readonly type: string;
  readonly timestamp: string;
  readonly data: Data;
}

/** A verified delivery: its id (the same on every retry, dedupe on it), when it was signed, what it says. */
export interface VerifiedWebhook<Data = unknown> {
  readonly id: string;
  /** Unix seconds of this attempt's signature. */
  readonly signedAt: number;
  readonly payload: WebhookPayload<Data>;
  /** The body exactly as received, for forwarding without re-serialising. */
  readonly rawBody: string;
}

export interface VerifyOptions {
  /**
   * How far the signature time may be from now, either way, in seconds. Old deliveries are
   * replays; pass `Number.POSITIVE_INFINITY` only in tests of recorded fixtures.
   * @default 300
   */
  readonly toleranceSeconds?: number;
  /**
   * The current time, as a `Date` or milliseconds since the epoch.
   * @default Date.now()
   */
  readonly now?: Date | number;
}

/** Raw body bytes, or the string they decode to. Never a re-serialised parsed object. */
export type RawBody = string | Uint8Array;

/** One `whsec_…` secret, or several while a rotated one is still signing. */
export type Secrets = string | readonly string[];

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHOLE_SECONDS = /^[0-9]{1,12}$/;
const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Verifies a delivery against its raw body and returns the parsed payload; throws a
 * `WebhookVerificationError` whose `code` says why it must be refused.
 */
export function verify<Data = unknown>(
  rawBody: RawBody,
  headers: WebhookHeaders,
  secrets: Secrets,
  options: VerifyOptions = {},
): WebhookPayload<Data> {
  return verifyWebhook<Data>(rawBody, headers, secrets, options).payload;
}

/** `verify`, returning the delivery's id and signature time beside the payload. */
export function verifyWebhook<Data = unknown>(
  rawBody: RawBody,
  headers: WebhookHeaders,
  secrets: Secrets,
  options: VerifyOptions = {},
): VerifiedWebhook<Data> {
  const keys = decodeSecrets(secrets);
  const id = requiredHeader(headers, WEBHOOK_ID);
  const timestampText = requiredHeader(headers, WEBHOOK_TIMESTAMP);
  const signatures = requiredHeader(headers, WEBHOOK_SIGNATURE);
  if (!WHOLE_SECONDS.test(timestampText)) {
    throw new WebhookVerificationError(
      'malformed_header',
      'webhook-timestamp must be whole unix seconds',
      WEBHOOK_TIMESTAMP,
    );
  }
  const body = bytesOf(rawBody);
  const expected = keys.map((key) => digest(key, id, timestampText, body));
  if (!signatures.split(' ').some((candidate) => matchesAny(candidate, expected))) {
    throw new WebhookVerificationError(
      'bad_signature',
      'no signature in webhook-signature matches this body and secret',
    );
  }
  const signedAt = Number(timestampText);
  checkTimestamp(signedAt, options);
  return { id, signedAt, payload: parsePayload<Data>(body), rawBody: body.toString('utf8') };
}

export interface SignedWebhook {
  readonly headers: {
    readonly 'content-type': string;
    readonly 'webhook-id': string;
    readonly 'webhook-timestamp': string;
    readonly 'webhook-signature': string;
  };
  readonly body: string;
}

/**
 * Signs a delivery the way Hookline does, for a receiver's own tests: send `headers` and
 * `body` to your handler and it must accept them.
 */
export function signWebhook(
  secrets: Secrets,
  payload: WebhookPayload | string,
  options: { readonly id?: string; readonly timestamp?: number } = {},
): SignedWebhook {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const id = options.id ?? `msg_test${randomBytes(12).toString('hex')}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = decodeSecrets(secrets)
    .map((key) => `v1,${digest(key, id, timestamp, Buffer.from(body)).toString('base64')}`)
    .join(' ');
  return {
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    },
    body,
  };
}

/** The body as a Buffer, viewing the caller's bytes rather than copying them. */
function bytesOf(rawBody: RawBody): Buffer {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  return Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
}

function decodeSecrets(secrets: Secrets): Buffer[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new WebhookVerificationError('bad_secret', 'no secret was given');
  return list.map((secret) => {
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    if (encoded.length === 0 || !BASE64.test(encoded)) {
      throw new WebhookVerificationError(
        'bad_secret',
        'a secret must be whsec_ followed by base64 (as Hookline shows it)',
      );
    }
    return Buffer.from(encoded, 'base64');
  });
}

function requiredHeader(headers: WebhookHeaders, name: string): string {
  const value = headerValue(headers, name)?.trim();
  if (!value) throw new WebhookVerificationError('missing_header', `${name} is missing`, name);
  return value;
}

function digest(key: Buffer, id: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** Constant-time per candidate: a `v1,<base64>` entry against every expected digest. */
function matchesAny(candidate: string, expected: readonly Buffer[]): boolean {
  const [version, encoded] = candidate.split(',', 2);
  if (version !== 'v1' || !encoded) return false;
  const given = Buffer.from(encoded, 'base64');
  let matched = false;
  for (const digestBytes of expected) {
    if (given.length === digestBytes.length && timingSafeEqual(given, digestBytes)) matched = true;
  }
  return matched;
}

function checkTimestamp(signedAt: number, options: VerifyOptions): void {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!(tolerance >= 0)) throw new RangeError('toleranceSeconds must be 0 or more');
  const nowMs = options.now === undefined ? Date.now() : Number(options.now);
  const nowSeconds = Math.floor(nowMs / 1000);
  if (signedAt < nowSeconds - tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `signed ${nowSeconds - signedAt} s ago, more than the ${tolerance} s allowed`,
    );
  }
  if (signedAt > nowSeconds + tolerance) {
    throw new WebhookVerificationError(
      'timestamp_in_future',
      `signed ${signedAt - nowSeconds} s ahead of this clock, more than the ${tolerance} s allowed`,
    );
  }
}

function parsePayload<Data>(body: Buffer): WebhookPayload<Data> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('malformed_payload', 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WebhookVerificationError('malformed_payload', 'the body is not a JSON object');
  }
  return parsed as WebhookPayload<Data>;
}

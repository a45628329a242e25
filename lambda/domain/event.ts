import { createHash } from 'node:crypto';
import { EVENT_TYPE_PATTERN, validateEventData } from './catalog';
import { PayloadTooLargeError } from './errors';
import { EVENT_ID_PATTERN, GENERATED_EVENT_ID_PREFIX } from './ids';
import { FieldReader, isPlainObject } from './validation';

/** The EventBridge entry limit; a published event's serialized form must fit in it. */
export const MAX_EVENT_BYTES = 256 * 1024;
export const DEFAULT_TENANT = 'default';
export const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** A validated publish request, before Hookline has assigned anything. */
export interface EventInput {
  readonly type: string;
  readonly version: number;
  readonly data: unknown;
  readonly tenant: string;
  readonly id?: string;
  readonly timestamp?: string;
}

/** An accepted event as stored in the event log. */
export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly tenant: string;
  /** ISO-8601, UTC. */
  readonly timestamp: string;
  readonly data: unknown;
  /**
   * Hash of the publish request, to tell a retry from a different event with the same id.
   * Kept for publisher-supplied ids only: a generated id is never sent twice by two requests.
   */
  readonly requestHash?: string;
  /** Endpoints the event was fanned out to when it was published. */
  readonly endpointIds: readonly string[];
}

export function assertEventSize(serialized: string, field = ''): void {
  const bytes = Buffer.byteLength(serialized, 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    throw new PayloadTooLargeError(`event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`, [
      { field: field || '/', message: `must serialize to at most ${MAX_EVENT_BYTES} bytes` },
    ]);
  }
}

/**
 * Reads and validates one published event; `pointer` prefixes field names in batch items, and
 * `defaultTenant` is the tenant of an event that names none.
 */
export function parseEventInput(
  raw: unknown,
  pointer = '',
  defaultTenant: string = DEFAULT_TENANT,
): EventInput {
  const reader = new FieldReader(isPlainObject(raw) ? raw : {}, `${pointer}/`);
  if (!isPlainObject(raw)) {
    reader.problems.push({ field: pointer || '/', message: 'must be a JSON object' });
    reader.throwIfInvalid('event');
  }
  const body = raw as Record<string, unknown>;
  reader.rejectUnknown(['type', 'version', 'data', 'tenant', 'id', 'timestamp']);
  const type = reader.string('type', {
    required: true,
    maxLength: 128,
    pattern: EVENT_TYPE_PATTERN,
    hint: 'must be resource.action in lowercase letters, digits and underscores',
  });
  const version = reader.integer('version', { min: 1, max: 1000 });
  const tenant = reader.string('tenant', {
    pattern: TENANT_PATTERN,
    hint: 'must be 1-64 letters, digits, dots, dashes or underscores',
  });
  const id = reader.string('id', {
    pattern: EVENT_ID_PATTERN,
    hint: 'must be 1-128 letters, digits or _.:-',
  });
  if (id?.startsWith(GENERATED_EVENT_ID_PREFIX)) {
    reader.problems.push({
      field: `${pointer}/id`,
      message: `must not start with ${GENERATED_EVENT_ID_PREFIX}, which is kept for ids Hookline generates`,
    });
  }
  const timestamp = reader.instant('timestamp');
  if (!('data' in body) || body.data === undefined) {
    reader.problems.push({ field: `${pointer}/data`, message: 'is required' });
  }
  reader.throwIfInvalid('event');
  const checkedType = type as string;
  const validatedVersion = validateEventData(checkedType, body.data, version);
  return {
    type: checkedType,
    version: validatedVersion,
    data: body.data,
    tenant: tenant ?? defaultTenant,
    ...(id !== undefined && { id }),
    ...(timestamp !== undefined && { timestamp }),
  };
}

/** Key-order-independent JSON, so a retried request hashes the same however it was encoded. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(input: EventInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('base64url');
}

/** The exact body a receiver gets: `{"type","timestamp","data"}` in that order. */
export function deliveryBody(event: Pick<StoredEvent, 'type' | 'timestamp' | 'data'>): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}

/**
 * Shared by the storage adapter suites (test/integration/storage/): the run of a suite on both
 * DynamoDB stand-ins, and the records they store.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import type { Endpoint } from '../../lambda/domain/endpoint';
import { MAX_EVENT_BYTES, type StoredEvent } from '../../lambda/domain/event';
import { newEndpointId, newEventId, newEventPage, newUlid } from '../../lambda/domain/ids';
import type { AttemptLogEntry, FailureDetail, IdempotencyRecord } from '../../lambda/domain/ports';
import { attachDynamoDbLocal, type DynamoStandIn, javaAvailable, startDynalite } from './dynamo';

/** Days the event, delivery and attempt repositories keep items in the suites. */
export const RETENTION_DAYS = 7;

// --- both stand-ins -------------------------------------------------------------------------

interface StandInKind {
  readonly name: string;
  /** Why the suite is skipped on this stand-in, if it is. */
  readonly skipped?: string;
  start(prefix: string): Promise<DynamoStandIn>;
}

function standInKinds(): StandInKind[] {
  const endpoint = inject('dynamoDbLocalEndpoint');
  const dynamoDbLocal: StandInKind =
    endpoint === undefined
      ? {
          name: 'DynamoDB Local',
          skipped: javaAvailable()
            ? 'skipped: no DynamoDB Local endpoint provided (vitest globalSetup missing?)'
            : 'skipped: java -version fails',
          start: () => Promise.reject(new Error('DynamoDB Local is not running')),
        }
      : { name: 'DynamoDB Local', start: (prefix) => attachDynamoDbLocal(endpoint, prefix) };
  return [{ name: 'dynalite', start: startDynalite }, dynamoDbLocal];
}

/**
 * A stand-in that is started in `beforeAll`: its properties read the started one, so a suite
 * can hold it from the start and use it in tests and hooks.
 */
function startedLater(get: () => DynamoStandIn | undefined): DynamoStandIn {
  const started = () => {
    const db = get();
    if (!db) throw new Error('the DynamoDB stand-in is started in beforeAll: use it in tests');
    return db;
  };
  return {
    get endpoint() {
      return started().endpoint;
    },
    get documentClient() {
      return started().documentClient;
    },
    get tableNames() {
      return started().tableNames;
    },
    stop: () => started().stop(),
  };
}

/**
 * Runs `suite` on dynalite (in this process) and on the run's DynamoDB Local (started once by
 * test/support/dynamodb-local-setup.ts), each time with Hookline's tables created for this
 * file alone: the prefix holds `label` and random digits. On DynamoDB Local, the suite is
 * skipped when `java -version` fails.
 */
export function describeOnBothStandIns(label: string, suite: (db: DynamoStandIn) => void): void {
  const prefix = `it-${label}-${randomBytes(4).toString('hex')}-`;
  describe.each(standInKinds())('storage adapters on $name', (kind) => {
    describe.runIf(kind.skipped === undefined)(kind.skipped ?? 'with Hookline tables', () => {
      let db: DynamoStandIn | undefined;

      beforeAll(async () => {
        db = await kind.start(prefix);
      });

      afterAll(async () => {
        await db?.stop();
      });

      suite(startedLater(() => db));
    });
  });
}

// --- record factories -------------------------------------------------------------------

/** `label_` and 12 random hex digits: a key no other test uses. */
export const unique = (label: string) => `${label}_${randomBytes(6).toString('hex')}`;
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function anEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  const at = new Date().toISOString();
  return {
    id: newEndpointId(),
    tenant: unique('tenant'),
    url: 'https://receiver.example.com/webhooks',
    description: 'billing receiver',
    eventTypes: ['invoice.*', 'customer.created'],
    rateLimitPerSecond: 50,
    enabled: true,
    secrets: [
      { secret: `whsec_${randomBytes(32).toString('base64')}` },
      { secret: `whsec_${randomBytes(32).toString('base64')}`, expiresAt: Date.now() + 3_600_000 },
    ],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A stored event under a generated id (which carries no request hash). */
export function anEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: newEventId(),
    type: 'invoice.paid',
    version: 1,
    tenant: 'default',
    timestamp: new Date().toISOString(),
    data: { invoiceId: unique('in'), amount: 4200, currency: 'eur' },
    endpointIds: [newEndpointId()],
    ...overrides,
  };
}

/** `count` events published together: one page of generated ids, one tenant and timestamp. */
export function aPageOfEvents(count: number, overrides: Partial<StoredEvent> = {}): StoredEvent[] {
  const page = newEventPage();
  const tenant = overrides.tenant ?? unique('tenant');
  const timestamp = overrides.timestamp ?? new Date().toISOString();
  return Array.from({ length: count }, (_, i) =>
    anEvent({
      data: { sequence: i, invoiceId: unique('in') },
      ...overrides,
      tenant,
      timestamp,
      id: page.eventId(i),
    }),
  );
}

export function anIdempotencyRecord(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    key: `key#${unique('idem')}`,
    eventId: newEventId(),
    requestHash: randomBytes(32).toString('base64url'),
    lockedUntil: Date.now() + 30_000,
    ...overrides,
  };
}

export function aFailure(overrides: Partial<FailureDetail> = {}): FailureDetail {
  return { status: 500, error: 'HTTP 500', at: new Date().toISOString(), ...overrides };
}

export function anAttemptEntry(endpointId: string, overrides: Partial<AttemptLogEntry> = {}) {
  return {
    endpointId,
    attemptId: newUlid(),
    outcome: 'failed',
    at: new Date().toISOString(),
    attempts: [
      {
        eventId: newEventId(),
        type: 'invoice.paid',
        attempt: 2,
        status: 503,
        durationMs: 87,
        excerpt: '{"error":"maintenance"}',
      },
    ],
    ...overrides,
  } satisfies AttemptLogEntry;
}

/** JSON a publisher may send that naive storage would not give back as it came. */
export const awkwardData = {
  amount: 2432232314,
  maxSafe: 9007199254740991,
  negative: -2432232314,
  fraction: 0.1,
  tiny: 5e-324,
  huge: 1.7976931348623157e308,
  zero: 0,
  flags: [true, false, null],
  empty: { string: '', list: [], object: {} },
  nested: { a: { b: { c: { d: [1, [2, [3, { e: 'deep' }]]] } } } },
  unicode: 'Grüße, 東京, مرحبا, 👩🏽‍💻, e\u0301',
  escapes: 'quote " backslash \\ newline \n tab \t nul \u0000 ls \u2028',
  loneSurrogate: '\ud83d',
  'key with spaces and ünïcödé': 'value',
  zKeyFirst: 'key order is kept',
  aKeySecond: 'key order is kept',
};

/** An event whose serialized form is just under the 256 KiB publish limit, multi-byte text. */
export function aNearLimitEvent(): StoredEvent {
  const base = anEvent({ data: { note: '' } });
  const sizeOf = (event: StoredEvent) =>
    Buffer.byteLength(
      JSON.stringify({ type: event.type, data: event.data, tenant: event.tenant, id: event.id }),
    );
  const room = MAX_EVENT_BYTES - 64 - sizeOf(base);
  // 'é' is 2 bytes and '€' 3 bytes in UTF-8: 5 bytes per pair.
  const note = 'é€'.repeat(Math.floor(room / 5)) + 'x'.repeat(room % 5);
  const event = { ...base, data: { note } };
  expect(sizeOf(event)).toBeGreaterThan(MAX_EVENT_BYTES - 128);
  expect(sizeOf(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  return event;
}

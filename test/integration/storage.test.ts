/**
 * The DynamoDB adapters against real DynamoDB protocol servers: dynalite (what `npm start`
 * runs on) and Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both backends.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoApiKeyRepository,
  generateApiKey,
  hashApiKey,
} from '../../lambda/adapters/dynamo/api-key-store';
import { DynamoAttemptLog } from '../../lambda/adapters/dynamo/attempt-log';
import { DynamoDeliveryStateRepository } from '../../lambda/adapters/dynamo/delivery-state-store';
import {
  CachedEndpointReader,
  DynamoEndpointRepository,
} from '../../lambda/adapters/dynamo/endpoint-store';
import { DynamoEventRepository } from '../../lambda/adapters/dynamo/event-store';
import { DynamoIdempotencyRepository } from '../../lambda/adapters/dynamo/idempotency-store';
import type { Endpoint } from '../../lambda/domain/endpoint';
import { deliveryBody, MAX_EVENT_BYTES, type StoredEvent } from '../../lambda/domain/event';
import { newEndpointId, newEventId, newUlid } from '../../lambda/domain/ids';
import type {
  AttemptLogEntry,
  EndpointControl,
  EndpointReader,
  FailureDetail,
  IdempotencyRecord,
} from '../../lambda/domain/ports';
import {
  type DynamoStandIn,
  javaAvailable,
  startDynalite,
  startDynamoDbLocal,
} from '../support/dynamo';

const TABLE_PREFIX = `it-storage-${process.pid}-`;
const RETENTION_DAYS = 7;

const backends = [
  { name: 'dynalite', available: true, start: startDynalite },
  { name: 'DynamoDB Local', available: javaAvailable(), start: startDynamoDbLocal },
];

// --- record factories -------------------------------------------------------------------

const unique = (label: string) => `${label}_${randomBytes(6).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function anEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
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

function anEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: newEventId(),
    type: 'invoice.paid',
    version: 1,
    tenant: 'default',
    timestamp: new Date().toISOString(),
    data: { invoiceId: unique('in'), amount: 4200, currency: 'eur' },
    requestHash: randomBytes(32).toString('base64url'),
    endpointIds: [newEndpointId()],
    ...overrides,
  };
}

function anIdempotencyRecord(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    key: `key#${unique('idem')}`,
    eventId: newEventId(),
    requestHash: randomBytes(32).toString('base64url'),
    lockedUntil: Date.now() + 30_000,
    ...overrides,
  };
}

function aFailure(overrides: Partial<FailureDetail> = {}): FailureDetail {
  return { status: 500, error: 'HTTP 500', at: new Date().toISOString(), ...overrides };
}

function anAttemptEntry(endpointId: string, overrides: Partial<AttemptLogEntry> = {}) {
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
const awkwardData = {
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
function aNearLimitEvent(): StoredEvent {
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

/** Counts reads that reach the repository behind a cache. */
function countingReader(source: EndpointReader & EndpointControl) {
  const counter = {
    reads: 0,
    async getForDelivery(tenant: string, id: string) {
      counter.reads++;
      return source.getForDelivery(tenant, id);
    },
    disable: source.disable.bind(source),
  };
  return counter;
}

// --- the suite ----------------------------------------------------------------------------

describe.each(backends)('storage adapters on $name', (backend) => {
  const title = backend.available ? 'with Hookline tables' : 'skipped: java -version fails';
  describe.runIf(backend.available)(title, () => {
    let db: DynamoStandIn;

    beforeAll(async () => {
      db = await backend.start(TABLE_PREFIX);
    });

    afterAll(async () => {
      await db?.stop();
    });

    describe('DynamoEndpointRepository', () => {
      const repository = () =>
        new DynamoEndpointRepository(db.documentClient, db.tableNames.endpoints);

      it('finds a created endpoint by id alone, exactly as it was stored', async () => {
        // Prepare
        const endpoints = repository();
        const endpoint = anEndpoint();

        // Act
        await endpoints.create(endpoint);
        const byId = await endpoints.get(endpoint.id);
        const inTenant = await endpoints.getInTenant(endpoint.tenant, endpoint.id);

        // Assess
        expect(byId).toEqual(endpoint);
        expect(inTenant).toEqual(endpoint);
      });

      it('stores an endpoint that takes every event type and has an empty description', async () => {
        // Prepare
        const endpoints = repository();
        const { eventTypes: _, rateLimitPerSecond: __, ...rest } = anEndpoint({ description: '' });
        const endpoint: Endpoint = { ...rest, eventTypes: undefined };

        // Act
        await endpoints.create(endpoint);
        const read = await endpoints.get(endpoint.id);

        // Assess
        expect(read).toEqual(endpoint);
        expect(read?.description).toBe('');
        expect(read && 'eventTypes' in read).toBe(false);
      });

      it('answers undefined for an id that was never created', async () => {
        // Prepare
        const endpoints = repository();

        // Act
        const found = await endpoints.get(newEndpointId());

        // Assess
        expect(found).toBeUndefined();
      });

      it('refuses to create an endpoint whose id exists and keeps the first one', async () => {
        // Prepare
        const endpoints = repository();
        const first = anEndpoint({ url: 'https://first.example.com/hook' });
        await endpoints.create(first);
        const second = { ...first, url: 'https://second.example.com/hook' };

        // Act
        const creating = endpoints.create(second);

        // Assess
        await expect(creating).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
        expect((await endpoints.get(first.id))?.url).toBe('https://first.example.com/hook');
      });

      it("lists all of a tenant's endpoints and none of another tenant's", async () => {
        // Prepare
        const endpoints = repository();
        const tenant = unique('acme');
        const neighbour = unique('globex');
        const mine = Array.from({ length: 40 }, () => anEndpoint({ tenant }));
        const theirs = Array.from({ length: 5 }, () => anEndpoint({ tenant: neighbour }));
        await Promise.all([...mine, ...theirs].map((endpoint) => endpoints.create(endpoint)));

        // Act
        const listed = await endpoints.listByTenant(tenant);
        const listedNeighbour = await endpoints.listByTenant(neighbour);
        const listedNobody = await endpoints.listByTenant(unique('nobody'));

        // Assess
        expect(listed.map((e) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
        expect(listed.every((e) => e.tenant === tenant)).toBe(true);
        expect(listed.find((e) => e.id === mine[7]?.id)).toEqual(mine[7]);
        expect(listedNeighbour.map((e) => e.id).sort()).toEqual(theirs.map((e) => e.id).sort());
        expect(listedNobody).toEqual([]);
      });

      it('does not hand out an endpoint to another tenant asking for its id', async () => {
        // Prepare
        const endpoints = repository();
        const endpoint = anEndpoint();
        await endpoints.create(endpoint);

        // Act
        const ownTenant = await endpoints.getForDelivery(endpoint.tenant, endpoint.id);
        const otherTenant = await endpoints.getForDelivery(unique('intruder'), endpoint.id);

        // Assess
        expect(ownTenant).toEqual(endpoint);
        expect(otherTenant).toBeUndefined();
      });

      it('deletes one endpoint and leaves its neighbours', async () => {
        // Prepare
        const endpoints = repository();
        const tenant = unique('tenant');
        const doomed = anEndpoint({ tenant });
        const kept = anEndpoint({ tenant });
        await endpoints.create(doomed);
        await endpoints.create(kept);

        // Act
        await endpoints.delete(doomed);

        // Assess
        expect(await endpoints.get(doomed.id)).toBeUndefined();
        expect(await endpoints.getInTenant(tenant, doomed.id)).toBeUndefined();
        expect((await endpoints.listByTenant(tenant)).map((e) => e.id)).toEqual([kept.id]);
        expect(await endpoints.get(kept.id)).toEqual(kept);
      });
    });

    describe('CachedEndpointReader', () => {
      const TTL_MS = 5_000;

      it('serves a changed endpoint from cache within the TTL and re-reads after it', async () => {
        // Prepare
        const endpoints = new DynamoEndpointRepository(db.documentClient, db.tableNames.endpoints);
        const endpoint = anEndpoint();
        await endpoints.create(endpoint);
        let now = 1_000_000;
        const source = countingReader(endpoints);
        const reader = new CachedEndpointReader(source, TTL_MS, () => now);
        const first = await reader.getForDelivery(endpoint.tenant, endpoint.id);
        const disabled = { ...endpoint, enabled: false, updatedAt: new Date().toISOString() };
        await db.documentClient.send(
          new PutCommand({ TableName: db.tableNames.endpoints, Item: disabled }),
        );

        // Act
        now += TTL_MS - 1;
        const withinTtl = await reader.getForDelivery(endpoint.tenant, endpoint.id);
        const readsWithinTtl = source.reads;
        now += 2;
        const afterTtl = await reader.getForDelivery(endpoint.tenant, endpoint.id);

        // Assess
        expect(first?.enabled).toBe(true);
        expect(withinTtl?.enabled).toBe(true);
        expect(readsWithinTtl).toBe(1);
        expect(afterTtl).toEqual(disabled);
        expect(source.reads).toBe(2);
      });

      it('keeps endpoints apart in the cache', async () => {
        // Prepare
        const endpoints = new DynamoEndpointRepository(db.documentClient, db.tableNames.endpoints);
        const a = anEndpoint({ url: 'https://a.example.com/hook' });
        const b = anEndpoint({ url: 'https://b.example.com/hook' });
        await endpoints.create(a);
        await endpoints.create(b);
        const reader = new CachedEndpointReader(endpoints, TTL_MS, () => 0);

        // Act
        const readA = await reader.getForDelivery(a.tenant, a.id);
        const readB = await reader.getForDelivery(b.tenant, b.id);
        const readAAgain = await reader.getForDelivery(a.tenant, a.id);
        const readAInOtherTenant = await reader.getForDelivery(b.tenant, a.id);

        // Assess
        expect(readA).toEqual(a);
        expect(readB).toEqual(b);
        expect(readAAgain).toEqual(a);
        expect(readAInOtherTenant).toBeUndefined();
      });
    });

    describe('DynamoEventRepository', () => {
      const repository = () =>
        new DynamoEventRepository(db.documentClient, db.tableNames.events, RETENTION_DAYS);

      it('stores 60 events in one call (several batch writes) and reads each back', async () => {
        // Prepare
        const events = repository();
        const stored = Array.from({ length: 60 }, (_, i) =>
          anEvent({ data: { sequence: i, invoiceId: unique('in') } }),
        );

        // Act
        await events.putMany(stored);
        const read = await Promise.all(stored.map((event) => events.get(event.id)));

        // Assess
        expect(read).toEqual(stored);
      });

      it('pages one tenant’s events by time over the half-open range [since, until)', async () => {
        // Prepare
        const events = repository();
        const tenant = unique('tenant');
        const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
        const stored = Array.from({ length: 7 }, (_, i) => anEvent({ tenant, timestamp: at(i) }));
        await events.putMany([...stored, anEvent({ tenant: unique('other'), timestamp: at(3) })]);
        const range = { since: at(1), until: at(5) };

        // Act
        const first = await events.page(tenant, range, undefined, 2);
        const rest = await events.page(tenant, range, first.cursor, 10);

        // Assess
        expect(first.items.map((e) => e.timestamp)).toEqual([at(1), at(2)]);
        expect(rest.items).toEqual(stored.slice(3, 5));
        expect(rest.cursor).toBeUndefined();
      });

      it('gives data back exactly: large integers, nesting, unicode, key order', async () => {
        // Prepare
        const events = repository();
        const event = anEvent({ data: awkwardData });

        // Act
        await events.putMany([event]);
        const read = await events.get(event.id);

        // Assess
        expect(read?.data).toEqual(awkwardData);
        expect((read?.data as typeof awkwardData | undefined)?.amount).toBe(2432232314);
        expect(read && deliveryBody(read)).toBe(deliveryBody(event));
      });

      it('stores an event of no subscribers and scalar data', async () => {
        // Prepare
        const events = repository();
        const noSubscribers = anEvent({ endpointIds: [], data: 'just a string' });
        const nullData = anEvent({ endpointIds: [], data: null });

        // Act
        await events.putMany([noSubscribers, nullData]);

        // Assess
        expect(await events.get(noSubscribers.id)).toEqual(noSubscribers);
        expect(await events.get(nullData.id)).toEqual(nullData);
      });

      it('stores and reads back events just under the 256 KiB limit', async () => {
        // Prepare
        const events = repository();
        const large = [aNearLimitEvent(), aNearLimitEvent(), aNearLimitEvent()];

        // Act
        await events.putMany(large);
        const read = await Promise.all(large.map((event) => events.get(event.id)));

        // Assess
        expect(read).toEqual(large);
      });

      it('answers undefined for an unknown event id', async () => {
        // Prepare
        const events = repository();

        // Act
        const read = await events.get(newEventId());

        // Assess
        expect(read).toBeUndefined();
      });
    });

    describe('DynamoIdempotencyRepository', () => {
      const TTL_SECONDS = 24 * 60 * 60;
      const repository = () =>
        new DynamoIdempotencyRepository(db.documentClient, db.tableNames.idempotency);

      it('lets the first claim through and answers the second with the first record', async () => {
        // Prepare
        const idempotency = repository();
        const first = anIdempotencyRecord();
        const retry = anIdempotencyRecord({ key: first.key });

        // Act
        const firstAnswer = await idempotency.claim(first, TTL_SECONDS);
        const retryAnswer = await idempotency.claim(retry, TTL_SECONDS);

        // Assess
        expect(firstAnswer).toBeUndefined();
        expect(retryAnswer).toMatchObject(first);
      });

      it('lets a key whose record has expired be claimed again', async () => {
        // Prepare
        const idempotency = repository();
        const stale = anIdempotencyRecord();
        await idempotency.claim(stale, -60);
        const fresh = anIdempotencyRecord({ key: stale.key });

        // Act
        const freshAnswer = await idempotency.claim(fresh, TTL_SECONDS);
        const laterAnswer = await idempotency.claim(anIdempotencyRecord({ key: stale.key }), 60);

        // Assess
        expect(freshAnswer).toBeUndefined();
        expect(laterAnswer).toMatchObject(fresh);
        expect(laterAnswer?.eventId).not.toBe(stale.eventId);
      });

      it('takes over a lock only from the holder it expected', async () => {
        // Prepare
        const idempotency = repository();
        const record = anIdempotencyRecord({ lockedUntil: Date.now() - 1_000 });
        await idempotency.claim(record, TTL_SECONDS);
        const newLock = Date.now() + 30_000;

        // Act
        const withStaleExpectation = await idempotency.takeOver(
          record.key,
          record.lockedUntil + 1,
          newLock,
        );
        const withExpected = await idempotency.takeOver(record.key, record.lockedUntil, newLock);
        const secondTaker = await idempotency.takeOver(record.key, record.lockedUntil, newLock + 1);
        const unknownKey = await idempotency.takeOver(`key#${unique('missing')}`, 0, newLock);

        // Assess
        expect(withStaleExpectation).toBe(false);
        expect(withExpected).toBe(true);
        expect(secondTaker).toBe(false);
        expect(unknownKey).toBe(false);
        const now = await idempotency.claim(anIdempotencyRecord({ key: record.key }), 60);
        expect(now).toMatchObject({ ...record, lockedUntil: newLock });
      });

      it('releases a lock by setting lockedUntil to 0', async () => {
        // Prepare
        const idempotency = repository();
        const record = anIdempotencyRecord({ lockedUntil: Date.now() + 30_000 });
        await idempotency.claim(record, TTL_SECONDS);

        // Act
        await idempotency.release(record.key);

        // Assess
        const after = await idempotency.claim(anIdempotencyRecord({ key: record.key }), 60);
        expect(after).toMatchObject({ ...record, lockedUntil: 0 });
        expect(await idempotency.takeOver(record.key, 0, Date.now() + 30_000)).toBe(true);
      });

      it('lets exactly one of 20 concurrent claims of one key through', async () => {
        // Prepare
        const idempotency = repository();
        const key = `key#${unique('race')}`;
        const contenders = Array.from({ length: 20 }, () => anIdempotencyRecord({ key }));

        // Act
        const answers = await Promise.all(contenders.map((c) => idempotency.claim(c, TTL_SECONDS)));

        // Assess
        const winners = contenders.filter((_, i) => answers[i] === undefined);
        expect(winners).toHaveLength(1);
        const losersSaw = answers.filter((a) => a !== undefined).map((a) => a?.eventId);
        expect(losersSaw).toEqual(Array(19).fill(winners[0]?.eventId));
      });

      it('lets exactly one of 20 concurrent claims of an expired key through', async () => {
        // Prepare
        const idempotency = repository();
        const stale = anIdempotencyRecord();
        await idempotency.claim(stale, -60);
        const contenders = Array.from({ length: 20 }, () =>
          anIdempotencyRecord({ key: stale.key }),
        );

        // Act
        const answers = await Promise.all(contenders.map((c) => idempotency.claim(c, TTL_SECONDS)));

        // Assess
        const winners = contenders.filter((_, i) => answers[i] === undefined);
        expect(winners).toHaveLength(1);
        expect(answers.filter((a) => a?.eventId === winners[0]?.eventId)).toHaveLength(19);
      });
    });

    describe('DynamoDeliveryStateRepository', () => {
      const repository = () =>
        new DynamoDeliveryStateRepository(
          db.documentClient,
          db.tableNames.deliveries,
          RETENTION_DAYS,
        );
      const readRecord = async (eventId: string, endpointId: string) =>
        (
          await db.documentClient.send(
            new GetCommand({
              TableName: db.tableNames.deliveries,
              Key: { eventId, endpointId },
              ConsistentRead: true,
            }),
          )
        ).Item;

      it('counts failed attempts 1, 2, 3 and keeps the last failure', async () => {
        // Prepare
        const deliveries = repository();
        const eventId = newEventId();
        const endpointId = newEndpointId();
        const before = nowSeconds();

        // Act
        const counts = [
          await deliveries.recordFailure(eventId, endpointId, aFailure({ status: 500 })),
          await deliveries.recordFailure(eventId, endpointId, aFailure({ status: 502 })),
          await deliveries.recordFailure(
            eventId,
            endpointId,
            aFailure({ status: undefined, error: 'connect ECONNREFUSED 10.0.0.1:443' }),
          ),
        ];

        // Assess
        expect(counts).toEqual([1, 2, 3]);
        const record = await readRecord(eventId, endpointId);
        expect(record).toMatchObject({
          attempts: 3,
          status: 'retrying',
          lastError: 'connect ECONNREFUSED 10.0.0.1:443',
        });
        expect(record?.lastStatus ?? undefined).toBeUndefined();
        const retention = RETENTION_DAYS * 86_400;
        expect(record?.expiresAt).toBeGreaterThanOrEqual(before + retention);
        expect(record?.expiresAt).toBeLessThanOrEqual(nowSeconds() + retention);
      });

      it('counts each endpoint of an event separately', async () => {
        // Prepare
        const deliveries = repository();
        const eventId = newEventId();
        const [a, b] = [newEndpointId(), newEndpointId()];
        await deliveries.recordFailure(eventId, a, aFailure());
        await deliveries.recordFailure(eventId, a, aFailure());

        // Act
        const firstForB = await deliveries.recordFailure(eventId, b, aFailure());

        // Assess
        expect(firstForB).toBe(1);
        expect((await readRecord(eventId, a))?.attempts).toBe(2);
      });

      it('creates no record when a delivery that never failed is marked delivered', async () => {
        // Prepare
        const deliveries = repository();
        const eventId = newEventId();
        const delivered = newEndpointId();
        const at = new Date().toISOString();

        // Act
        await deliveries.markDelivered(eventId, delivered, at);

        // Assess
        expect(await readRecord(eventId, delivered)).toBeUndefined();
      });

      it('lists a dead letter by endpoint and type, and forgets it once requeued', async () => {
        // Prepare
        const deliveries = repository();
        const eventId = newEventId();
        const endpointId = newEndpointId();
        const at = new Date().toISOString();
        const mark = {
          at,
          eventType: 'invoice.paid',
          reason: 'endpoint_disabled' as const,
          attempts: 0,
        };

        // Act
        await deliveries.markDeadLettered(eventId, endpointId, mark);
        const listed = await deliveries.deadLetters({ endpointId, limit: 10 });
        const otherType = await deliveries.deadLetters({
          endpointId,
          eventType: 'customer.created',
          limit: 10,
        });
        await deliveries.requeue(eventId, endpointId, at);
        const afterRequeue = await deliveries.deadLetters({ endpointId, limit: 10 });

        // Assess
        expect(listed.items).toMatchObject([
          { eventId, endpointId, reason: 'endpoint_disabled', status: 'dead_lettered' },
        ]);
        expect(otherType.items).toEqual([]);
        expect(afterRequeue.items).toEqual([]);
        expect(await readRecord(eventId, endpointId)).toMatchObject({
          status: 'requeued',
          attempts: 0,
        });
      });

      it('marks a delivery that had failed as delivered, keeping its attempts', async () => {
        // Prepare
        const deliveries = repository();
        const eventId = newEventId();
        const endpointId = newEndpointId();
        await deliveries.recordFailure(eventId, endpointId, aFailure());
        await deliveries.recordFailure(eventId, endpointId, aFailure());
        const at = new Date().toISOString();

        // Act
        await deliveries.markDelivered(eventId, endpointId, at);

        // Assess
        expect(await readRecord(eventId, endpointId)).toMatchObject({
          status: 'delivered',
          finishedAt: at,
          attempts: 2,
        });
      });

      it('marks a delivery that kept failing as dead-lettered', async () => {
        // Prepare
        const deliveries = repository();
        const eventId = newEventId();
        const endpointId = newEndpointId();
        for (let i = 0; i < 6; i++) {
          await deliveries.recordFailure(eventId, endpointId, aFailure({ status: 503 }));
        }
        const at = new Date().toISOString();

        // Act
        await deliveries.markDeadLettered(eventId, endpointId, {
          at,
          eventType: 'invoice.paid',
          reason: 'max_attempts',
          attempts: 6,
        });

        // Assess
        expect(await readRecord(eventId, endpointId)).toMatchObject({
          status: 'dead_lettered',
          finishedAt: at,
          attempts: 6,
          lastStatus: 503,
        });
      });
    });

    describe('DynamoAttemptLog', () => {
      it('lists attempts newest first, one row per attempt, filtered by outcome and paged', async () => {
        // Prepare
        const log = new DynamoAttemptLog(db.documentClient, db.tableNames.attempts, RETENTION_DAYS);
        const endpointId = newEndpointId();
        const deliveredId = newEventId();
        const failed = anAttemptEntry(endpointId);
        const delivered = anAttemptEntry(endpointId, {
          outcome: 'delivered',
          attempts: [{ eventId: deliveredId, type: 'invoice.paid', status: 200, durationMs: 7 }],
        });
        const since = new Date(Date.now() - 1000).toISOString();

        // Act
        await log.append([failed, delivered]);
        const all = await log.list(endpointId, { limit: 10 });
        const onlyFailed = await log.list(endpointId, { outcome: 'failed', limit: 10 });
        const firstPage = await log.list(endpointId, { limit: 1 });
        const secondPage = await log.list(endpointId, { limit: 1, cursor: firstPage.cursor });
        const found = await log.deliveredAt(endpointId, deliveredId, since);
        const missing = await log.deliveredAt(endpointId, newEventId(), since);

        // Assess
        expect(all.items.map((a) => a.outcome)).toEqual(['delivered', 'failed']);
        expect(onlyFailed.items.map((a) => a.eventId)).toEqual([failed.attempts[0]?.eventId]);
        expect(firstPage.cursor).toBeDefined();
        expect(secondPage.items.map((a) => a.outcome)).toEqual(['failed']);
        expect(found).toBe(delivered.at);
        expect(missing).toBeUndefined();
      });

      it("appends 30 entries that a Query by endpoint gives back in order, and no one else's", async () => {
        // Prepare
        const log = new DynamoAttemptLog(db.documentClient, db.tableNames.attempts, RETENTION_DAYS);
        const endpointId = newEndpointId();
        const otherEndpointId = newEndpointId();
        const entries = Array.from({ length: 30 }, (_, i) =>
          i % 3 === 0
            ? anAttemptEntry(endpointId, {
                outcome: 'delivered',
                attempts: [
                  { eventId: newEventId(), type: 'invoice.paid', status: 200, durationMs: 12 },
                  { eventId: newEventId(), type: 'customer.created', status: 204, durationMs: 9 },
                ],
              })
            : anAttemptEntry(endpointId),
        );
        const unanswered = anAttemptEntry(endpointId, {
          attempts: [
            {
              eventId: newEventId(),
              type: 'invoice.paid',
              attempt: 1,
              status: undefined,
              durationMs: 15_000,
              error: 'timed out after 15000 ms',
            },
          ],
        });
        const elsewhere = anAttemptEntry(otherEndpointId);
        const before = nowSeconds();

        // Act
        await log.append([...entries.slice(0, 15), elsewhere, ...entries.slice(15), unanswered]);
        const page = await db.documentClient.send(
          new QueryCommand({
            TableName: db.tableNames.attempts,
            KeyConditionExpression: 'endpointId = :endpointId',
            ExpressionAttributeValues: { ':endpointId': endpointId },
            ConsistentRead: true,
          }),
        );

        // Assess
        const items = page.Items ?? [];
        const all = [...entries, unanswered];
        expect(items.map(({ expiresAt: _, eventIds: __, ...entry }) => entry)).toEqual(
          all.map(({ attempts, ...entry }) => ({
            ...entry,
            attempts: attempts.map((a) =>
              Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)),
            ),
          })),
        );
        const retention = RETENTION_DAYS * 86_400;
        for (const item of items) {
          expect(item.expiresAt).toBeGreaterThanOrEqual(before + retention);
          expect(item.expiresAt).toBeLessThanOrEqual(nowSeconds() + retention);
        }
      });
    });

    describe('DynamoApiKeyRepository', () => {
      const repository = () => new DynamoApiKeyRepository(db.documentClient, db.tableNames.apiKeys);

      it('finds a stored key by the raw key', async () => {
        // Prepare
        const keys = repository();
        const key = generateApiKey('publish');
        const stored = await keys.store(key, 'publish', 'billing service');

        // Act
        const found = await keys.find(key);

        // Assess
        expect(found).toEqual(stored);
        expect(found).toMatchObject({ scope: 'publish', description: 'billing service' });
      });

      it('stores only the hash and a short prefix (scope and 6 characters), never the key', async () => {
        // Prepare
        const keys = repository();
        const key = generateApiKey('admin');

        // Act
        await keys.store(key, 'admin');

        // Assess
        const item = (
          await db.documentClient.send(
            new GetCommand({
              TableName: db.tableNames.apiKeys,
              Key: { keyHash: hashApiKey(key) },
              ConsistentRead: true,
            }),
          )
        ).Item;
        expect(item?.prefix).toBe(key.slice(0, 'hk_admin_'.length + 6));
        expect(item?.keyHash).toBe(hashApiKey(key));
        const secretPart = key.slice('hk_admin_'.length + 6);
        const everything = await db.documentClient.send(
          new ScanCommand({ TableName: db.tableNames.apiKeys }),
        );
        const stored = JSON.stringify(everything.Items);
        expect(stored).not.toContain(key);
        expect(stored).not.toContain(secretPart);
      });

      it('answers undefined for an unknown key or one that differs by a character', async () => {
        // Prepare
        const keys = repository();
        const key = generateApiKey('admin');
        await keys.store(key, 'admin');
        const lastChar = key.at(-1) === 'A' ? 'B' : 'A';
        const almost = key.slice(0, -1) + lastChar;

        // Act
        const unknown = await keys.find(generateApiKey('admin'));
        const nearMiss = await keys.find(almost);

        // Assess
        expect(unknown).toBeUndefined();
        expect(nearMiss).toBeUndefined();
      });
    });
  });
});

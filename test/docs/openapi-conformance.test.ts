/**
 * The OpenAPI document describes what the API really answers: the whole local system (what
 * `npm start` runs) is driven through every operation with realistic requests and a few
 * refused ones, and each exchange is checked against the document by ConformanceClient
 * (status documented, body valid by the documented schema with no undocumented field,
 * announced headers documented, and every accepted request valid by the document).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../docgen/openapi';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import type { Json } from '../support/openapi';
import { type Answer, type CallOptions, ConformanceClient } from '../support/openapi-client';
import { Receiver, waitFor } from '../support/receiver';

const LONG_AGO = '2020-01-01T00:00:00Z';

const invoicePaid = (extra: Record<string, unknown> = {}) => ({
  type: 'invoice.paid',
  data: exampleOf('invoice.paid'),
  ...extra,
});

const propertyOf = (schema: Json | undefined, name: string): Json | undefined =>
  (schema?.properties as Record<string, Json> | undefined)?.[name];

const field = <T>(answer: Answer, name: string): T => (answer.body as Record<string, T>)[name] as T;
const data = <T>(answer: Answer): T[] => field<T[]>(answer, 'data');

// One file, past the usual 400 lines, on purpose: the steps share one local system and the ids
// they make, and the last one checks that together they reached every documented operation.
describe('the API answers as its OpenAPI document says', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  let api: ConformanceClient;
  const call = (operationId: string, options?: CallOptions) => api.call(operationId, options);
  /** Ids made along the way, for the routes that read them. */
  const made = {
    healthy: '',
    failing: '',
    acmeEndpoint: '',
    acmeAdminKey: '',
    acmePublishKey: '',
    generatedEventId: '',
    ownEventId: 'order-1042-paid',
  };

  beforeAll(async () => {
    // Prepare: one attempt per delivery, so a failing endpoint dead-letters at once.
    receiver = await new Receiver().start();
    receiver.behave('/failing', () => ({ status: 500, body: 'down for maintenance' }));
    system = await startLocalSystem(
      { HOOKLINE_MAX_ATTEMPTS: '1', HOOKLINE_RETRY_SCHEDULE: '1s' },
      mkdtempSync(join(tmpdir(), 'hookline-openapi-')),
    );
    api = new ConformanceClient(openApiDocument(), system.apiUrl, system.apiKey);
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('answers GET /health without a key, and the catalog with one', async () => {
    // Act
    const health = await call('getHealth', { key: null });
    const types = await call('listEventTypes');

    // Assess
    expect(health.status).toBe(200);
    expect(types.status).toBe(200);
    expect(data(types).length).toBeGreaterThan(0);
  });

  it('creates, lists and revokes API keys, for operator admin keys only', async () => {
    // Act
    const acmeAdmin = await call('createApiKey', {
      body: { scope: 'admin', tenant: 'acme', description: 'acme operations' },
    });
    const acmePublish = await call('createApiKey', { body: { scope: 'publish', tenant: 'acme' } });
    const spare = await call('createApiKey', { body: { scope: 'publish' } });
    const badScope = await call('createApiKey', { body: { scope: 'root' } });
    made.acmeAdminKey = field(acmeAdmin, 'key');
    made.acmePublishKey = field(acmePublish, 'key');
    const listed = await call('listApiKeys');
    const byTenantKey = await call('listApiKeys', { key: made.acmeAdminKey });
    const revoked = await call('deleteApiKey', { params: { id: field(spare, 'id') } });
    const revokedAgain = await call('deleteApiKey', { params: { id: field(spare, 'id') } });

    // Assess
    expect([acmeAdmin.status, acmePublish.status, spare.status]).toEqual([201, 201, 201]);
    expect(badScope.status).toBe(400);
    expect(badScope.requestMatchesDocument).toBe(false);
    expect(listed.status).toBe(200);
    expect(byTenantKey.status).toBe(403);
    expect([revoked.status, revokedAgain.status]).toEqual([204, 404]);
  });

  it('says who calls, and opens tenant portal sessions for operator admin keys only', async () => {
    // Act
    const operator = await call('describeCaller');
    const session = await call('createPortalSession', {
      body: { tenant: 'acme', ttlSeconds: 600 },
    });
    const portal = await call('describeCaller', { key: field(session, 'token') });
    const tooLong = await call('createPortalSession', {
      body: { tenant: 'acme', ttlSeconds: 86_401 },
    });
    const byTenantKey = await call('createPortalSession', {
      body: { tenant: 'acme' },
      key: made.acmeAdminKey,
    });
    const byPortal = await call('createPortalSession', {
      body: { tenant: 'acme' },
      key: field(session, 'token'),
    });

    // Assess
    expect(operator.status).toBe(200);
    expect(operator.body).toEqual({ scope: 'admin' });
    expect(session.status).toBe(201);
    expect(field(session, 'url')).toMatch(/\/console\/#portal=hk_portal_/);
    expect(portal.body).toEqual({
      scope: 'portal',
      tenant: 'acme',
      expiresAt: field(session, 'expiresAt'),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.requestMatchesDocument).toBe(false);
    expect([byTenantKey.status, byPortal.status]).toEqual([403, 403]);
  });

  it('creates endpoints, pages through them, reads and changes one', async () => {
    // Act
    const healthy = await call('createEndpoint', {
      body: {
        url: receiver.url('/healthy'),
        description: 'billing service',
        eventTypes: ['invoice.*', 'customer.created'],
        rateLimitPerSecond: 50,
        retrySchedule: ['1s'],
        maxAttempts: 1,
      },
    });
    const failing = await call('createEndpoint', { body: { url: receiver.url('/failing') } });
    const acme = await call('createEndpoint', {
      body: { url: receiver.url('/acme') },
      key: made.acmeAdminKey,
    });
    made.healthy = field(healthy, 'id');
    made.failing = field(failing, 'id');
    made.acmeEndpoint = field(acme, 'id');
    const firstPage = await call('listEndpoints', { query: { limit: '1' } });
    const secondPage = await call('listEndpoints', {
      query: { limit: '1', cursor: field(firstPage, 'nextCursor') },
    });
    const read = await call('getEndpoint', { params: { id: made.healthy } });
    const switchedOff = await call('updateEndpoint', {
      params: { id: made.healthy },
      body: { description: null, enabled: false },
    });
    const switchedOn = await call('updateEndpoint', {
      params: { id: made.healthy },
      body: { enabled: true, description: 'billing service' },
    });
    const movedTenant = await call('updateEndpoint', {
      params: { id: made.healthy },
      body: { tenant: 'elsewhere' },
    });
    const notAUrl = await call('createEndpoint', { body: { url: 'not a url', colour: 'red' } });

    // Assess
    expect([healthy.status, failing.status, acme.status]).toEqual([201, 201, 201]);
    expect(data(firstPage)).toHaveLength(1);
    expect(secondPage.status).toBe(200);
    expect(read.status).toBe(200);
    expect(field(switchedOff, 'enabled')).toBe(false);
    expect(field(switchedOn, 'enabled')).toBe(true);
    for (const refused of [movedTenant, notAUrl]) {
      expect(refused.status).toBe(400);
      expect(refused.requestMatchesDocument).toBe(false);
    }
  });

  it('publishes one event, answers a repeat as a repeat, and refuses what it must', async () => {
    // Prepare
    const key = { 'Idempotency-Key': 'order-1042-attempt' };

    // Act
    const first = await call('publishEvent', { body: invoicePaid(), headers: key });
    const repeat = await call('publishEvent', { body: invoicePaid(), headers: key });
    const ownId = await call('publishEvent', { body: invoicePaid({ id: made.ownEventId }) });
    const reusedId = await call('publishEvent', {
      body: { type: 'invoice.paid', id: made.ownEventId, data: exampleOf('invoice.paid') },
      headers: { 'Idempotency-Key': 'another' },
    });
    const changedId = await call('publishEvent', {
      body: invoicePaid({ id: made.ownEventId, tenant: 'default', timestamp: LONG_AGO }),
    });
    const badData = await call('publishEvent', {
      body: { type: 'invoice.paid', data: { amount: 'lots' } },
    });
    const unknownType = await call('publishEvent', { body: { type: 'order.shipped', data: {} } });
    const malformed = await call('publishEvent', { rawBody: '{"type": "invoice.paid",' });
    const oversized = await call('publishEvent', {
      body: invoicePaid({ padding: 'x'.repeat(300 * 1024) }),
    });
    const otherTenant = await call('publishEvent', {
      body: invoicePaid({ tenant: 'default' }),
      key: made.acmePublishKey,
    });
    made.generatedEventId = field(first, 'id');

    // Assess
    expect([first.status, repeat.status, ownId.status, reusedId.status]).toEqual([
      202, 202, 202, 202,
    ]);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(field(repeat, 'id')).toBe(made.generatedEventId);
    expect(field(first, 'deliveries')).toBe(2);
    expect(changedId.status).toBe(409);
    expect([badData.status, unknownType.status]).toEqual([422, 422]);
    expect([malformed.status, oversized.status, otherTenant.status]).toEqual([400, 413, 403]);
    for (const refused of [badData, unknownType, malformed, oversized]) {
      expect(refused.requestMatchesDocument).toBe(false);
    }
  });

  it('publishes batches: all accepted, retried under the same key, or partly refused', async () => {
    // Prepare
    const events = [
      invoicePaid(),
      { type: 'customer.created', data: exampleOf('customer.created'), tenant: 'acme' },
    ];
    const key = { 'Idempotency-Key': 'nightly-export-7' };

    // Act
    const accepted = await call('publishEventBatch', { body: { events }, headers: key });
    const retried = await call('publishEventBatch', { body: { events }, headers: key });
    const mixed = await call('publishEventBatch', {
      body: { events: [invoicePaid(), { type: 'invoice.paid', data: {} }, { type: 'Nope' }] },
    });
    const forbiddenItem = await call('publishEventBatch', {
      body: { events: [invoicePaid({ tenant: 'default' })] },
      key: made.acmePublishKey,
    });
    const empty = await call('publishEventBatch', { body: { events: [] } });

    // Assess
    expect([accepted.status, retried.status]).toEqual([202, 202]);
    const idsOf = (answer: Answer) => field<{ id: string }[]>(answer, 'results').map((r) => r.id);
    expect(idsOf(retried)).toEqual(idsOf(accepted));
    expect([mixed.status, forbiddenItem.status]).toEqual([207, 207]);
    const statuses = field<{ status: number }[]>(mixed, 'results').map((r) => r.status);
    expect(statuses).toEqual([202, 422, 400]);
    expect(empty.status).toBe(400);
    expect(empty.requestMatchesDocument).toBe(false);
  });

  it('lists events by type and time, page by page, and reads one with its deliveries', async () => {
    // Prepare: the healthy endpoint has its delivery, the failing one its dead letter.
    let event: Answer | undefined;
    const settled = await waitFor(
      () => {
        const deliveries = event ? field<{ status: string }[]>(event, 'deliveries') : [];
        return (
          deliveries
            .map((d) => d.status)
            .sort()
            .join() === 'dead_lettered,delivered'
        );
      },
      20_000,
      async () => {
        event = await call('getEvent', { params: { id: made.generatedEventId } });
      },
    );

    // Act
    const query = { type: 'invoice.paid', since: LONG_AGO, until: '2100-01-01T00:00:00Z' };
    const firstPage = await call('listEvents', { query: { ...query, limit: '1' } });
    const secondPage = await call('listEvents', {
      query: { ...query, limit: '1', cursor: field(firstPage, 'nextCursor') },
    });
    const borrowedCursor = await call('listEvents', {
      query: { limit: '1', cursor: field(firstPage, 'nextCursor') },
    });
    const noLimit = await call('listEvents', { query: { limit: '0' } });
    const ownId = await call('getEvent', {
      params: { id: made.ownEventId },
      query: { tenant: 'default' },
    });
    const unknown = await call('getEvent', { params: { id: 'msg_00000000000000000000000000' } });

    // Assess
    expect(settled).toBe(true);
    expect(data(firstPage)).toHaveLength(1);
    expect(secondPage.status).toBe(200);
    expect(borrowedCursor.status).toBe(400);
    expect(noLimit.status).toBe(400);
    expect(noLimit.requestMatchesDocument).toBe(false);
    expect(ownId.status).toBe(200);
    expect(unknown.status).toBe(404);
  });

  it('reads and rotates signing secrets and sends test events', async () => {
    // Prepare
    const endpoint = { id: made.healthy };

    // Act
    const secret = await call('getEndpointSecret', { params: endpoint });
    const rotated = await call('rotateEndpointSecret', {
      params: endpoint,
      body: { graceSeconds: 3600 },
    });
    const rotatedByDefault = await call('rotateEndpointSecret', { params: endpoint });
    const negativeGrace = await call('rotateEndpointSecret', {
      params: endpoint,
      body: { graceSeconds: -1 },
    });
    const test = await call('sendTestEvent', {
      params: endpoint,
      body: { eventType: 'invoice.payment_failed' },
    });
    const testByDefault = await call('sendTestEvent', { params: endpoint });
    const unknownType = await call('sendTestEvent', {
      params: endpoint,
      body: { eventType: 'order.shipped' },
    });

    // Assess
    expect([secret.status, rotated.status, rotatedByDefault.status]).toEqual([200, 200, 200]);
    expect(field<string[]>(rotated, 'previousSecretsExpireAt')).toHaveLength(1);
    expect(field<string[]>(rotatedByDefault, 'previousSecretsExpireAt')).toHaveLength(2);
    expect(negativeGrace.status).toBe(400);
    expect(negativeGrace.requestMatchesDocument).toBe(false);
    expect([test.status, testByDefault.status]).toEqual([202, 202]);
    // A type outside the catalog is refused as publishing one is, naming the field sent.
    expect(unknownType.status).toBe(422);
    expect(field<{ field: string }[]>(unknownType, 'errors')).toEqual([
      expect.objectContaining({ field: '/eventType' }),
    ]);
    expect(unknownType.requestMatchesDocument).toBe(false);
  });

  it('lists attempts by outcome and reports an endpoint’s stats', async () => {
    // Act
    const attemptsOf = async (id: string, query: Record<string, string>) => {
      let page: Answer | undefined;
      const found = await waitFor(
        () => page !== undefined && data(page).length > 0,
        20_000,
        async () => {
          page = await call('listEndpointAttempts', { params: { id }, query });
        },
      );
      return found ? page : undefined;
    };
    const failed = await attemptsOf(made.failing, { status: 'failed', limit: '10' });
    const delivered = await attemptsOf(made.healthy, {});
    const badStatus = await call('listEndpointAttempts', {
      params: { id: made.healthy },
      query: { status: 'pending' },
    });
    const stats = await call('getEndpointStats', { params: { id: made.failing } });

    // Assess
    expect(failed?.status).toBe(200);
    expect(delivered?.status).toBe(200);
    expect(badStatus.status).toBe(400);
    expect(badStatus.requestMatchesDocument).toBe(false);
    expect(stats.status).toBe(200);
  });

  it('makes a polling endpoint and reads its feed by cursor, refusing a push endpoint’s', async () => {
    // Prepare
    const polling = await call('createEndpoint', {
      body: { type: 'polling', eventTypes: ['invoice.*'], description: 'offline consumer' },
    });
    const id = field<string>(polling, 'id');
    const pollingWithUrl = await call('createEndpoint', {
      body: { type: 'polling', url: receiver.url('/nope') },
    });
    await call('publishEvent', { body: invoicePaid() });

    // Act
    const first = await call('readEndpointFeed', { params: { id }, query: { limit: '1' } });
    const next = await call('readEndpointFeed', {
      params: { id },
      query: { cursor: field(first, 'cursor'), waitSeconds: '1' },
    });
    const pushFeed = await call('readEndpointFeed', { params: { id: made.healthy } });
    const tooLong = await call('readEndpointFeed', {
      params: { id },
      query: { waitSeconds: '21' },
    });

    // Assess
    expect(polling.status).toBe(201);
    expect(field(polling, 'type')).toBe('polling');
    expect(pollingWithUrl.status).toBe(400);
    expect(pollingWithUrl.requestMatchesDocument).toBe(false);
    expect(first.status).toBe(200);
    expect(field<unknown[]>(first, 'items')).toHaveLength(1);
    expect(next.status).toBe(200);
    expect(pushFeed.status).toBe(409);
    expect(tooLong.status).toBe(400);
    expect(tooLong.requestMatchesDocument).toBe(false);
  });

  it('lists dead letters, redrives them once per Idempotency-Key and reports the job', async () => {
    // Prepare
    const filter = { endpointId: made.failing, eventType: 'invoice.paid' };
    const key = { 'Idempotency-Key': 'redrive-after-fix' };

    // Act
    const letters = await call('listDeadLetters');
    const filtered = await call('listDeadLetters', { query: { ...filter, limit: '5' } });
    const badFilter = await call('listDeadLetters', { query: { endpointId: 'nope' } });
    const redrive = await call('redriveDeadLetters', { body: filter, headers: key });
    const again = await call('redriveDeadLetters', { body: filter, headers: key });
    const otherBody = await call('redriveDeadLetters', { body: {}, headers: key });
    const everything = await call('redriveDeadLetters');
    const job = await call('getJob', { params: { id: field(redrive, 'id') } });
    const noJob = await call('getJob', { params: { id: 'job_00000000000000000000000000' } });

    // Assess
    expect(data(letters).length).toBeGreaterThan(0);
    expect(field(letters, 'queueDepth')).toBeGreaterThanOrEqual(0);
    expect(data(filtered).length).toBeGreaterThan(0);
    expect(badFilter.status).toBe(400);
    expect([redrive.status, again.status, everything.status]).toEqual([202, 202, 202]);
    expect(field(again, 'id')).toBe(field(redrive, 'id'));
    expect(otherBody.status).toBe(409);
    expect([job.status, noJob.status]).toEqual([200, 404]);
  });

  it('replays an endpoint’s events as a job', async () => {
    // Act
    const replay = await call('replayToEndpoint', {
      params: { id: made.healthy },
      body: { since: LONG_AGO, eventTypes: ['invoice.*'], onlyFailed: false },
      headers: { 'Idempotency-Key': 'replay-1' },
    });
    const backwards = await call('replayToEndpoint', {
      params: { id: made.healthy },
      body: { since: '2030-01-01T00:00:00Z', until: LONG_AGO },
    });
    const noSince = await call('replayToEndpoint', { params: { id: made.healthy }, body: {} });
    const job = await call('getJob', { params: { id: field(replay, 'id') } });

    // Assess
    expect(replay.status).toBe(202);
    expect([backwards.status, noSince.status]).toEqual([400, 400]);
    expect(noSince.requestMatchesDocument).toBe(false);
    expect(job.status).toBe(200);
  });

  it('refuses a request without a key, with an unknown key, or beyond its key', async () => {
    // Act
    const noKey = await call('listEndpoints', { key: null });
    const unknownKey = await call('listEndpoints', { key: 'hk_admin_not-a-real-key-at-all' });
    const publishKey = await call('listEndpoints', { key: made.acmePublishKey });
    const otherTenant = await call('listEndpoints', {
      query: { tenant: 'default' },
      key: made.acmeAdminKey,
    });
    const othersEndpoint = await call('getEndpoint', {
      params: { id: made.healthy },
      key: made.acmeAdminKey,
    });
    const othersLetters = await call('listDeadLetters', {
      query: { endpointId: made.failing },
      key: made.acmeAdminKey,
    });
    const ownLetters = await call('listDeadLetters', { key: made.acmeAdminKey });

    // Assess
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({ message: 'Unauthorized' });
    expect(unknownKey.status).toBe(403);
    expect(unknownKey.body).toEqual({ message: 'Forbidden' });
    expect(publishKey.status).toBe(403);
    expect(publishKey.headers.get('content-type')).toMatch(/problem\+json/);
    expect(otherTenant.status).toBe(403);
    expect([othersEndpoint.status, othersLetters.status]).toEqual([404, 404]);
    expect(field(ownLetters, 'queueDepth')).toBeUndefined();
  });

  it('deletes an endpoint, which is then gone', async () => {
    // Act
    const deleted = await call('deleteEndpoint', { params: { id: made.acmeEndpoint } });
    const read = await call('getEndpoint', { params: { id: made.acmeEndpoint } });

    // Assess
    expect(deleted.status).toBe(204);
    expect(read.status).toBe(404);
  });

  it('holds the limits the document states for routes, at their edges', async () => {
    // Prepare: the numbers come from the document, not from the code.
    const schemas = (openApiDocument().components as { schemas: Record<string, Json> }).schemas;
    const parameters = (openApiDocument().components as { parameters: Record<string, Json> })
      .parameters;
    const limitOf = (schema: Json | undefined, keyword: string) =>
      Number((schema as Record<string, unknown>)[keyword]);
    const grace = limitOf(propertyOf(schemas.SecretRotation, 'graceSeconds'), 'maximum');
    const description = limitOf(propertyOf(schemas.ApiKeyCreate, 'description'), 'maxLength');
    const pageLimit = limitOf(parameters.Limit?.schema as Json, 'maximum');
    const batchSize = limitOf(propertyOf(schemas.BatchRequest, 'events'), 'maxItems');
    const keyPattern = String((parameters.IdempotencyKey?.schema as Json | undefined)?.pattern);
    const keyLength = Number(/\{1,(\d+)\}/.exec(keyPattern)?.[1]);
    const otherTenantEvents = (count: number) =>
      Array.from({ length: count }, () => invoicePaid({ tenant: 'limits' }));
    const edges = async (
      operationId: string,
      at: CallOptions,
      past: CallOptions,
    ): Promise<[number, number, boolean]> => {
      const accepted = await call(operationId, at);
      const refused = await call(operationId, past);
      return [accepted.status, refused.status, refused.requestMatchesDocument];
    };

    // Act
    const results = {
      graceSeconds: await edges(
        'rotateEndpointSecret',
        { params: { id: made.healthy }, body: { graceSeconds: grace } },
        { params: { id: made.healthy }, body: { graceSeconds: grace + 1 } },
      ),
      keyDescription: await edges(
        'createApiKey',
        { body: { scope: 'publish', description: 'k'.repeat(description) } },
        { body: { scope: 'publish', description: 'k'.repeat(description + 1) } },
      ),
      pageLimit: await edges(
        'listEvents',
        { query: { limit: String(pageLimit) } },
        { query: { limit: String(pageLimit + 1) } },
      ),
      batchSize: await edges(
        'publishEventBatch',
        { body: { events: otherTenantEvents(batchSize) } },
        { body: { events: otherTenantEvents(batchSize + 1) } },
      ),
      idempotencyKey: await edges(
        'publishEvent',
        { body: invoicePaid(), headers: { 'Idempotency-Key': 'k'.repeat(keyLength) } },
        { body: invoicePaid(), headers: { 'Idempotency-Key': 'k'.repeat(keyLength + 1) } },
      ),
    };

    // Assess
    expect(results).toEqual({
      graceSeconds: [200, 400, false],
      keyDescription: [201, 400, false],
      pageLimit: [200, 400, false],
      batchSize: [202, 400, false],
      idempotencyKey: [202, 400, false],
    });
  });

  it('has exercised every documented operation to a success', () => {
    // Act
    const unexercised = api
      .operationIds()
      .filter((id) => ![...(api.observed.get(id) ?? [])].some((status) => status < 300));

    // Assess
    expect(unexercised).toEqual([]);
  });
});

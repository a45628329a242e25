/**
 * The ingest, management, authorizer and replay handlers as they ship, each built by its
 * factory and wiring over the local stand-ins (dynalite, fauxqs), invoked in this process
 * with the events API Gateway, EventBridge and SQS would send.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResultV2, Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../../lambda/adapters/clients/dynamodb';
import { sqsClient } from '../../../lambda/adapters/clients/sqs';
import {
  DynamoApiKeyRepository,
  generateApiKey,
} from '../../../lambda/adapters/dynamo/api-key-store';
import { exampleOf } from '../../../lambda/domain/catalog';
import { createAuthorizerHandler } from '../../../lambda/handlers/authorizer';
import { createIngestHandler } from '../../../lambda/handlers/ingest';
import { createManagementHandler } from '../../../lambda/handlers/management';
import { createReplayHandler } from '../../../lambda/handlers/replay';
import { authorizerDependencies } from '../../../lambda/wiring/authorizer';
import { ingestDependencies } from '../../../lambda/wiring/ingest';
import { managementDependencies } from '../../../lambda/wiring/management';
import { jobDependencies } from '../../../lambda/wiring/repositories';
import { localContext } from '../../../lib/local/lambda-context';
import { anApiRequest, anSqsEvent, anSqsRecord } from '../../support/lambda-events';
import { type StandInConfig, startStandInConfig } from '../../support/stand-in-config';

let standIns: StandInConfig;
let adminKey: string;
let publishKey: string;
let keyStore: DynamoApiKeyRepository;
let ingest: ReturnType<typeof createIngestHandler>;
let management: ReturnType<typeof createManagementHandler>;
let replay: ReturnType<typeof createReplayHandler>;
const context = (name: string): Context => localContext(name, 29_000);

beforeAll(async () => {
  standIns = await startStandInConfig();
  const { config } = standIns;
  const keys = new DynamoApiKeyRepository(dynamoClient(config), config.tableName('apiKeys'));
  keyStore = keys;
  adminKey = generateApiKey('admin');
  publishKey = generateApiKey('publish');
  await keys.store(adminKey, 'admin');
  await keys.store(publishKey, 'publish');
  ingest = createIngestHandler(ingestDependencies(config));
  management = createManagementHandler(managementDependencies(config));
  replay = createReplayHandler(jobDependencies(config));
}, 30_000);

afterAll(async () => {
  await standIns?.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

function answer(result: unknown): Answer {
  const shaped = result as Exclude<APIGatewayProxyResultV2, string>;
  return {
    status: shaped.statusCode ?? 200,
    headers: shaped.headers ?? {},
    body: shaped.body ? JSON.parse(shaped.body) : {},
  };
}

const call = async (
  handler: typeof management | typeof ingest,
  ...request: Parameters<typeof anApiRequest>
) => answer(await handler(anApiRequest(...request), context('api')));

const invoicePaid = (invoiceId: string) => ({
  type: 'invoice.paid',
  data: { ...(exampleOf('invoice.paid') as object), invoiceId },
});

async function createEndpoint(tenant: string) {
  const created = await call(management, 'POST', '/v1/endpoints', {
    key: adminKey,
    body: { url: 'http://127.0.0.1:9999/hook', tenant },
  });
  expect(created.status).toBe(201);
  return String(created.body.id);
}

describe('the management handler', () => {
  it('refuses a portal key that names no tenant rather than take it for an operator', async () => {
    // Prepare: a portal key stored without a tenant, which the API never makes
    const unconfined = generateApiKey('portal');
    await keyStore.store(unconfined, 'portal', { expiresAt: 1_900_000_000 });

    // Act
    const listed = await call(management, 'GET', '/v1/endpoints', { key: unconfined });

    // Assess
    expect(listed.status).toBe(401);
  });

  it('answers GET /health without a key', async () => {
    // Act
    const health = await call(management, 'GET', '/health');

    // Assess
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', version: '0.8.0' } });
  });

  it('lets an admin key create and read an endpoint, and turns other keys away with problems', async () => {
    // Prepare
    const id = await createEndpoint('acme');

    // Act
    const read = await call(management, 'GET', `/v1/endpoints/${id}`, { key: adminKey });
    const asPublisher = await call(management, 'GET', `/v1/endpoints/${id}`, { key: publishKey });
    const unknown = await call(management, 'GET', `/v1/endpoints/${id}`, {
      key: generateApiKey('admin'),
    });

    // Assess
    expect(read).toMatchObject({ status: 200, body: { id, tenant: 'acme', enabled: true } });
    expect(read.body).not.toHaveProperty('secrets');
    expect(asPublisher.status).toBe(403);
    expect(asPublisher.headers['content-type']).toBe('application/problem+json');
    expect(unknown.status).toBe(401);
  });
});

describe('the ingest handler', () => {
  it('stores and queues a published event once, and replays the answer for its idempotency key', async () => {
    // Prepare
    const endpointId = await createEndpoint('idem');
    const request = {
      key: publishKey,
      body: { ...invoicePaid('in_idem'), tenant: 'idem' },
      headers: { 'idempotency-key': 'order-42' },
    };

    // Act
    const first = await call(ingest, 'POST', '/v1/events', request);
    const second = await call(ingest, 'POST', '/v1/events', request);
    const queued = await standIns.receiveDeliveries();

    // Assess
    expect(first).toMatchObject({ status: 202, body: { type: 'invoice.paid', deliveries: 1 } });
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(queued.filter((m) => m.eventId === first.body.id)).toEqual([
      expect.objectContaining({ endpointId, tenant: 'idem', type: 'invoice.paid' }),
    ]);
  });

  it('answers a batch with one bad item 207, naming the item and its field', async () => {
    // Act
    const batch = await call(ingest, 'POST', '/v1/events/batch', {
      key: publishKey,
      body: { events: [invoicePaid('in_okay1'), { type: 'invoice.paid', data: { amount: 'x' } }] },
    });

    // Assess
    expect(batch.status).toBe(207);
    const [ok, bad] = batch.body.results as Record<string, unknown>[];
    expect(ok).toMatchObject({ index: 0, status: 202 });
    expect(bad).toMatchObject({ index: 1, status: 422 });
    expect(JSON.stringify(bad?.problem)).toContain('/data/amount');
  });

  it('publishes a bus entry, and throws for one it cannot publish so it reaches the ingest DLQ', async () => {
    // Prepare
    const entry = (detailType: string, data: unknown): EventBridgeEvent<string, unknown> => ({
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': detailType,
      source: 'com.example.billing',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { data },
    });

    // Act
    const published = await ingest(
      entry('invoice.paid', invoicePaid('in_bus01').data),
      context('x'),
    );
    const refused = ingest(entry('invoice.unknown', {}), context('x'));

    // Assess
    expect(published).toMatchObject({ type: 'invoice.paid', duplicate: false });
    await expect(refused).rejects.toThrow(/invoice\.unknown/);
  });
});

describe('the authorizer handler', () => {
  const authorize = (
    authorization: string,
    isBootstrapKey: (key: string) => Promise<boolean> = async () => false,
  ) => {
    const deps = { ...authorizerDependencies(standIns.config), isBootstrapKey };
    const event = { headers: { authorization }, routeKey: 'GET /v1/endpoints' };
    return createAuthorizerHandler(deps)(event as never);
  };

  it('passes on the scope, tenant and end of a stored key, and refuses an unknown one', async () => {
    // Prepare
    const tenantKey = generateApiKey('admin');
    await keyStore.store(tenantKey, 'admin', { tenant: 'acme' });
    const portalToken = generateApiKey('portal');
    await keyStore.store(portalToken, 'portal', { tenant: 'acme', expiresAt: 1_900_000_000 });

    // Act
    const known = await authorize(`Bearer ${publishKey}`);
    const confined = await authorize(`Bearer ${tenantKey}`);
    const portal = await authorize(`Bearer ${portalToken}`);
    const unknown = await authorize(`Bearer ${generateApiKey('admin')}`);

    // Assess: the end goes on, so each function can refuse the session once it is over,
    // whatever API Gateway cached
    expect(known).toEqual({
      isAuthorized: true,
      context: { scope: 'publish', tenant: '', expiresAt: '' },
    });
    expect(confined).toEqual({
      isAuthorized: true,
      context: { scope: 'admin', tenant: 'acme', expiresAt: '' },
    });
    expect(portal).toEqual({
      isAuthorized: true,
      context: { scope: 'portal', tenant: 'acme', expiresAt: '1900000000' },
    });
    expect(unknown.isAuthorized).toBe(false);
  });

  it('takes the bootstrap admin key, and locks nobody out when its secret cannot be read', async () => {
    // Act
    const bootstrap = await authorize('Bearer bootstrap-key-0123', async () => true);
    const unreadable = await authorize('Bearer bootstrap-key-0123', async () => {
      throw new Error('AccessDeniedException');
    });
    const stored = await authorize(`Bearer ${adminKey}`, async () => {
      throw new Error('AccessDeniedException');
    });

    // Assess
    expect(bootstrap.context.scope).toBe('admin');
    expect(unreadable.isAuthorized).toBe(false);
    expect(stored.context.scope).toBe('admin');
  });
});

describe('the replay handler', () => {
  it('runs the job management started, queueing the events of the range once each', async () => {
    // Prepare
    const endpointId = await createEndpoint('replayed');
    const since = new Date(Date.now() - 60_000).toISOString();
    for (const id of ['in_r0001', 'in_r0002']) {
      const body = { ...invoicePaid(id), tenant: 'replayed' };
      expect((await call(ingest, 'POST', '/v1/events', { key: publishKey, body })).status).toBe(
        202,
      );
    }
    await standIns.receiveDeliveries(); // the first deliveries, out of the way
    const started = await call(management, 'POST', `/v1/endpoints/${endpointId}/replay`, {
      key: adminKey,
      body: { since },
    });
    const page = await sqsClient(standIns.config).send(
      new ReceiveMessageCommand({
        QueueUrl: standIns.config.queueUrl('jobs'),
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
      }),
    );
    const [message] = page.Messages ?? [];

    // Act
    const response = await replay(
      anSqsEvent([anSqsRecord(message?.Body ?? '')]),
      context('replay'),
    );
    const job = await call(management, 'GET', `/v1/jobs/${started.body.id}`, { key: adminKey });
    const queued = await standIns.receiveDeliveries();

    // Assess
    expect(started.status).toBe(202);
    expect(response.batchItemFailures).toEqual([]);
    expect(job.body).toMatchObject({ status: 'completed', queued: 2 });
    expect(queued.filter((m) => m.endpointId === endpointId)).toHaveLength(2);
  });
});

/**
 * The dispatcher handler as it ships, built by its factory over in-memory ports, delivering to
 * a real HTTP receiver: what SQS is told about each record of a batch (the partial batch
 * response and the messages sent again to wait), and what happens when bookkeeping fails.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '#shared/settings';
import { UndiciWebhookSender } from '../../../lambda/adapters/http/webhook-sender';
import {
  MemoryAttemptLog,
  MemoryDeadLetters,
  MemoryDeliveryState,
  MemoryEndpoints,
  MemoryFeeds,
  MemoryHealth,
  MemoryObserver,
  MemoryQueue,
} from '../../../lambda/adapters/memory/stores';
import { dispatchSettings } from '../../../lambda/domain/dispatch';
import type { Endpoint } from '../../../lambda/domain/endpoint';
import type { AttemptLog, DeliveryMessage } from '../../../lambda/domain/ports';
import {
  createDispatcherHandler,
  type DispatcherDependencies,
} from '../../../lambda/handlers/dispatcher';
import { localContext } from '../../../lib/local/lambda-context';
import { anSqsEvent, anSqsRecord } from '../../support/lambda-events';
import { Receiver } from '../../support/receiver';
import { anEndpoint } from '../../support/records';

let receiver: Receiver;
const sender = new UndiciWebhookSender({ allowPrivateTargets: true });

beforeAll(async () => {
  receiver = await new Receiver().start();
  receiver.behave('/down', () => ({ status: 503 }));
});
afterAll(async () => {
  await sender.close();
  await receiver.stop();
});

/** A dispatcher over fresh in-memory ports; override the port a test is about. */
function aDispatcher(overrides: Partial<Omit<DispatcherDependencies, 'delivery'>> = {}) {
  const ports = {
    endpoints: new MemoryEndpoints(),
    deliveries: new MemoryDeliveryState(),
    health: new MemoryHealth(),
    deadLetters: new MemoryDeadLetters(),
    attemptLog: new MemoryAttemptLog(),
    waits: new MemoryQueue(),
    observers: [] as MemoryObserver[],
  };
  const handler = createDispatcherHandler({
    delivery: {
      endpoints: ports.endpoints,
      sender,
      deliveries: ports.deliveries,
      health: ports.health,
      deadLetters: ports.deadLetters,
      feeds: new MemoryFeeds(),
      now: Date.now,
      random: () => 0.5,
      settings: dispatchSettings({ ...defaultSettings, deliveryTimeoutSeconds: 2 }),
    },
    newObserver: () => {
      const observer = new MemoryObserver();
      ports.observers.push(observer);
      return observer;
    },
    attemptLog: ports.attemptLog,
    waits: ports.waits,
    ...overrides,
  });
  const invoke = (records: SQSRecord[]) =>
    handler(anSqsEvent(records), localContext('dispatcher', 25_000));
  return { ...ports, invoke };
}

async function anEndpointAt(
  endpoints: MemoryEndpoints,
  path: string,
  overrides: Partial<Endpoint> = {},
): Promise<Endpoint> {
  const endpoint = anEndpoint({ url: receiver.url(path), ...overrides });
  await endpoints.create(endpoint);
  return endpoint;
}

let sequence = 0;

/** The SQS record of one delivery to `endpoint`, as ingest queued it. */
function aDelivery(endpoint: Endpoint): SQSRecord {
  sequence++;
  const message: DeliveryMessage = {
    eventId: `msg_DISPATCHER${String(sequence).padStart(16, '0')}`,
    endpointId: endpoint.id,
    tenant: endpoint.tenant,
    type: 'invoice.paid',
    body: JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data: {} }),
  };
  return anSqsRecord(message);
}

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();

describe('the dispatcher handler', () => {
  it('acks every record, sending the one to retry again with its first retry delay', async () => {
    // Prepare
    const dispatcher = aDispatcher();
    const healthy = await anEndpointAt(dispatcher.endpoints, '/healthy');
    const down = await anEndpointAt(dispatcher.endpoints, '/down');
    const records = [aDelivery(healthy), aDelivery(down), aDelivery(healthy)];
    const [ok1, failing, ok2] = records as [SQSRecord, SQSRecord, SQSRecord];

    // Act
    const response = await dispatcher.invoke(records);

    // Assess: nothing stays in flight; the failed delivery waits as a new, delayed message.
    expect(response.batchItemFailures).toEqual([]);
    // The first retry waits the schedule's first delay: 1 minute (jitter at its middle).
    expect(dispatcher.waits.resent).toMatchObject([
      {
        delaySeconds: 60,
        lane: 'main',
        message: { eventId: JSON.parse(failing.body).eventId, attempts: 1 },
      },
    ]);
    expect(receiver.accepted('/healthy').map((r) => r.headers['webhook-id'])).toEqual(
      expect.arrayContaining([JSON.parse(ok1.body).eventId, JSON.parse(ok2.body).eventId]),
    );
    expect(dispatcher.attemptLog.entries.map((e) => [e.outcome, e.attempts.length])).toEqual([
      ['delivered', 2],
      ['failed', 1],
    ]);
    expect(dispatcher.observers.map((o) => o.flushes)).toEqual([1]);
  });

  it('holds back a delivery to an endpoint whose circuit is open without sending it or counting an attempt', async () => {
    // Prepare
    const dispatcher = aDispatcher();
    const endpoint = await anEndpointAt(dispatcher.endpoints, '/resting');
    dispatcher.health.circuits.set(endpoint.id, { openUntil: Date.now() + 20_000, opens: 1 });
    const record = aDelivery(endpoint);

    // Act
    const response = await dispatcher.invoke([record]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [held] = dispatcher.waits.resent;
    // As long as a failed first try would wait (1 minute), counted as skipped.
    expect(held?.delaySeconds).toBe(60);
    expect(held?.message).toMatchObject({ skipped: 1 });
    expect(receiver.to('/resting')).toHaveLength(0);
    expect(dispatcher.deliveries.items.size).toBe(0);
    expect(dispatcher.attemptLog.entries).toEqual([]);
  });

  it('defers what a rate limit turns away and delivers the rest of the batch', async () => {
    // Prepare
    const dispatcher = aDispatcher();
    const endpoint = await anEndpointAt(dispatcher.endpoints, '/limited', {
      rateLimitPerSecond: 1,
    });
    const records = [aDelivery(endpoint), aDelivery(endpoint), aDelivery(endpoint)];

    // Act
    const response = await dispatcher.invoke(records);

    // Assess: one second's allowance goes out, the others wait without using an attempt.
    expect(response.batchItemFailures).toEqual([]);
    expect(dispatcher.waits.resent.map((r) => r.message)).toMatchObject([
      { rateLimited: 1 },
      { rateLimited: 1 },
    ]);
    expect(receiver.to('/limited')).toHaveLength(1);
    expect(dispatcher.deliveries.items.size).toBe(0);
  });

  it('keeps a delivered batch delivered when the attempt log cannot be written', async () => {
    // Prepare
    const unavailable: AttemptLog = {
      append: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const dispatcher = aDispatcher({ attemptLog: unavailable });
    const endpoint = await anEndpointAt(dispatcher.endpoints, '/logless');
    const records = [aDelivery(endpoint), aDelivery(endpoint)];

    // Act
    const response = await dispatcher.invoke(records);

    // Assess: nothing handed back, so SQS deletes the records and nothing is sent twice.
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.accepted('/logless')).toHaveLength(2);
    expect(dispatcher.waits.resent).toEqual([]);
  });

  it('never sends a delivered webhook again when the record of its success cannot be written', async () => {
    // Prepare: a delivery that failed once, and a store that refuses the next write
    const dispatcher = aDispatcher();
    const endpoint = await anEndpointAt(dispatcher.endpoints, '/second-time-lucky');
    const record = aDelivery(endpoint);
    const message = { ...JSON.parse(record.body), attempts: 1 } as DeliveryMessage;
    await dispatcher.deliveries.recordFailure(message.eventId, endpoint.id);
    const markDelivered = dispatcher.deliveries.markDelivered.bind(dispatcher.deliveries);
    dispatcher.deliveries.markDelivered = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };

    // Act
    const response = await dispatcher.invoke([anSqsRecord(message)]);
    dispatcher.deliveries.markDelivered = markDelivered;
    const [note] = dispatcher.waits.resent;
    const noteResponse = await dispatcher.invoke([anSqsRecord(note?.message)]);

    // Assess: the record is acked, the bookkeeping goes on alone, the webhook went out once.
    expect(response.batchItemFailures).toEqual([]);
    expect(note?.message).toMatchObject({ note: 'delivered', eventId: message.eventId });
    expect(noteResponse.batchItemFailures).toEqual([]);
    expect(receiver.accepted('/second-time-lucky')).toHaveLength(1);
    expect(dispatcher.deliveries.items.get(`${message.eventId}|${endpoint.id}`)?.status).toBe(
      'delivered',
    );
  });

  it('dead-letters, with a reason, a delivery on the receive SQS would otherwise move without one', async () => {
    // Prepare
    const dispatcher = aDispatcher();
    const endpoint = await anEndpointAt(dispatcher.endpoints, '/crashy');
    const record = aDelivery(endpoint);
    const lastReceive = {
      ...record,
      attributes: {
        ...record.attributes,
        ApproximateReceiveCount: String(defaultSettings.maxReceiveCount),
      },
    };

    // Act
    const response = await dispatcher.invoke([lastReceive]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(dispatcher.deadLetters.sent).toMatchObject([
      { reason: { reason: 'dispatcher_failed', attempts: 0 } },
    ]);
    expect(
      dispatcher.deliveries.items.get(`${JSON.parse(record.body).eventId}|${endpoint.id}`)?.status,
    ).toBe('dead_lettered');
    expect(dispatcher.observers[0]?.events.map((e) => e.type)).toEqual(['dead_lettered']);
    expect(receiver.to('/crashy')).toHaveLength(0);
  });

  it('hands back a record it cannot read, and one it could not send on to wait, delivering the rest', async () => {
    // Prepare
    const refusing = new MemoryQueue();
    refusing.resend = async () => {
      throw new Error('RequestThrottled');
    };
    const dispatcher = aDispatcher({ waits: refusing });
    const healthy = await anEndpointAt(dispatcher.endpoints, '/mixed');
    const down = await anEndpointAt(dispatcher.endpoints, '/down');
    const garbled = anSqsRecord('{"eventId": ');
    const unsendable = aDelivery(down);
    const records = [garbled, aDelivery(healthy), unsendable];

    // Act
    const response = await dispatcher.invoke(records);

    // Assess: both come back after the queue's visibility timeout; neither is lost.
    expect(failedIds(response)).toEqual([garbled.messageId, unsendable.messageId].sort());
    expect(receiver.accepted('/mixed')).toHaveLength(1);
  });
});

/**
 * The dispatcher handler as it ships, built by its factory over in-memory ports, delivering to
 * a real HTTP receiver: what SQS is told about each record of a batch (the partial batch
 * response and the visibility changes), and what happens when bookkeeping fails.
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
    retryQueue: new MemoryQueue(),
    observers: [] as MemoryObserver[],
  };
  const handler = createDispatcherHandler({
    delivery: {
      endpoints: ports.endpoints,
      sender,
      deliveries: ports.deliveries,
      health: ports.health,
      deadLetters: ports.deadLetters,
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
    retryQueue: ports.retryQueue,
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
  it('acks the delivered records and hands back, hidden until their next try, the ones to retry', async () => {
    // Prepare
    const dispatcher = aDispatcher();
    const healthy = await anEndpointAt(dispatcher.endpoints, '/healthy');
    const down = await anEndpointAt(dispatcher.endpoints, '/down');
    const records = [aDelivery(healthy), aDelivery(down), aDelivery(healthy)];
    const [ok1, failing, ok2] = records as [SQSRecord, SQSRecord, SQSRecord];

    // Act
    const response = await dispatcher.invoke(records);

    // Assess
    expect(failedIds(response)).toEqual([failing.messageId]);
    // The first retry waits the schedule's first delay: 1 minute (jitter at its middle).
    expect(dispatcher.retryQueue.postponed).toEqual([
      { receiptHandle: failing.receiptHandle, delaySeconds: 60 },
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

  it('defers a delivery to an endpoint whose circuit is open without sending it or counting an attempt', async () => {
    // Prepare
    const dispatcher = aDispatcher();
    const endpoint = await anEndpointAt(dispatcher.endpoints, '/resting');
    dispatcher.health.circuits.set(endpoint.id, {
      consecutiveFailures: 5,
      openUntil: Date.now() + 120_000,
      opens: 1,
    });
    const record = aDelivery(endpoint);

    // Act
    const response = await dispatcher.invoke([record]);

    // Assess
    expect(failedIds(response)).toEqual([record.messageId]);
    const [postponed] = dispatcher.retryQueue.postponed;
    // Until the circuit lets a probe through (120 s, spread by up to 4 s), not a retry delay.
    expect(postponed?.delaySeconds).toBeGreaterThanOrEqual(120);
    expect(postponed?.delaySeconds).toBeLessThanOrEqual(124);
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
    expect(response.batchItemFailures).toHaveLength(2);
    expect(dispatcher.retryQueue.postponed).toHaveLength(2);
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
    expect(dispatcher.retryQueue.postponed).toEqual([]);
  });

  it('hands back a record it cannot read, and one whose backoff SQS refused, delivering the rest', async () => {
    // Prepare
    const refusing = new MemoryQueue();
    refusing.postpone = async () => {
      throw new Error('InvalidParameterValue: Value 43200 for parameter VisibilityTimeout');
    };
    const dispatcher = aDispatcher({ retryQueue: refusing });
    const healthy = await anEndpointAt(dispatcher.endpoints, '/mixed');
    const down = await anEndpointAt(dispatcher.endpoints, '/down');
    const garbled = anSqsRecord('{"eventId": ');
    const unpostponable = aDelivery(down);
    const records = [garbled, aDelivery(healthy), unpostponable];

    // Act
    const response = await dispatcher.invoke(records);

    // Assess: both come back after the queue's visibility timeout; neither is lost.
    expect(failedIds(response)).toEqual([garbled.messageId, unpostponable.messageId].sort());
    expect(receiver.accepted('/mixed')).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../lambda/adapters/http/webhook-sender';
import {
  AttemptCollector,
  type DispatchDependencies,
  dispatchDelivery,
} from '../../lambda/domain/dispatch';
import type { DeliveryMessage } from '../../lambda/domain/ports';
import { verifySignature } from '../../lambda/domain/signing';
import {
  anEndpoint,
  MemoryAttemptLog,
  MemoryDeadLetters,
  MemoryDeliveryState,
  MemoryEndpoints,
} from '../support/memory';
import { Receiver } from '../support/receiver';

describe('dispatching one delivery to a real HTTP receiver', () => {
  let receiver: Receiver;
  const sender = new UndiciWebhookSender();

  beforeAll(async () => {
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await sender.close();
    await receiver.stop();
  });

  function setup(path: string, overrides: Partial<DispatchDependencies['settings']> = {}) {
    const endpoint = anEndpoint({ url: receiver.url(path) });
    const endpoints = new MemoryEndpoints();
    void endpoints.create(endpoint);
    const deps = {
      endpoints,
      sender,
      deliveries: new MemoryDeliveryState(),
      deadLetters: new MemoryDeadLetters(),
      now: Date.now,
      random: () => 0.5,
      settings: {
        scheduleMs: [60_000, 300_000],
        maxAttempts: 3,
        timeoutMs: 500,
        userAgent: 'Hookline/test',
        ...overrides,
      },
    };
    const message: DeliveryMessage = {
      eventId: `msg_${path.slice(1)}`,
      endpointId: endpoint.id,
      tenant: endpoint.tenant,
      type: 'invoice.paid',
      body: '{"type":"invoice.paid","timestamp":"2026-11-27T00:00:00.000Z","data":{}}',
    };
    return { deps, endpoint, message, collector: new AttemptCollector(Date.now) };
  }

  it('acks a 2xx, signs the request, and records the success in a grouped log row', async () => {
    // Prepare
    const { deps, endpoint, message, collector } = setup('/ok');

    // Act
    const decision = await dispatchDelivery(deps, message, false, collector);
    const log = new MemoryAttemptLog();
    await collector.flush(log);

    // Assess
    expect(decision).toEqual({ action: 'ack', reason: 'delivered' });
    const [request] = receiver.to('/ok');
    expect(request?.body).toBe(message.body);
    const timestamp = Number(request?.headers['webhook-timestamp']);
    const secret = endpoint.secrets[0]?.secret as string;
    expect(
      verifySignature(
        secret,
        message.eventId,
        timestamp,
        message.body,
        String(request?.headers['webhook-signature']),
      ),
    ).toBe(true);
    expect(deps.deliveries.items.size).toBe(0); // a first-time success writes no delivery record
    expect(log.entries).toMatchObject([
      { outcome: 'delivered', attempts: [{ eventId: message.eventId, status: 204 }] },
    ]);
  });

  it.each([
    ['/redirect', { status: 302, headers: { location: '/ok' } }, 'HTTP 302'],
    ['/error', { status: 500, body: 'boom' }, 'HTTP 500'],
    ['/slow', { delayMs: 2000 }, 'timeout'],
    ['/reset', { reset: true }, 'connection closed'],
  ])('schedules a retry for %s and counts the attempt', async (path, behaviour, error) => {
    // Prepare
    receiver.behave(path, () => behaviour);
    const { deps, message, collector } = setup(path);

    // Act
    const decision = await dispatchDelivery(deps, message, false, collector);

    // Assess
    expect(decision).toEqual({ action: 'retry', delaySeconds: 60 });
    expect(deps.deliveries.items.get(`${message.eventId}|${message.endpointId}`)?.attempts).toBe(1);
    expect(collector.entries()[0]?.attempts[0]?.error).toContain(error);
    expect(
      receiver.to('/ok').filter((r) => r.headers['webhook-id'] === message.eventId),
    ).toHaveLength(0);
  });

  it('keeps at most 4 KiB of the response body in the attempt record', async () => {
    receiver.behave('/verbose', () => ({ status: 400, body: 'e'.repeat(20_000) }));
    const { deps, message, collector } = setup('/verbose');
    await dispatchDelivery(deps, message, false, collector);
    expect(collector.entries()[0]?.attempts[0]?.excerpt).toHaveLength(4096);
  });

  it('waits at least Retry-After on 429', async () => {
    receiver.behave('/busy', () => ({ status: 429, headers: { 'retry-after': '900' } }));
    const { deps, message, collector } = setup('/busy');
    expect(await dispatchDelivery(deps, message, false, collector)).toEqual({
      action: 'retry',
      delaySeconds: 900,
    });
  });

  it('dead-letters after the last attempt with the reason, and acks', async () => {
    // Prepare
    receiver.behave('/down', () => ({ status: 503 }));
    const { deps, message, collector } = setup('/down', { maxAttempts: 2 });

    // Act
    const first = await dispatchDelivery(deps, message, false, collector);
    const second = await dispatchDelivery(deps, message, true, collector);

    // Assess
    expect(first.action).toBe('retry');
    expect(second).toEqual({ action: 'ack', reason: 'dead_lettered' });
    expect(deps.deadLetters.sent).toMatchObject([
      { message, reason: { attempts: 2, lastStatus: 503 } },
    ]);
    expect(deps.deliveries.items.get(`${message.eventId}|${message.endpointId}`)?.status).toBe(
      'dead_lettered',
    );
  });

  it('marks a delivery that had failed as delivered once it succeeds', async () => {
    receiver.behave('/flaky', (_, seen) => ({ status: seen === 0 ? 500 : 200 }));
    const { deps, message, collector } = setup('/flaky');
    await dispatchDelivery(deps, message, false, collector);
    const decision = await dispatchDelivery(deps, message, true, collector);
    expect(decision).toEqual({ action: 'ack', reason: 'delivered' });
    expect(deps.deliveries.items.get(`${message.eventId}|${message.endpointId}`)).toEqual({
      attempts: 1,
      status: 'delivered',
    });
  });

  it('acks without sending when the endpoint was deleted or disabled', async () => {
    const { deps, message, collector } = setup('/gone-endpoint');
    deps.endpoints.items.clear();
    expect(await dispatchDelivery(deps, message, false, collector)).toEqual({
      action: 'ack',
      reason: 'endpoint_missing',
    });
    expect(receiver.to('/gone-endpoint')).toHaveLength(0);
  });
});

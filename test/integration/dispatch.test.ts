import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../lambda/adapters/http/webhook-sender';
import {
  MemoryAttemptLog,
  MemoryDeadLetters,
  MemoryDeliveryState,
  MemoryEndpoints,
  MemoryFeeds,
  MemoryHealth,
  MemoryObserver,
} from '../../lambda/adapters/memory/stores';
import { AttemptCollector } from '../../lambda/domain/attempt-collector';
import {
  type DispatchDecision,
  type DispatchDependencies,
  dispatchDelivery,
} from '../../lambda/domain/dispatch';
import type { DeliveryMessage } from '../../lambda/domain/ports';
import { verifySignature } from '../../lambda/domain/signing';
import { Receiver } from '../support/receiver';
import { anEndpoint } from '../support/records';

const FIRST = { receiveCount: 1 };

/** The message a wait sends on: the next receive gets the delivery with its progress. */
function carried(decision: DispatchDecision): DeliveryMessage {
  if (decision.action !== 'wait') throw new Error(`expected a wait, got ${decision.action}`);
  return decision.message;
}

describe('dispatching one delivery to a real HTTP receiver', () => {
  let receiver: Receiver;
  const sender = new UndiciWebhookSender({ allowPrivateTargets: true });

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
      feeds: new MemoryFeeds(),
      health: new MemoryHealth(),
      observer: new MemoryObserver(),
      now: Date.now,
      random: () => 0.5,
      settings: {
        scheduleMs: [60_000, 300_000],
        maxAttempts: 3,
        timeoutMs: 500,
        slowAfterMs: 500,
        userAgent: 'Hookline/test',
        circuit: { threshold: 100, failureRatePercent: 50, cooldownMs: 30_000 },
        autoDisableAfterMs: 5 * 86_400_000,
        maxReceiveCount: 100,
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
    const decision = await dispatchDelivery(deps, message, FIRST, collector);
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
    const decision = await dispatchDelivery(deps, message, FIRST, collector);

    // Assess
    expect(decision).toMatchObject({
      action: 'wait',
      cause: 'failed',
      delaySeconds: 60,
      lane: 'main',
      message: { ...message, attempts: 1 },
    });
    expect(deps.deliveries.items.get(`${message.eventId}|${message.endpointId}`)?.attempts).toBe(1);
    expect(collector.entries()[0]?.attempts[0]?.error).toContain(error);
    expect(
      receiver.to('/ok').filter((r) => r.headers['webhook-id'] === message.eventId),
    ).toHaveLength(0);
  });

  it('keeps at most 4 KiB of the response body in the attempt record', async () => {
    receiver.behave('/verbose', () => ({ status: 400, body: 'e'.repeat(20_000) }));
    const { deps, message, collector } = setup('/verbose');
    await dispatchDelivery(deps, message, FIRST, collector);
    expect(collector.entries()[0]?.attempts[0]?.excerpt).toHaveLength(4096);
  });

  it('waits at least Retry-After on 429', async () => {
    receiver.behave('/busy', () => ({ status: 429, headers: { 'retry-after': '900' } }));
    const { deps, message, collector } = setup('/busy');
    expect(await dispatchDelivery(deps, message, FIRST, collector)).toMatchObject({
      action: 'wait',
      cause: 'failed',
      delaySeconds: 900,
    });
  });

  it('dead-letters after the last attempt with the reason, and acks', async () => {
    // Prepare
    receiver.behave('/down', () => ({ status: 503 }));
    const { deps, message, collector } = setup('/down', { maxAttempts: 2 });

    // Act
    const first = await dispatchDelivery(deps, message, FIRST, collector);
    const second = await dispatchDelivery(deps, carried(first), FIRST, collector);

    // Assess
    expect(first.action).toBe('wait');
    expect(second).toEqual({ action: 'ack', reason: 'dead_lettered' });
    expect(deps.deadLetters.sent).toMatchObject([
      { message: { eventId: message.eventId }, reason: { attempts: 2, lastStatus: 503 } },
    ]);
    expect(deps.deliveries.items.get(`${message.eventId}|${message.endpointId}`)?.status).toBe(
      'dead_lettered',
    );
  });

  it('marks a delivery that had failed as delivered once it succeeds', async () => {
    receiver.behave('/flaky', (_, seen) => ({ status: seen === 0 ? 500 : 200 }));
    const { deps, message, collector } = setup('/flaky');
    const first = await dispatchDelivery(deps, message, FIRST, collector);
    const decision = await dispatchDelivery(deps, carried(first), FIRST, collector);
    expect(decision).toEqual({ action: 'ack', reason: 'delivered' });
    expect(deps.deliveries.items.get(`${message.eventId}|${message.endpointId}`)).toEqual({
      attempts: 1,
      status: 'delivered',
    });
  });

  it('acks without sending when the endpoint was deleted', async () => {
    const { deps, message, collector } = setup('/deleted-endpoint');
    deps.endpoints.items.clear();
    expect(await dispatchDelivery(deps, message, FIRST, collector)).toEqual({
      action: 'ack',
      reason: 'endpoint_deleted',
    });
    expect(receiver.to('/deleted-endpoint')).toHaveLength(0);
  });

  it('dead-letters without sending, and without using an attempt, when the endpoint is disabled', async () => {
    const { deps, endpoint, message, collector } = setup('/disabled-endpoint');
    await deps.endpoints.disable(endpoint, 'by operator', new Date().toISOString());
    expect(await dispatchDelivery(deps, message, FIRST, collector)).toEqual({
      action: 'ack',
      reason: 'dead_lettered',
    });
    expect(receiver.to('/disabled-endpoint')).toHaveLength(0);
    expect(deps.deadLetters.sent[0]?.reason).toEqual({ reason: 'endpoint_disabled', attempts: 0 });
  });

  it('disables the endpoint and dead-letters at once on 410 Gone', async () => {
    receiver.behave('/gone', () => ({ status: 410 }));
    const { deps, endpoint, message, collector } = setup('/gone');
    expect(await dispatchDelivery(deps, message, FIRST, collector)).toEqual({
      action: 'ack',
      reason: 'dead_lettered',
    });
    expect(deps.endpoints.items.get(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: 'gone',
    });
    expect(deps.deadLetters.sent[0]?.reason).toMatchObject({
      reason: 'endpoint_gone',
      lastStatus: 410,
    });
  });

  it('opens the circuit on a sustained failure rate and holds deliveries back without attempts', async () => {
    // Prepare
    receiver.behave('/dead', () => ({ status: 502 }));
    const { deps, message, collector } = setup('/dead', {
      circuit: { threshold: 2, failureRatePercent: 50, cooldownMs: 30_000 },
      maxAttempts: 10,
    });
    const other = { ...message, eventId: 'msg_dead_other' };

    // Act
    const first = await dispatchDelivery(deps, message, FIRST, collector);
    await dispatchDelivery(deps, carried(first), FIRST, collector);
    const sentBefore = receiver.to('/dead').length;
    const deferred = await dispatchDelivery(deps, other, FIRST, collector);

    // Assess
    expect(deferred).toMatchObject({
      action: 'wait',
      cause: 'circuit_open',
      message: { eventId: other.eventId, skipped: 1 },
    });
    // Waits what a failed first try would have: the schedule's first delay.
    expect(deferred).toMatchObject({ delaySeconds: 60 });
    expect(receiver.to('/dead')).toHaveLength(sentBefore);
    expect(deps.deliveries.items.has(`${other.eventId}|${other.endpointId}`)).toBe(false);
  });

  it('never holds a delivery back longer than its own next retry delay', async () => {
    // Prepare: a 5-minute cool-down, but the endpoint retries after 10 s
    receiver.behave('/dead-fast-retries', () => ({ status: 502 }));
    const { deps, endpoint, message, collector } = setup('/dead-fast-retries', {
      circuit: { threshold: 1, failureRatePercent: 50, cooldownMs: 300_000 },
    });
    deps.endpoints.items.set(endpoint.id, { ...endpoint, retrySchedule: ['10s'], maxAttempts: 5 });

    // Act
    await dispatchDelivery(deps, message, FIRST, collector);
    const held = await dispatchDelivery(
      deps,
      { ...message, eventId: 'msg_held' },
      FIRST,
      collector,
    );

    // Assess
    expect(held).toMatchObject({ action: 'wait', cause: 'circuit_open', delaySeconds: 10 });
  });

  it('dead-letters a delivery whose schedule ran out while the circuit held it back', async () => {
    // Prepare
    receiver.behave('/dead-for-good', () => ({ status: 500 }));
    let now = Date.now();
    const { deps, message, collector } = setup('/dead-for-good', {
      circuit: { threshold: 1, failureRatePercent: 50, cooldownMs: 600_000 },
      scheduleMs: [1000, 2000],
      maxAttempts: 3,
    });
    const clocked = { ...deps, now: () => now };
    await dispatchDelivery(clocked, { ...message, eventId: 'msg_opener' }, FIRST, collector);
    // Other deliveries to the endpoint take every probe of the half-open circuit.
    deps.health.acquireProbe = async () => false;

    // Act: held back until the schedule (1 s + 2 s, at most +20 %, plus a minute) has run out
    let decision = await dispatchDelivery(clocked, message, FIRST, collector);
    const waits: number[] = [];
    while (decision.action === 'wait') {
      waits.push(decision.delaySeconds);
      now += decision.delaySeconds * 1000;
      decision = await dispatchDelivery(clocked, decision.message, FIRST, collector);
    }

    // Assess
    expect(decision).toEqual({ action: 'ack', reason: 'dead_lettered' });
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(64);
    expect(deps.deadLetters.sent.at(-1)?.reason).toMatchObject({
      reason: 'circuit_open',
      attempts: 0,
    });
    expect(deps.deadLetters.sent.at(-1)?.reason.skipped).toBeGreaterThanOrEqual(1);
    expect(receiver.to('/dead-for-good').map((r) => r.headers['webhook-id'])).not.toContain(
      message.eventId,
    );
  });

  it('lets a probe through a cooled circuit and closes it when the probe succeeds', async () => {
    // Prepare
    let healthy = false;
    receiver.behave('/recovering', () => ({ status: healthy ? 200 : 500 }));
    let now = Date.now();
    const { deps, message, collector } = setup('/recovering', {
      circuit: { threshold: 1, failureRatePercent: 50, cooldownMs: 1000 },
    });
    const clocked = { ...deps, now: () => now };
    await dispatchDelivery(clocked, message, FIRST, collector);
    healthy = true;
    now += 1500;

    // Act
    const probe = await dispatchDelivery(
      clocked,
      { ...message, eventId: 'msg_probe' },
      FIRST,
      collector,
    );
    const after = await dispatchDelivery(
      clocked,
      { ...message, eventId: 'msg_after' },
      FIRST,
      collector,
    );

    // Assess
    expect(probe).toEqual({ action: 'ack', reason: 'delivered' });
    expect(after).toEqual({ action: 'ack', reason: 'delivered' });
    expect(await deps.health.circuit(message.endpointId)).toEqual({});
  });

  it('waits out a 12 h retry in hops of at most 15 minutes, trying only when it is due', async () => {
    // Prepare
    receiver.behave('/twelve-hours', () => ({ status: 500 }));
    let now = Date.now();
    const { deps, endpoint, message, collector } = setup('/twelve-hours');
    deps.endpoints.items.set(endpoint.id, { ...endpoint, retrySchedule: ['12h'], maxAttempts: 2 });
    const clocked = { ...deps, now: () => now };

    // Act
    const failed = await dispatchDelivery(clocked, message, FIRST, collector);
    const due = now + 43_200_000;
    const hops: number[] = [];
    let decision = failed;
    now += 900_000; // SQS delays the re-sent message by 15 minutes at most
    decision = await dispatchDelivery(clocked, carried(decision), FIRST, collector);
    while (decision.action === 'wait' && decision.cause === 'not_due') {
      hops.push(decision.delaySeconds);
      now += Math.min(900, decision.delaySeconds) * 1000;
      decision = await dispatchDelivery(clocked, carried(decision), FIRST, collector);
    }

    // Assess
    expect(failed).toMatchObject({
      action: 'wait',
      delaySeconds: 43_200,
      message: { notBefore: due },
    });
    expect(hops).toHaveLength(47);
    expect(now).toBe(due);
    expect(decision).toEqual({ action: 'ack', reason: 'dead_lettered' });
    expect(receiver.to('/twelve-hours')).toHaveLength(2);
  });

  it('defers deliveries over the endpoint rate limit without using attempts', async () => {
    // Prepare
    const { deps, endpoint, message, collector } = setup('/limited');
    deps.endpoints.items.set(endpoint.id, { ...endpoint, rateLimitPerSecond: 2 });
    const now = Date.parse('2026-11-27T12:00:00.100Z');
    const clocked = { ...deps, now: () => now };

    // Act
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      decisions.push(
        await dispatchDelivery(clocked, { ...message, eventId: `msg_rl_${i}` }, FIRST, collector),
      );
    }

    // Assess
    expect(decisions.map((d) => d.action)).toEqual(['ack', 'ack', 'wait', 'wait']);
    expect(decisions[2]).toMatchObject({ cause: 'rate_limited' });
    expect(receiver.to('/limited')).toHaveLength(2);
    expect(deps.deliveries.items.size).toBe(0);
  });

  it('uses the endpoint’s own retry schedule and attempt limit', async () => {
    receiver.behave('/custom', () => ({ status: 500 }));
    const { deps, endpoint, message, collector } = setup('/custom');
    deps.endpoints.items.set(endpoint.id, { ...endpoint, retrySchedule: ['10s'], maxAttempts: 2 });
    const first = await dispatchDelivery(deps, message, FIRST, collector);
    expect(first).toMatchObject({ action: 'wait', cause: 'failed', delaySeconds: 10 });
    expect(await dispatchDelivery(deps, carried(first), FIRST, collector)).toEqual({
      action: 'ack',
      reason: 'dead_lettered',
    });
  });

  it('reports every attempt, and disables an endpoint that kept failing past the window', async () => {
    // Prepare
    receiver.behave('/failing-for-days', () => ({ status: 500 }));
    let now = Date.now();
    const { deps, endpoint, message, collector } = setup('/failing-for-days', {
      autoDisableAfterMs: 5000,
      maxAttempts: 10,
    });
    const clocked = { ...deps, now: () => now };

    // Act
    const first = await dispatchDelivery(clocked, message, FIRST, collector);
    now += 6000;
    const later = await dispatchDelivery(
      clocked,
      { ...message, eventId: 'msg_later' },
      FIRST,
      collector,
    );

    // Assess
    expect(first.action).toBe('wait');
    expect(later).toEqual({ action: 'ack', reason: 'dead_lettered' });
    expect(deps.endpoints.items.get(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: 'failing',
    });
    expect(deps.observer.attempts.map((a) => a.ok)).toEqual([false, false]);
    expect(deps.observer.events.map((e) => e.type)).toEqual(['disabled', 'dead_lettered']);
    expect(deps.observer.events[0]?.detail).toMatchObject({ reason: 'failing', lastStatus: 500 });
  });

  it('reports recovery when a probe succeeds after the circuit opened', async () => {
    let healthy = false;
    receiver.behave('/comes-back', () => ({ status: healthy ? 200 : 503 }));
    let now = Date.now();
    const { deps, message, collector } = setup('/comes-back', {
      circuit: { threshold: 1, failureRatePercent: 50, cooldownMs: 1000 },
    });
    const clocked = { ...deps, now: () => now };
    await dispatchDelivery(clocked, message, FIRST, collector);
    healthy = true;
    now += 1500;
    await dispatchDelivery(clocked, { ...message, eventId: 'msg_back' }, FIRST, collector);
    expect(deps.observer.events.map((e) => e.type)).toEqual(['recovered']);
  });

  it('lets the next probe through at once after a failed probe reopened the circuit', async () => {
    // Prepare
    receiver.behave('/still-down', () => ({ status: 502 }));
    let now = Date.now();
    const { deps, message, collector } = setup('/still-down', {
      circuit: { threshold: 1, failureRatePercent: 50, cooldownMs: 1000 },
      maxAttempts: 10,
    });
    const clocked = { ...deps, now: () => now };
    await dispatchDelivery(clocked, message, FIRST, collector);
    now += 1500;
    await dispatchDelivery(clocked, { ...message, eventId: 'msg_probe_1' }, FIRST, collector);
    now += 2500; // past the doubled cool-down, well inside the first probe's lease

    // Act
    const secondProbe = await dispatchDelivery(
      clocked,
      { ...message, eventId: 'msg_probe_2' },
      FIRST,
      collector,
    );

    // Assess
    expect(secondProbe).toMatchObject({ action: 'wait', cause: 'failed' });
    expect(receiver.to('/still-down').map((r) => r.headers['webhook-id'])).toContain('msg_probe_2');
  });
});

import { describe, expect, it } from 'vitest';
import {
  MemoryAttemptLog,
  MemoryEndpoints,
  MemoryEvents,
  MemoryFeeds,
  MemoryIdempotency,
  MemoryObserver,
  MemoryQueue,
} from '../../lambda/adapters/memory/stores';
import { exampleOf } from '../../lambda/domain/catalog';
import {
  DependencyError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
} from '../../lambda/domain/errors';
import { parseEventInput } from '../../lambda/domain/event';
import { RecordedFeedWriter } from '../../lambda/domain/feed';
import {
  IDEMPOTENCY_LOCK_MS,
  type PublishDependencies,
  type PublishResult,
  publishEvents,
} from '../../lambda/domain/publish';
import { anEndpoint } from '../support/records';

function setup() {
  let now = Date.parse('2026-11-27T12:00:00Z');
  const clock = () => now;
  const feeds = new MemoryFeeds(clock);
  const attemptLog = new MemoryAttemptLog();
  const deps = {
    endpoints: new MemoryEndpoints(),
    events: new MemoryEvents(),
    idempotency: new MemoryIdempotency(),
    queue: new MemoryQueue(),
    feeds: new RecordedFeedWriter({
      feeds,
      attemptLog,
      newObserver: () => new MemoryObserver(),
      now: clock,
      onLogFailure: (error) => {
        throw error;
      },
    }),
    now: clock,
  };
  return { deps, feeds, attemptLog, advance: (ms: number) => (now += ms) };
}

const input = (type = 'invoice.paid', extra: Record<string, unknown> = {}) =>
  parseEventInput({ type, data: exampleOf(type), ...extra });

async function publishOne(deps: PublishDependencies, ...args: Parameters<typeof input>) {
  const [outcome] = await publishEvents(deps, [{ input: input(...args) }]);
  return outcome as PublishResult;
}

describe('publishing fans out by tenant and type filter', () => {
  it('queues one delivery per enabled, matching endpoint of the event tenant only', async () => {
    // Prepare
    const { deps } = setup();
    const all = anEndpoint({ tenant: 'acme' });
    const invoices = anEndpoint({ tenant: 'acme', eventTypes: ['invoice.*'] });
    const customers = anEndpoint({ tenant: 'acme', eventTypes: ['customer.created'] });
    const disabled = anEndpoint({ tenant: 'acme', enabled: false });
    const otherTenant = anEndpoint({ tenant: 'globex' });
    for (const e of [all, invoices, customers, disabled, otherTenant])
      await deps.endpoints.create(e);

    // Act
    const result = await publishOne(deps, 'invoice.paid', { tenant: 'acme' });

    // Assess
    expect(result.deliveries).toBe(2);
    expect(deps.queue.messages.map((m) => m.endpointId).sort()).toEqual(
      [all.id, invoices.id].sort(),
    );
    expect((await deps.events.get(result.id, 'acme'))?.endpointIds).toHaveLength(2);
    expect(result.id).toMatch(/^msg_[0-9A-Z]{26}$/);
  });

  it('puts a polling endpoint’s deliveries in its feed, in request order, recorded as delivered', async () => {
    // Prepare
    const { deps, feeds, attemptLog } = setup();
    const push = anEndpoint({ tenant: 'acme' });
    const polling = anEndpoint({ tenant: 'acme', type: 'polling', url: undefined });
    const pollingOtherTypes = anEndpoint({
      tenant: 'acme',
      type: 'polling',
      url: undefined,
      eventTypes: ['customer.*'],
    });
    for (const e of [push, polling, pollingOtherTypes]) await deps.endpoints.create(e);
    const requests = ['invoice.paid', 'customer.created', 'invoice.payment_failed'].map((type) => ({
      input: input(type, { tenant: 'acme' }),
    }));

    // Act
    const outcomes = (await publishEvents(deps, requests)) as PublishResult[];

    // Assess
    expect(outcomes.map((o) => o.deliveries)).toEqual([2, 3, 2]);
    expect(deps.queue.messages.every((m) => m.endpointId === push.id)).toBe(true);
    expect(feeds.all(polling.id).map((item) => [item.seq, item.eventId])).toEqual(
      outcomes.map((o, index) => [index + 1, o.id]),
    );
    expect(feeds.all(pollingOtherTypes.id).map((item) => item.type)).toEqual(['customer.created']);
    const body = JSON.parse(feeds.all(polling.id)[0]?.body ?? '{}');
    expect(body).toMatchObject({ type: 'invoice.paid', data: exampleOf('invoice.paid') });
    expect(
      attemptLog.entries.map((row) => [row.endpointId, row.outcome, row.attempts.length]),
    ).toEqual(
      expect.arrayContaining([
        [polling.id, 'delivered', 3],
        [pollingOtherTypes.id, 'delivered', 1],
      ]),
    );
  });

  it('stores the event even when nobody subscribes, and queues nothing', async () => {
    const { deps } = setup();
    const result = await publishOne(deps, 'customer.created');
    expect(result.deliveries).toBe(0);
    expect(await deps.events.get(result.id, 'default')).toBeDefined();
    expect(deps.queue.messages).toHaveLength(0);
  });

  it('reads each tenant’s endpoints once per batch', async () => {
    const { deps } = setup();
    await deps.endpoints.create(anEndpoint({ tenant: 'acme' }));
    const requests = Array.from({ length: 30 }, () => ({
      input: input('invoice.paid', { tenant: 'acme' }),
    }));
    await publishEvents(deps, requests);
    expect(deps.endpoints.reads).toBe(1);
    expect(deps.queue.messages).toHaveLength(30);
  });
});

describe('idempotent publishing', () => {
  it('returns the first result for a repeated key and creates nothing new', async () => {
    // Prepare
    const { deps } = setup();
    await deps.endpoints.create(anEndpoint());
    const request = { input: input(), idempotency: { route: 'events', key: 'k-1' } } as const;

    // Act
    const [first] = await publishEvents(deps, [request]);
    const [second] = await publishEvents(deps, [request]);

    // Assess
    expect(second).toEqual({ ...(first as PublishResult), duplicate: true });
    expect(deps.queue.messages).toHaveLength(1);
    expect(deps.events.items.size).toBe(1);
  });

  it('treats a publisher-supplied id as the key, and refuses it with another body', async () => {
    const { deps } = setup();
    const [first] = await publishEvents(deps, [{ input: input('invoice.paid', { id: 'evt_42' }) }]);
    const [again] = await publishEvents(deps, [{ input: input('invoice.paid', { id: 'evt_42' }) }]);
    const [other] = await publishEvents(deps, [
      { input: input('invoice.paid', { id: 'evt_42', timestamp: '2026-01-01T00:00:00Z' }) },
    ]);
    expect((first as PublishResult).id).toBe('evt_42');
    expect((again as PublishResult).duplicate).toBe(true);
    expect(other).toBeInstanceOf(IdempotencyConflictError);
  });

  it('keeps a supplied id per tenant: another tenant’s same id is its own event', async () => {
    // Prepare
    const { deps } = setup();
    await publishEvents(deps, [{ input: input('invoice.paid', { id: 'evt_7', tenant: 'a' }) }]);

    // Act
    const [other] = await publishEvents(deps, [
      { input: input('customer.created', { id: 'evt_7', tenant: 'b' }) },
    ]);

    // Assess
    expect((other as PublishResult).duplicate).toBe(false);
    expect((await deps.events.get('evt_7', 'a'))?.type).toBe('invoice.paid');
    expect((await deps.events.get('evt_7', 'b'))?.type).toBe('customer.created');
  });

  it('refuses a supplied id reused with another body after its idempotency record expired', async () => {
    // Prepare
    const { deps } = setup();
    await publishEvents(deps, [{ input: input('invoice.paid', { id: 'evt_old' }) }]);
    deps.idempotency.items.clear();

    // Act
    const [reused] = await publishEvents(deps, [
      { input: input('invoice.paid', { id: 'evt_old', timestamp: '2026-01-01T00:00:00Z' }) },
    ]);
    const [repeated] = await publishEvents(deps, [
      { input: input('invoice.paid', { id: 'evt_old' }) },
    ]);

    // Assess
    expect(reused).toBeInstanceOf(IdempotencyConflictError);
    expect((repeated as PublishResult).duplicate).toBe(true);
    expect(deps.queue.messages).toHaveLength(0);
  });

  it('answers in-progress while another request holds the key', async () => {
    const { deps } = setup();
    await deps.idempotency.claim({
      key: 'events#default#k-2',
      eventId: 'msg_held',
      requestHash: (await import('../../lambda/domain/event')).requestHash(input()),
      lockedUntil: deps.now() + 10_000,
    });
    const [outcome] = await publishEvents(deps, [
      { input: input(), idempotency: { route: 'events', key: 'k-2' } },
    ]);
    expect(outcome).toBeInstanceOf(IdempotencyInProgressError);
  });

  it('after a failed publish, a retry with the same key finishes it under the same event id', async () => {
    // Prepare
    const { deps, advance } = setup();
    await deps.endpoints.create(anEndpoint());
    deps.events.failNextPut = true;
    const request = { input: input(), idempotency: { route: 'events', key: 'k-3' } } as const;

    // Act
    const failure = await publishEvents(deps, [request]).catch((e: unknown) => e);
    advance(IDEMPOTENCY_LOCK_MS / 10);
    const [retry] = await publishEvents(deps, [request]);

    // Assess
    expect(failure).toBeInstanceOf(DependencyError);
    const claimed = deps.idempotency.items.get('events#default#k-3');
    expect((retry as PublishResult).id).toBe(claimed?.eventId);
    expect((retry as PublishResult).duplicate).toBe(false);
    expect(await deps.events.get((retry as PublishResult).id, 'default')).toBeDefined();
    // at-least-once: the crashed attempt's deliveries may repeat, under the same webhook-id
    expect(new Set(deps.queue.messages.map((m) => m.eventId))).toEqual(new Set([claimed?.eventId]));
  });
});

describe('a batch with an Idempotency-Key is one idempotent request', () => {
  const batchOf = (count: number, tenant = 'acme') =>
    Array.from({ length: count }, () => ({ input: input('invoice.paid', { tenant }) }));

  it('writes one idempotency record for 100 events and answers a retry with the same ids', async () => {
    // Prepare
    const { deps } = setup();
    await deps.endpoints.create(anEndpoint({ tenant: 'acme' }));
    const requests = batchOf(100);
    const batch = { scope: '', key: 'nightly-export-7' };

    // Act
    const first = (await publishEvents(deps, requests, batch)) as PublishResult[];
    const retry = (await publishEvents(deps, requests, batch)) as PublishResult[];

    // Assess
    expect(deps.idempotency.items.size).toBe(1);
    expect(first.every((r) => !r.duplicate && r.deliveries === 1)).toBe(true);
    expect(retry.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(retry.every((r) => r.duplicate)).toBe(true);
    expect(deps.queue.messages).toHaveLength(100);
  });

  it('refuses the key with another batch, and keeps keys of two tenants apart', async () => {
    // Prepare
    const { deps } = setup();
    await publishEvents(deps, batchOf(2, 'acme'), { scope: 'acme', key: 'k1' });

    // Act
    const changed = await publishEvents(deps, batchOf(3, 'acme'), { scope: 'acme', key: 'k1' });
    const otherTenant = await publishEvents(deps, batchOf(2, 'globex'), {
      scope: 'globex',
      key: 'k1',
    });

    // Assess
    expect(changed.every((o) => o instanceof IdempotencyConflictError)).toBe(true);
    expect(otherTenant.every((o) => !(o as PublishResult).duplicate)).toBe(true);
  });

  it('after a failed publish, a retry finishes the batch under the same event ids', async () => {
    // Prepare
    const { deps } = setup();
    await deps.endpoints.create(anEndpoint({ tenant: 'acme' }));
    const requests = batchOf(3);
    const batch = { scope: '', key: 'k-crash' };
    deps.events.failNextPut = true;
    await expect(publishEvents(deps, requests, batch)).rejects.toBeInstanceOf(DependencyError);
    const queuedBeforeCrash = deps.queue.messages.map((m) => m.eventId);

    // Act
    const retry = (await publishEvents(deps, requests, batch)) as PublishResult[];

    // Assess
    expect(retry.map((r) => r.id)).toEqual(queuedBeforeCrash);
    expect(retry.every((r) => !r.duplicate)).toBe(true);
  });

  it('puts the events of one tenant and timestamp on one page, in request order', async () => {
    // Prepare
    const { deps } = setup();
    const requests = [...batchOf(3, 'acme'), ...batchOf(2, 'globex')];

    // Act
    const results = (await publishEvents(deps, requests)) as PublishResult[];

    // Assess
    const pages = results.map((r) => r.id.slice(0, 28));
    expect(new Set(pages.slice(0, 3)).size).toBe(1);
    expect(new Set(pages.slice(3)).size).toBe(1);
    expect(pages[0]).not.toBe(pages[3]);
    expect(results.map((r) => r.id.slice(28))).toEqual(['00', '01', '02', '00', '01']);
  });
});

describe('deliveries are queued one endpoint after another', () => {
  it('puts each endpoint’s deliveries side by side, in event order', async () => {
    // Prepare
    const { deps } = setup();
    const endpoints = [anEndpoint({ tenant: 'acme' }), anEndpoint({ tenant: 'acme' })];
    for (const endpoint of endpoints) await deps.endpoints.create(endpoint);
    const requests = Array.from({ length: 3 }, () => ({
      input: input('invoice.paid', { tenant: 'acme' }),
    }));

    // Act
    const results = (await publishEvents(deps, requests)) as PublishResult[];

    // Assess
    const queued = deps.queue.messages.map((m) => `${m.endpointId} ${m.eventId}`);
    const [first, second] = endpoints.map((e) => e.id).sort();
    expect(queued).toEqual(
      [first, second].flatMap((endpointId) => results.map((r) => `${endpointId} ${r.id}`)),
    );
  });
});

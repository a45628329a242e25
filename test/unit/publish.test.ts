import { describe, expect, it } from 'vitest';
import {
  MemoryEndpoints,
  MemoryEvents,
  MemoryIdempotency,
  MemoryQueue,
} from '../../lambda/adapters/memory/stores';
import { exampleOf } from '../../lambda/domain/catalog';
import {
  DependencyError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
} from '../../lambda/domain/errors';
import { parseEventInput } from '../../lambda/domain/event';
import {
  IDEMPOTENCY_LOCK_MS,
  type PublishDependencies,
  type PublishResult,
  publishEvents,
} from '../../lambda/domain/publish';
import { anEndpoint } from '../support/records';

function setup() {
  let now = Date.parse('2026-11-27T12:00:00Z');
  const deps = {
    endpoints: new MemoryEndpoints(),
    events: new MemoryEvents(),
    idempotency: new MemoryIdempotency(),
    queue: new MemoryQueue(),
    now: () => now,
  };
  return { deps, advance: (ms: number) => (now += ms) };
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
    expect(deps.events.items.get(result.id)?.endpointIds).toHaveLength(2);
    expect(result.id).toMatch(/^msg_[0-9A-Z]{26}$/);
  });

  it('stores the event even when nobody subscribes, and queues nothing', async () => {
    const { deps } = setup();
    const result = await publishOne(deps, 'customer.created');
    expect(result.deliveries).toBe(0);
    expect(deps.events.items.has(result.id)).toBe(true);
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
    const request = { input: input(), idempotencyKey: 'k-1' };

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
      { input: input('invoice.paid', { id: 'evt_42', tenant: 'acme' }) },
    ]);
    expect((first as PublishResult).id).toBe('evt_42');
    expect((again as PublishResult).duplicate).toBe(true);
    expect(other).toBeInstanceOf(IdempotencyConflictError);
  });

  it('answers in-progress while another request holds the key', async () => {
    const { deps } = setup();
    await deps.idempotency.claim({
      key: 'key#k-2',
      eventId: 'msg_held',
      requestHash: (await import('../../lambda/domain/event')).requestHash(input()),
      lockedUntil: deps.now() + 10_000,
    });
    const [outcome] = await publishEvents(deps, [{ input: input(), idempotencyKey: 'k-2' }]);
    expect(outcome).toBeInstanceOf(IdempotencyInProgressError);
  });

  it('after a failed publish, a retry with the same key finishes it under the same event id', async () => {
    // Prepare
    const { deps, advance } = setup();
    await deps.endpoints.create(anEndpoint());
    deps.events.failNextPut = true;
    const request = { input: input(), idempotencyKey: 'k-3' };

    // Act
    const failure = await publishEvents(deps, [request]).catch((e: unknown) => e);
    advance(IDEMPOTENCY_LOCK_MS / 10);
    const [retry] = await publishEvents(deps, [request]);

    // Assess
    expect(failure).toBeInstanceOf(DependencyError);
    const claimed = deps.idempotency.items.get('key#k-3');
    expect((retry as PublishResult).id).toBe(claimed?.eventId);
    expect((retry as PublishResult).duplicate).toBe(false);
    expect(deps.events.items.has((retry as PublishResult).id)).toBe(true);
    // at-least-once: the crashed attempt's deliveries may repeat, under the same webhook-id
    expect(new Set(deps.queue.messages.map((m) => m.eventId))).toEqual(new Set([claimed?.eventId]));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { type ReceivedRequest, Receiver, waitFor } from '../support/receiver';
import { verifyDelivery } from '../support/webhooks';

interface CreatedEndpoint {
  id: string;
  url: string;
  secret: string;
}

const ENV = {
  HOOKLINE_DELIVERY_TIMEOUT_SECONDS: '2',
  HOOKLINE_RETRY_SCHEDULE: '1s,1s',
  HOOKLINE_DISPATCHER_MAX_CONCURRENCY: '4',
};
const TENANT = 'crash';
const PATHS = ['/slow-a', '/slow-b'];
// Three rounds of the local dispatcher's 4 × 10 deliveries in flight, so that when the first
// answers arrive (and the process is killed) a whole round has not been sent yet.
const EVENTS = 60;
const TYPES = ['invoice.paid', 'customer.created', 'subscription.canceled'];
/** Answers slowly so that batches are in flight when the process dies. */
const ANSWER_DELAY_MS = 1500;

describe('the local dispatcher is killed mid-batch and restarted; nothing is lost', () => {
  let system: LocalSystem;
  let restarted: LocalSystem;
  let receiver: Receiver;
  const endpoints = new Map<string, CreatedEndpoint>();
  const eventIds: string[] = [];
  let acceptedBeforeKill = 0;
  let seenBeforeKill = 0;
  let inFlightAtKill = 0;
  let killExit: number | null | undefined;

  const pairs = (requests: readonly ReceivedRequest[]) =>
    new Set(requests.map((r) => `${String(r.headers['webhook-id'])} ${r.path}`));
  const expectedPairs = () =>
    new Set(eventIds.flatMap((id) => PATHS.map((path) => `${id} ${path}`)));

  beforeAll(async () => {
    // Prepare: a slow receiver, two endpoints, 40 events → 80 deliveries, more than the
    // local dispatcher holds in flight at once (4 batches of 10).
    receiver = await new Receiver().start();
    for (const path of PATHS) receiver.behave(path, () => ({ delayMs: ANSWER_DELAY_MS }));
    system = await startLocalSystem(ENV);
    for (const path of PATHS) {
      const response = await system.request('POST', '/v1/endpoints', {
        url: receiver.url(path),
        tenant: TENANT,
      });
      expect(response.status).toBe(201);
      endpoints.set(path, (await response.json()) as CreatedEndpoint);
    }
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const type = TYPES[i % TYPES.length] as string;
      return { type, tenant: TENANT, data: exampleOf(type) };
    });
    const response = await system.request('POST', '/v1/events/batch', { events });
    expect(response.status).toBe(202);
    const { results } = (await response.json()) as {
      results: { id: string; status: number; deliveries: number }[];
    };
    expect(results.map((r) => r.deliveries)).toEqual(events.map(() => PATHS.length));
    eventIds.push(...results.map((r) => r.id));

    // Act: kill the process without warning once some deliveries are done and others are
    // still waiting for the receiver's answer.
    const midway = await waitFor(
      () => receiver.accepted().length > 0 && receiver.requests.some((r) => r.status === undefined),
      30_000,
    );
    expect(midway).toBe(true);
    acceptedBeforeKill = pairs(receiver.accepted()).size;
    seenBeforeKill = pairs(receiver.requests).size;
    inFlightAtKill = receiver.requests.filter((r) => r.status === undefined).length;
    killExit = await system.stop('SIGKILL');

    // Act: start again over the same data dir.
    restarted = await startLocalSystem(ENV, system.dataDir);
  }, 60_000);

  afterAll(async () => {
    await system?.stop('SIGKILL');
    await restarted?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('was killed mid-way: some deliveries done, some in flight, some not yet sent', () => {
    // Assess
    expect(killExit).toBeNull(); // died by the signal, not by a clean exit
    expect(acceptedBeforeKill).toBeGreaterThan(0);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(seenBeforeKill).toBeLessThan(EVENTS * PATHS.length);
  });

  it('delivers every published event to every endpoint after the restart', async () => {
    // Act
    const expected = expectedPairs();
    const done = await waitFor(() => pairs(receiver.accepted()).size >= expected.size, 40_000);

    // Assess
    expect(done).toBe(true);
    expect(pairs(receiver.accepted())).toEqual(expected);
    for (const path of PATHS) {
      const ids = new Set(receiver.accepted(path).map((r) => String(r.headers['webhook-id'])));
      expect(ids).toEqual(new Set(eventIds));
    }
  }, 45_000);

  it('signs every delivery, before and after the crash, so standardwebhooks verifies it', () => {
    // Assess
    expect(receiver.requests.length).toBeGreaterThanOrEqual(EVENTS * PATHS.length);
    for (const request of receiver.requests) {
      const endpoint = endpoints.get(request.path) as CreatedEndpoint;
      const verified = verifyDelivery(endpoint.secret, request);
      expect(verified).toBeTruthy();
    }
  });

  it('repeats a delivery only under its own webhook-id, with the same body (at-least-once)', () => {
    // Assess: every request carries a published id, and all copies of one pair are equal
    const known = new Set(eventIds);
    const bodies = new Map<string, Set<string>>();
    for (const request of receiver.requests) {
      const id = String(request.headers['webhook-id']);
      expect(known.has(id), id).toBe(true);
      const key = `${id} ${request.path}`;
      bodies.set(key, (bodies.get(key) ?? new Set()).add(request.body));
    }
    for (const [key, seen] of bodies) expect(seen.size, key).toBe(1);
    const types = new Map(
      receiver.requests.map((r) => [String(r.headers['webhook-id']), JSON.parse(r.body).type]),
    );
    expect(eventIds.map((id) => types.get(id))).toEqual(
      eventIds.map((_, i) => TYPES[i % TYPES.length]),
    );
  });

  it('dead-letters nothing', async () => {
    // Act
    const response = await restarted.request('GET', '/v1/dead-letters?limit=100');

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: unknown[]; queueDepth: number };
    expect(body.data).toEqual([]);
    expect(body.queueDepth).toBe(0);
  });

  it('keeps endpoints and events across the restart, with their deliveries marked delivered', async () => {
    // Act
    for (const endpoint of endpoints.values()) {
      const response = await restarted.request('GET', `/v1/endpoints/${endpoint.id}`);

      // Assess
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: endpoint.id,
        url: endpoint.url,
        tenant: TENANT,
        enabled: true,
      });
    }
    const endpointIds = [...endpoints.values()].map((e) => e.id).sort();
    const statuses = new Map<string, string[]>();
    // The attempt log is written when a batch finishes, a moment after the receiver answered.
    const allDelivered = await waitFor(
      () =>
        statuses.size === EVENTS &&
        [...statuses.values()].every((s) => s.every((status) => status === 'delivered')),
      // Deliveries answered just before the kill are only recorded when they come back after
      // the queue's visibility timeout (2 + 10 + 5 s) and are delivered again.
      30_000,
      async () => {
        for (const id of eventIds) {
          if (statuses.get(id)?.every((s) => s === 'delivered')) continue;
          const response = await restarted.request('GET', `/v1/events/${id}`);
          expect(response.status).toBe(200);
          const event = (await response.json()) as {
            id: string;
            tenant: string;
            endpointIds: string[];
            deliveries: { endpointId: string; status: string }[];
          };
          expect(event.id).toBe(id);
          expect(event.tenant).toBe(TENANT);
          expect([...event.endpointIds].sort()).toEqual(endpointIds);
          statuses.set(
            id,
            event.deliveries.map((d) => d.status),
          );
        }
      },
    );
    expect(Object.fromEntries(statuses)).toEqual(
      Object.fromEntries(eventIds.map((id) => [id, ['delivered', 'delivered']])),
    );
    expect(allDelivered).toBe(true);
  }, 45_000);
});

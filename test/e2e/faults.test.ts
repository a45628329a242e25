import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { type Behaviour, Receiver, waitFor } from '../support/receiver';

/** One endpoint per way a receiver can misbehave, and what must become of its deliveries. */
const SCENARIOS: Record<string, { behaviour: Behaviour; expect: 'delivered' | string }> = {
  '/fails-twice': {
    behaviour: (_, seen) => ({ status: seen < 2 ? 500 : 204 }),
    expect: 'delivered',
  },
  '/throttles': {
    behaviour: (_, seen) => (seen === 0 ? { status: 429, headers: { 'retry-after': '2' } } : {}),
    expect: 'delivered',
  },
  '/always-500': { behaviour: () => ({ status: 500 }), expect: 'max_attempts' },
  '/hangs': { behaviour: () => ({ delayMs: 2500 }), expect: 'max_attempts' },
  '/resets': { behaviour: () => ({ reset: true }), expect: 'max_attempts' },
  '/redirects': {
    behaviour: () => ({ status: 302, headers: { location: '/fails-twice' } }),
    expect: 'max_attempts',
  },
  '/gone': { behaviour: () => ({ status: 410 }), expect: 'endpoint_gone|endpoint_disabled' },
};
const EVENTS = 6;
const MAX_ATTEMPTS = 4;

interface DeadLetter {
  eventId: string;
  endpointId: string;
  reason: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

describe('failure handling in local mode: nothing lost, nothing stuck', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  const endpointIds = new Map<string, string>();
  const eventIds: string[] = [];

  const deadLetters = async (): Promise<DeadLetter[]> => {
    const response = await system.request('GET', '/v1/dead-letters?limit=100');
    return ((await response.json()) as { data: DeadLetter[] }).data;
  };
  const pathOf = (endpointId: string) =>
    [...endpointIds].find(([, id]) => id === endpointId)?.[0] as string;
  const deliveredPairs = () =>
    new Set(receiver.accepted().map((r) => `${String(r.headers['webhook-id'])} ${r.path}`));

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem({
      HOOKLINE_RETRY_SCHEDULE: '1s,1s,1s',
      HOOKLINE_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      HOOKLINE_DELIVERY_TIMEOUT_SECONDS: '1',
      // The circuit breaker has its own tests; here every attempt must reach the receiver.
      HOOKLINE_CIRCUIT_BREAKER_THRESHOLD: '100',
      // Few deliveries at once, so the 410 disables the endpoint before all its events went.
      HOOKLINE_DISPATCHER_MAX_CONCURRENCY: '2',
    });
    for (const [path, scenario] of Object.entries(SCENARIOS)) {
      receiver.behave(path, scenario.behaviour);
      const response = await system.request('POST', '/v1/endpoints', {
        url: receiver.url(path),
        tenant: 'faults',
      });
      endpointIds.set(path, ((await response.json()) as { id: string }).id);
    }
    // One batch, so every event fans out to every endpoint before any answers 410.
    const events = Array.from({ length: EVENTS }, () => ({
      type: 'invoice.paid',
      tenant: 'faults',
      data: exampleOf('invoice.paid'),
    }));
    const response = await system.request('POST', '/v1/events/batch', { events });
    const { results } = (await response.json()) as {
      results: { id: string; deliveries: number }[];
    };
    expect(results.map((r) => r.deliveries)).toEqual(events.map(() => endpointIds.size));
    eventIds.push(...results.map((r) => r.id));
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('drains to exactly one outcome per (event, endpoint): delivered or dead-lettered with its reason', async () => {
    // Act: wait for the system to drain
    const expectedTotal = EVENTS * endpointIds.size;
    let letters: DeadLetter[] = [];
    const drained = await waitFor(
      () => deliveredPairs().size + letters.length >= expectedTotal,
      90_000,
      async () => {
        letters = await deadLetters();
      },
    );

    // Assess
    expect(drained).toBe(true);
    const delivered = deliveredPairs();
    const lettered = new Set(letters.map((l) => `${l.eventId} ${pathOf(l.endpointId)}`));
    expect(delivered.size + lettered.size).toBe(expectedTotal);
    for (const eventId of eventIds) {
      for (const [path, scenario] of Object.entries(SCENARIOS)) {
        const pair = `${eventId} ${path}`;
        if (scenario.expect === 'delivered') {
          expect(delivered.has(pair), pair).toBe(true);
          expect(lettered.has(pair), pair).toBe(false);
        } else {
          expect(lettered.has(pair), pair).toBe(true);
          expect(delivered.has(pair), pair).toBe(false);
        }
      }
    }
    for (const letter of letters) {
      const path = pathOf(letter.endpointId);
      expect(letter.reason).toMatch(new RegExp(`^(${SCENARIOS[path]?.expect})$`));
      if (letter.reason === 'max_attempts') expect(letter.attempts).toBe(MAX_ATTEMPTS);
    }
    const byPath = (path: string) => letters.find((l) => pathOf(l.endpointId) === path);
    expect(byPath('/always-500')?.lastStatus).toBe(500);
    expect(byPath('/redirects')?.lastStatus).toBe(302);
    expect(byPath('/hangs')?.lastError).toBe('timeout');
    expect(byPath('/resets')?.lastError).toMatch(/connection closed/);
    // The first 410 disables the endpoint; deliveries already in flight may see 410 too.
    const gone = letters.filter((l) => pathOf(l.endpointId) === '/gone');
    expect(gone.filter((l) => l.reason === 'endpoint_gone').length).toBeGreaterThanOrEqual(1);
    expect(gone.filter((l) => l.reason === 'endpoint_gone')).toHaveLength(
      receiver.to('/gone').length,
    );
  }, 120_000);

  it('never follows a redirect and waits out Retry-After', () => {
    const redirected = receiver.to('/redirects');
    expect(redirected.length).toBeGreaterThan(0);
    const throttled = receiver.to('/throttles');
    for (const eventId of eventIds) {
      const tries = throttled.filter((r) => r.headers['webhook-id'] === eventId);
      expect(tries.length).toBeGreaterThanOrEqual(2);
      expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    }
  });

  it('keeps retrying the same webhook-id and disables an endpoint that answered 410', async () => {
    const flaky = receiver.to('/fails-twice');
    expect(new Set(flaky.map((r) => r.headers['webhook-id']))).toEqual(new Set(eventIds));
    const gone = await system.request('GET', `/v1/endpoints/${endpointIds.get('/gone')}`);
    expect(await gone.json()).toMatchObject({ enabled: false, disabledReason: 'gone' });
    expect(receiver.to('/gone').length).toBeLessThan(EVENTS);
  });

  it('shows each endpoint’s delivery status on the event, and every attempt in the log', async () => {
    // Act
    const event = await (await system.request('GET', `/v1/events/${eventIds[0]}`)).json();
    const attemptsOf = async (path: string, status: string) =>
      (
        (await (
          await system.request(
            'GET',
            `/v1/endpoints/${endpointIds.get(path)}/attempts?status=${status}`,
          )
        ).json()) as {
          data: { eventId: string; status?: number; attempt?: number; error?: string }[];
        }
      ).data;
    const failed500 = await attemptsOf('/always-500', 'failed');
    const flakyDelivered = await attemptsOf('/fails-twice', 'delivered');
    const flakyFailed = await attemptsOf('/fails-twice', 'failed');

    // Assess
    const statusOf = (path: string) =>
      (
        event as { deliveries: { endpointId: string; status: string; reason?: string }[] }
      ).deliveries.find((d) => d.endpointId === endpointIds.get(path));
    expect(statusOf('/fails-twice')).toMatchObject({ status: 'delivered' });
    expect(statusOf('/throttles')).toMatchObject({ status: 'delivered' });
    expect(statusOf('/always-500')).toMatchObject({
      status: 'dead_lettered',
      reason: 'max_attempts',
      attempts: MAX_ATTEMPTS,
    });
    expect(failed500).toHaveLength(EVENTS * MAX_ATTEMPTS);
    expect(failed500.every((a) => a.status === 500 && a.error === 'HTTP 500')).toBe(true);
    expect(flakyDelivered.map((a) => a.eventId).sort()).toEqual([...eventIds].sort());
    expect(
      flakyFailed
        .filter((a) => a.eventId === eventIds[0])
        .map((a) => a.attempt)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('redrives every dead letter once the receivers are fixed, and all of them arrive', async () => {
    // Prepare
    receiver.heal();
    await system.request('PATCH', `/v1/endpoints/${endpointIds.get('/gone')}`, { enabled: true });
    const before = await deadLetters();

    // Act
    const started = await system.request('POST', '/v1/dead-letters/redrive', {});
    const job = (await started.json()) as { id: string };
    let status = '';
    await waitFor(
      () => status === 'completed',
      30_000,
      async () => {
        const response = await system.request('GET', `/v1/jobs/${job.id}`);
        status = ((await response.json()) as { status: string }).status;
      },
    );
    const allDelivered = await waitFor(
      () => deliveredPairs().size === EVENTS * endpointIds.size,
      60_000,
    );

    // Assess
    expect(started.status).toBe(202);
    expect(before.length).toBeGreaterThan(0);
    expect(allDelivered).toBe(true);
    expect(await deadLetters()).toEqual([]);
    const final = await system.request('GET', `/v1/jobs/${job.id}`);
    expect(await final.json()).toMatchObject({ status: 'completed', queued: before.length });
  }, 120_000);
});

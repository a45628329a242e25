/**
 * Flaky, dead and slow endpoints: every delivery settles on time, and an endpoint that fails
 * often but succeeds on retry keeps flowing, whatever the circuit does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDeadLetters, anEndpointAt, deliveredIds, publishBatch } from '../support/engine';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';

describe('settling flaky, dead and slow endpoints', () => {
  let system: LocalSystem;
  let receiver: Receiver;

  const anEndpoint = (path: string, tenant: string, extra?: Record<string, unknown>) =>
    anEndpointAt(system, receiver, path, tenant, extra);
  const publish = (tenant: string, count: number) => publishBatch(system, tenant, count);
  const distinctIds = (path: string) => deliveredIds(receiver, path);

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem({ HOOKLINE_RETRY_SCHEDULE: '1s,1s,1s' });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('delivers all 20 webhooks to an endpoint that takes each one on its third try, within 30 s', async () => {
    // Prepare
    receiver.behave('/third-time', (_, seen) => ({ status: seen < 2 ? 500 : 204 }));
    await anEndpoint('/third-time', 'flaky');

    // Act
    const ids = await publish('flaky', 20);
    const delivered = await waitFor(() => distinctIds('/third-time').size === 20, 30_000);

    // Assess
    expect(delivered).toBe(true);
    expect([...distinctIds('/third-time')].sort()).toEqual([...ids].sort());
  }, 40_000);

  it('dead-letters every delivery to a dead endpoint by the end of its retry schedule', async () => {
    // Prepare: retries after 1 s and 2 s, three attempts, 240 deliveries
    receiver.behave('/dead', () => ({ status: 500 }));
    const endpointId = await anEndpoint('/dead', 'dead', {
      retrySchedule: ['1s', '2s'],
      maxAttempts: 3,
    });
    const started = Date.now();

    // Act
    const ids = [
      ...(await publish('dead', 80)),
      ...(await publish('dead', 80)),
      ...(await publish('dead', 80)),
    ];
    // The schedule: 1 s + 2 s at most +20 % jitter, plus a minute.
    const settleWithin = 3600 + 60_000;
    let letters: Awaited<ReturnType<typeof allDeadLetters>> = [];
    const settled = await waitFor(
      () => letters.length === ids.length,
      settleWithin + 10_000,
      async () => {
        letters = await allDeadLetters(system, endpointId);
      },
    );

    // Assess
    expect(settled).toBe(true);
    expect(new Set(letters.map((l) => l.eventId))).toEqual(new Set(ids));
    const published = Date.now() - started;
    for (const letter of letters) {
      expect(['max_attempts', 'circuit_open']).toContain(letter.reason);
      expect(Date.parse(letter.deadLetteredAt) - started).toBeLessThanOrEqual(
        settleWithin + published,
      );
      expect(letter.attempts).toBeLessThanOrEqual(3);
    }
  }, 90_000);

  it('delivers everything to a slow but working endpoint, through the slow lane', async () => {
    // Prepare: answers in 3 s, beyond the main lane's 2 s, within the 15 s delivery timeout
    receiver.behave('/slow', () => ({ delayMs: 3000 }));
    await anEndpoint('/slow', 'slow');

    // Act
    const ids = await publish('slow', 10);
    const delivered = await waitFor(() => distinctIds('/slow').size === 10, 40_000);

    // Assess
    expect(delivered).toBe(true);
    expect([...distinctIds('/slow')].sort()).toEqual([...ids].sort());
  }, 50_000);
});

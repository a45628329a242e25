/**
 * The delivery engine at SQS's real limits, against the strict local SQS: visibility at most
 * 12 h from the receive, a (lowered) in-flight limit, and a low receive count before SQS
 * moves a message to the DLQ on its own. Each would have broken a deployment before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allDeadLetters,
  anEndpointAt,
  deliveredIds,
  localSqs,
  publishBatch,
  queueCounts,
} from '../support/engine';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';

const IN_FLIGHT_LIMIT = 60;
const CONCURRENCY = 3;
const BATCH = 10;

describe('the engine at SQS limits', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  let sqs: ReturnType<typeof localSqs>;

  const anEndpoint = (path: string, tenant: string, extra?: Record<string, unknown>) =>
    anEndpointAt(system, receiver, path, tenant, extra);
  const publish = (tenant: string, count: number) => publishBatch(system, tenant, count);
  const distinctIds = (path: string) => deliveredIds(receiver, path);

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem({
      HOOKLINE_DELIVERY_TIMEOUT_SECONDS: '2',
      // SQS moves a message received this often; deferrals must not count toward it.
      HOOKLINE_MAX_RECEIVE_COUNT: '3',
      HOOKLINE_SQS_IN_FLIGHT_LIMIT: String(IN_FLIGHT_LIMIT),
      HOOKLINE_DISPATCHER_MAX_CONCURRENCY: String(CONCURRENCY),
      HOOKLINE_SLOW_LANE_MAX_CONCURRENCY: '2',
    });
    sqs = localSqs(system);
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('honours a 12 h retry: the delivery waits out of flight, and nothing is tried early', async () => {
    // Prepare
    receiver.behave('/twelve-hours', () => ({ status: 500 }));
    await anEndpoint('/twelve-hours', 'twelve', { retrySchedule: ['12h'], maxAttempts: 2 });

    // Act
    const [eventId] = await publish('twelve', 1);
    expect(await waitFor(() => receiver.to('/twelve-hours').length === 1, 15_000)).toBe(true);
    await waitFor(() => false, 3000);

    // Assess: waiting, not in flight; one attempt, no error from SQS
    const counts = await queueCounts(sqs, system.queueUrls.delivery);
    expect(counts.inFlight).toBe(0);
    expect(counts.delayed).toBeGreaterThanOrEqual(1);
    expect(receiver.to('/twelve-hours')).toHaveLength(1);
    const event = await (await system.request('GET', `/v1/events/${eventId}`)).json();
    expect(event).toMatchObject({ deliveries: [{ status: 'retrying', attempts: 1 }] });
    expect(system.output()).not.toMatch(/VisibilityTimeout|delivery failed unexpectedly/);
  });

  it('drains a rate-limited backlog of thousands without one delivery reaching the backstop', async () => {
    // Prepare
    const endpointId = await anEndpoint('/limited', 'backlog', { rateLimitPerSecond: 100 });

    // Act
    for (let batch = 0; batch < 15; batch++) await publish('backlog', 100);
    const drained = await waitFor(() => distinctIds('/limited').size === 1500, 90_000);

    // Assess
    expect(drained).toBe(true);
    expect(await allDeadLetters(system, endpointId)).toEqual([]);
    const dlq = await queueCounts(sqs, system.queueUrls.deadLetter);
    expect(dlq.visible + dlq.inFlight).toBe(0);
  }, 120_000);

  it('keeps a dead endpoint’s waiting deliveries out of flight while a healthy one keeps delivering', async () => {
    // Prepare
    receiver.behave('/dead', () => ({ status: 500 }));
    await anEndpoint('/dead', 'inflight', { retrySchedule: ['20s'], maxAttempts: 5 });
    await anEndpoint('/healthy', 'inflight');
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await queueCounts(sqs, system.queueUrls.delivery)).inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // Act: sustained traffic, every event to both endpoints
    const published: string[] = [];
    for (let batch = 0; batch < 30; batch++) {
      published.push(...(await publish('inflight', 10)));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const healthyDone = await waitFor(() => distinctIds('/healthy').size === 300, 30_000);
    sampling = false;
    await sampler;
    const waiting = await queueCounts(sqs, system.queueUrls.delivery);

    // Assess: in flight only what the dispatchers are working on, far below SQS's limit
    expect(healthyDone).toBe(true);
    expect(peak).toBeLessThanOrEqual(CONCURRENCY * BATCH);
    expect(system.output()).not.toMatch(/OverLimit/);
    // The dead endpoint's deliveries wait as delayed messages (its circuit holds most back).
    expect(waiting.delayed).toBeGreaterThanOrEqual(250);
  }, 90_000);
});

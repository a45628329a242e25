import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { type ReceivedRequest, Receiver, waitFor } from '../support/receiver';
import { verifyDelivery } from '../support/webhooks';

interface CreatedEndpoint {
  id: string;
  secret: string;
}

interface Job {
  id: string;
  status: string;
  scanned: number;
  queued: number;
}

interface Published {
  id: string;
  index: number;
  type: string;
  timestamp: string;
}

const TENANT = 'replay';
const TYPES = ['invoice.paid', 'customer.created', 'subscription.canceled'];
const EVENTS = 12;
const START = Date.parse('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();
/** A and B take everything; C answers 500 to these events until they are dead-lettered. */
const PATHS = ['/a', '/b', '/c'] as const;
const FAILING_AT_C = [1, 5, 6, 9];
const STRAY_WAIT_MS = 1500;

describe('replaying a time range re-delivers exactly the events of that range and type filter, with their original webhook-id', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  const endpoints = new Map<string, CreatedEndpoint>();
  const published: Published[] = [];
  /** The body each endpoint got the first time it was sent each event. */
  const firstBodies = new Map<string, string>();

  const idOf = (index: number) => published[index]?.id as string;
  const endpointId = (path: string) => endpoints.get(path)?.id as string;
  const idsOf = (requests: readonly ReceivedRequest[]) =>
    requests.map((r) => String(r.headers['webhook-id'])).sort();
  const deadLettersOf = async (path: string) => {
    const response = await system.request(
      'GET',
      `/v1/dead-letters?limit=100&endpointId=${endpointId(path)}`,
    );
    return ((await response.json()) as { data: { eventId: string; reason: string }[] }).data;
  };
  const replay = (path: string, body: unknown, headers?: Record<string, string>) =>
    system.request('POST', `/v1/endpoints/${endpointId(path)}/replay`, body, headers);
  const untilCompleted = async (jobId: string): Promise<Job> => {
    let job: Job | undefined;
    await waitFor(
      () => job?.status === 'completed',
      20_000,
      async () => {
        job = (await (await system.request('GET', `/v1/jobs/${jobId}`)).json()) as Job;
      },
    );
    return job as Job;
  };
  const verifies = (request: ReceivedRequest) =>
    verifyDelivery(endpoints.get(request.path)?.secret as string, request);

  beforeAll(async () => {
    // Prepare: three endpoints of one tenant, all subscribed to everything; C fails a known
    // subset until those deliveries are dead-lettered.
    receiver = await new Receiver().start();
    receiver.behave('/c', (request) => {
      const { timestamp } = JSON.parse(request.body) as { timestamp: string };
      const index = (Date.parse(timestamp) - START) / 60_000;
      return { status: FAILING_AT_C.includes(index) ? 500 : 204 };
    });
    system = await startLocalSystem({
      HOOKLINE_MAX_ATTEMPTS: '2',
      HOOKLINE_RETRY_SCHEDULE: '1s',
      HOOKLINE_CIRCUIT_BREAKER_THRESHOLD: '100',
    });
    for (const path of PATHS) {
      const response = await system.request('POST', '/v1/endpoints', {
        url: receiver.url(path),
        tenant: TENANT,
      });
      expect(response.status).toBe(201);
      endpoints.set(path, (await response.json()) as CreatedEndpoint);
    }
    // Publisher-supplied timestamps one minute apart, types taking turns.
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const type = TYPES[i % TYPES.length] as string;
      return { type, tenant: TENANT, timestamp: at(i), data: exampleOf(type) };
    });
    const response = await system.request('POST', '/v1/events/batch', { events });
    expect(response.status).toBe(202);
    const { results } = (await response.json()) as {
      results: { id: string; timestamp: string; deliveries: number }[];
    };
    results.forEach((r, i) => {
      expect(r).toMatchObject({ timestamp: at(i), deliveries: PATHS.length });
      published.push({
        id: r.id,
        index: i,
        type: TYPES[i % TYPES.length] as string,
        timestamp: r.timestamp,
      });
    });

    // Wait for the original deliveries: A and B get all, C all but the failing ones,
    // which end up dead-lettered.
    let lettered = 0;
    const settled = await waitFor(
      () =>
        receiver.accepted('/a').length === EVENTS &&
        receiver.accepted('/b').length === EVENTS &&
        receiver.accepted('/c').length === EVENTS - FAILING_AT_C.length &&
        lettered === FAILING_AT_C.length,
      30_000,
      async () => {
        lettered = (await deadLettersOf('/c')).length;
      },
    );
    expect(settled).toBe(true);
    for (const request of receiver.requests) {
      const key = `${String(request.headers['webhook-id'])} ${request.path}`;
      if (!firstBodies.has(key)) firstBodies.set(key, request.body);
    }
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('re-delivers to A only the invoice events of [since, until), once each, byte-identical', async () => {
    // Prepare: invoices are at minutes 0, 3, 6 and 9; [3, 9) holds 3 and 6, not 9.
    const before = receiver.requests.length;
    const expected = [3, 6].map(idOf).sort();

    // Act
    const response = await replay('/a', {
      since: at(3),
      until: at(9),
      eventTypes: ['invoice.*'],
    });
    const started = (await response.json()) as Job;
    const job = await untilCompleted(started.id);
    const newTo = (path: string) => receiver.requests.slice(before).filter((r) => r.path === path);
    await waitFor(
      () => newTo('/a').filter((r) => r.status === 204).length >= expected.length,
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, STRAY_WAIT_MS));

    // Assess
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/jobs/${started.id}`);
    expect(job).toMatchObject({ status: 'completed', queued: expected.length, scanned: 6 });
    const again = newTo('/a');
    expect(idsOf(again)).toEqual(expected);
    expect(again.every((r) => r.status === 204)).toBe(true);
    for (const request of again) {
      const id = String(request.headers['webhook-id']);
      expect(request.body).toBe(firstBodies.get(`${id} /a`));
      expect(JSON.parse(request.body)).toMatchObject({
        type: 'invoice.paid',
        timestamp: published.find((p) => p.id === id)?.timestamp,
      });
      expect(verifies(request)).toBeTruthy();
    }
    expect(newTo('/b')).toEqual([]);
    expect(newTo('/c')).toEqual([]);
  }, 30_000);

  it('with onlyFailed re-delivers to C exactly its dead-lettered events, under their original webhook-id', async () => {
    // Prepare
    const before = receiver.requests.length;
    const failed = FAILING_AT_C.map(idOf).sort();
    expect((await deadLettersOf('/c')).map((l) => l.eventId).sort()).toEqual(failed);
    receiver.heal();

    // Act
    const response = await replay('/c', { since: at(0), until: at(EVENTS), onlyFailed: true });
    const started = (await response.json()) as Job;
    const job = await untilCompleted(started.id);
    const newTo = (path: string) => receiver.requests.slice(before).filter((r) => r.path === path);
    await waitFor(() => newTo('/c').length >= failed.length, 15_000);
    await new Promise((resolve) => setTimeout(resolve, STRAY_WAIT_MS));

    // Assess
    expect(response.status).toBe(202);
    expect(job).toMatchObject({ status: 'completed', queued: failed.length });
    const again = newTo('/c');
    expect(idsOf(again)).toEqual(failed);
    expect(again.every((r) => r.status === 204)).toBe(true);
    for (const request of again) {
      const id = String(request.headers['webhook-id']);
      expect(request.body).toBe(firstBodies.get(`${id} /c`));
      expect(verifies(request)).toBeTruthy();
    }
    expect(newTo('/a')).toEqual([]);
    expect(newTo('/b')).toEqual([]);
    expect(await deadLettersOf('/c')).toEqual([]);
    const view = await system.request('GET', `/v1/events/${idOf(FAILING_AT_C[0] as number)}`);
    const { deliveries } = (await view.json()) as {
      deliveries: { endpointId: string; status: string }[];
    };
    expect(deliveries.find((d) => d.endpointId === endpointId('/c'))?.status).toBe('delivered');
  }, 30_000);

  it('returns the same job for a repeated Idempotency-Key, and 409 for the key with another request', async () => {
    // Prepare: a range before any event, so the job re-delivers nothing.
    const body = { since: '2025-06-01T00:00:00Z', until: '2025-06-02T00:00:00Z' };
    const headers = { 'idempotency-key': 'replay-a-june' };
    const before = receiver.requests.length;

    // Act
    const first = await replay('/a', body, headers);
    const second = await replay('/a', body, headers);
    const other = await replay('/a', { ...body, eventTypes: ['invoice.*'] }, headers);
    const firstJob = (await first.json()) as Job;
    const secondJob = (await second.json()) as Job;
    const job = await untilCompleted(firstJob.id);

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(secondJob.id).toBe(firstJob.id);
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(job).toMatchObject({ status: 'completed', scanned: 0, queued: 0 });
    expect(receiver.requests.length).toBe(before);
  });

  it('answers 400 problem+json naming the field for a bad range or a missing since', async () => {
    // Act
    const reversed = await replay('/a', { since: at(9), until: at(3) });
    const missing = await replay('/a', { until: at(3) });

    // Assess
    expect(reversed.status).toBe(400);
    expect(reversed.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await reversed.json()).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: expect.stringMatching(/^\/(since|until)$/) })],
    });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await missing.json()).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: '/since' })],
    });
  });

  it('answers 404 for a replay to an endpoint that does not exist', async () => {
    // Act
    const response = await system.request(
      'POST',
      '/v1/endpoints/ep_01JZZZZZZZZZZZZZZZZZZZZZZZ/replay',
      { since: at(0), until: at(EVENTS) },
    );

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 404 });
  });
});

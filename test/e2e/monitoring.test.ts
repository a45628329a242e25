import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';

interface EmfLine {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** The Embedded Metric Format documents a process wrote to stdout. */
function emfLines(output: string): EmfLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

const values = (line: EmfLine, name: string): number[] => {
  const value = line[name];
  return value === undefined ? [] : Array.isArray(value) ? (value as number[]) : [value as number];
};

const sumOf = (lines: EmfLine[], name: string) =>
  lines.flatMap((l) => values(l, name)).reduce((a, b) => a + b, 0);

interface BusEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
}

async function busEvents(system: LocalSystem): Promise<BusEvent[]> {
  return (
    (await (await system.request('GET', '/_local/bus')).json()) as { data: BusEvent[] }
  ).data.filter((e) => e.source === 'hookline');
}

describe('delivery health: metrics, stats and operational events for a known scenario', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  const ids: Record<'healthy' | 'failing', { id: string; secret: string }> = {} as never;
  const counts = { 'invoice.paid': 5, 'customer.created': 3 };
  const total = 8;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    receiver.behave('/failing', () => ({ status: 500, body: 'database is down' }));
    system = await startLocalSystem({
      HOOKLINE_RETRY_SCHEDULE: '1s',
      HOOKLINE_MAX_ATTEMPTS: '2',
      HOOKLINE_CIRCUIT_BREAKER_THRESHOLD: '100',
    });
    for (const name of ['healthy', 'failing'] as const) {
      const response = await system.request('POST', '/v1/endpoints', {
        url: receiver.url(`/${name}`),
        tenant: 'mon',
      });
      ids[name] = (await response.json()) as { id: string; secret: string };
    }
    for (const [type, count] of Object.entries(counts)) {
      for (let i = 0; i < count; i++) {
        await system.request('POST', '/v1/events', { type, tenant: 'mon', data: exampleOf(type) });
      }
    }
    const settled = await waitFor(
      () =>
        receiver.accepted('/healthy').length === total &&
        receiver.to('/failing').length === 2 * total,
      30_000,
    );
    expect(settled).toBe(true);
    // The last dead letters are written just after the last failed attempt.
    await waitFor(() => false, 1500);
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('writes EMF per endpoint with the EndpointId dimension and the right values', () => {
    // Act
    const lines = emfLines(system.output());
    const forEndpoint = (id: string) => lines.filter((l) => l.EndpointId === id);
    const healthy = forEndpoint(ids.healthy.id);
    const failing = forEndpoint(ids.failing.id);

    // Assess
    for (const line of [...healthy, ...failing]) {
      const [metric] = line._aws.CloudWatchMetrics;
      expect(metric?.Namespace).toBe('Hookline');
      expect(metric?.Dimensions).toEqual([['service', 'EndpointId']]);
    }
    expect(sumOf(healthy, 'Attempts')).toBe(total);
    expect(sumOf(healthy, 'Successes')).toBe(total);
    expect(healthy.flatMap((l) => values(l, 'Failures'))).toEqual(Array(total).fill(0));
    expect(healthy.flatMap((l) => values(l, 'Latency'))).toHaveLength(total);
    expect(sumOf(failing, 'Attempts')).toBe(2 * total);
    expect(sumOf(failing, 'Successes')).toBe(0);
    expect(failing.flatMap((l) => values(l, 'Failures'))).toEqual(Array(2 * total).fill(1));
    expect(sumOf(failing, 'DeadLettered')).toBe(total);
    expect(sumOf(healthy, 'DeadLettered')).toBe(0);
  });

  it('counts events published by type, without the endpoint dimension', () => {
    const published = emfLines(system.output()).filter((l) => l.EventType !== undefined);
    for (const line of published) {
      expect(line._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'EventType']]);
      expect(line.EndpointId).toBeUndefined();
    }
    for (const [type, count] of Object.entries(counts)) {
      expect(
        sumOf(
          published.filter((l) => l.EventType === type),
          'EventsPublished',
        ),
      ).toBe(count);
    }
  });

  it('answers the stats route with the figures of the last hour and day', async () => {
    // Act
    const stats = async (id: string) =>
      (await (await system.request('GET', `/v1/endpoints/${id}/stats`)).json()) as Record<
        string,
        Record<string, unknown>
      >;
    const healthy = await stats(ids.healthy.id);
    const failing = await stats(ids.failing.id);

    // Assess
    for (const window of ['lastHour', 'lastDay']) {
      expect(healthy[window]).toMatchObject({
        attempts: total,
        delivered: total,
        failed: 0,
        successRatio: 1,
        deadLetters: 0,
      });
      expect(failing[window]).toMatchObject({
        attempts: 2 * total,
        delivered: 0,
        failed: 2 * total,
        successRatio: 0,
        deadLetters: total,
      });
      const latency = healthy[window]?.latencyMs as { p50: number; p95: number; p99: number };
      expect(latency.p50).toBeGreaterThanOrEqual(0);
      expect(latency.p99).toBeGreaterThanOrEqual(latency.p95);
      expect(latency.p95).toBeGreaterThanOrEqual(latency.p50);
    }
    expect(healthy.complete).toBe(true);
  });

  it('puts a dead-letter event with enough detail to act on the bus for each dead letter', async () => {
    const deadLettered = (await busEvents(system)).filter(
      (e) => e['detail-type'] === 'hookline.delivery.dead_lettered',
    );
    expect(deadLettered).toHaveLength(total);
    for (const event of deadLettered) {
      expect(event.detail).toMatchObject({
        endpointId: ids.failing.id,
        tenant: 'mon',
        reason: 'max_attempts',
        attempts: 2,
        lastStatus: 500,
        error: 'HTTP 500',
      });
      expect(event.detail.eventId).toMatch(/^msg_/);
    }
  });

  it('logs structured JSON with ids and never a secret or the API key', () => {
    const output = system.output();
    const logLines = output.split('\n').filter((l) => l.includes('"level"'));
    expect(logLines.some((l) => l.includes(ids.failing.id))).toBe(true);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
    for (const secret of [ids.healthy.secret, ids.failing.secret, system.apiKey]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(secret.slice(6, 30));
    }
  });
});

describe('auto-disable after failing for the configured time, and recovery', () => {
  let system: LocalSystem;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem({
      HOOKLINE_RETRY_SCHEDULE: '1s',
      HOOKLINE_MAX_ATTEMPTS: '50',
      HOOKLINE_CIRCUIT_BREAKER_THRESHOLD: '2',
      HOOKLINE_CIRCUIT_BREAKER_COOLDOWN_SECONDS: '1',
      HOOKLINE_AUTO_DISABLE_AFTER_SECONDS: '3',
    });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('disables an endpoint that failed for the whole window, and reports its recovery once healed', async () => {
    // Prepare
    let healthy = false;
    receiver.behave('/flapping', () => ({ status: healthy ? 204 : 503 }));
    const endpoint = (await (
      await system.request('POST', '/v1/endpoints', {
        url: receiver.url('/flapping'),
        tenant: 'auto',
      })
    ).json()) as { id: string };
    await system.request('POST', '/v1/events', {
      type: 'invoice.paid',
      tenant: 'auto',
      data: exampleOf('invoice.paid'),
    });

    // Act: keep failing past the 3 s window
    let state = { enabled: true, disabledReason: undefined as string | undefined };
    const disabled = await waitFor(
      () => !state.enabled,
      40_000,
      async () => {
        state = (await (
          await system.request('GET', `/v1/endpoints/${endpoint.id}`)
        ).json()) as typeof state;
      },
    );
    healthy = true;
    await system.request('PATCH', `/v1/endpoints/${endpoint.id}`, { enabled: true });
    await system.request('POST', '/v1/events', {
      type: 'invoice.paid',
      tenant: 'auto',
      data: exampleOf('invoice.paid'),
    });
    let events: BusEvent[] = [];
    await waitFor(
      () => events.some((e) => e['detail-type'] === 'hookline.endpoint.recovered'),
      30_000,
      async () => {
        events = await busEvents(system);
      },
    );

    // Assess
    expect(disabled).toBe(true);
    expect(state.disabledReason).toBe('failing');
    const disabledEvent = events.find((e) => e['detail-type'] === 'hookline.endpoint.disabled');
    expect(disabledEvent?.detail).toMatchObject({
      endpointId: endpoint.id,
      reason: 'failing',
      lastStatus: 503,
    });
    expect(Date.parse(String(disabledEvent?.detail.failingSince))).toBeLessThan(Date.now() - 3000);
    const letters = (await (
      await system.request('GET', `/v1/dead-letters?endpointId=${endpoint.id}`)
    ).json()) as { data: { reason: string }[] };
    expect(letters.data.map((l) => l.reason)).toEqual(['endpoint_disabled']);
    expect(
      events.find((e) => e['detail-type'] === 'hookline.endpoint.recovered')?.detail,
    ).toMatchObject({ endpointId: endpoint.id });
    expect(receiver.accepted('/flapping').length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

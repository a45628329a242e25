import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE, metricNames } from '#shared/metrics';
import { BatchDeliveryObserver } from '../../lambda/adapters/observability/delivery-observer';
import type { DeliveryMessage, OperationalEvents } from '../../lambda/domain/ports';

/** Every EMF document written to stdout while `work` runs, without its timestamp. */
function emfWrittenBy(work: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => {
      const document = JSON.parse(line) as { _aws: Record<string, unknown> };
      expect(document._aws.Timestamp).toEqual(expect.any(Number));
      delete document._aws.Timestamp;
      return document;
    });
}

/** What Powertools' Metrics writes when given the values one by one, as the observer once did. */
function powertoolsLine(
  dimension: string | undefined,
  values: [name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number][],
) {
  const metrics = new Metrics({
    namespace: DEFAULT_METRICS_NAMESPACE,
    serviceName: metricNames.service,
  });
  if (dimension) metrics.addDimension(metricNames.endpointDimension, dimension);
  for (const [name, unit, value] of values) metrics.addMetric(name, unit, value);
  metrics.publishStoredMetrics();
}

const events: OperationalEvents = { publish: async () => {} };
const message = (endpointId: string): DeliveryMessage => ({
  eventId: 'msg_1',
  endpointId,
  tenant: 't',
  type: 'invoice.paid',
  body: '{}',
});

describe('the dispatcher writes its EMF lines as Powertools did', () => {
  afterEach(() => vi.restoreAllMocks());

  it('per endpoint and overall, with lone values as numbers and several as arrays', async () => {
    const observer = new BatchDeliveryObserver(events);
    observer.attempted('ep_a', { ok: true, latencyMs: 12 });
    observer.attempted('ep_a', { ok: false, latencyMs: 30 });
    observer.attempted('ep_a', { ok: true, latencyMs: 7 });
    observer.attempted('ep_b', { ok: true, latencyMs: 5 });
    await observer.deadLettered(message('ep_c'), { reason: 'endpoint_disabled', attempts: 0 });
    const written = emfWrittenBy(() => observer.flush());

    const { Count, Milliseconds } = MetricUnit;
    const expected = emfWrittenBy(() => {
      powertoolsLine('ep_a', [
        [metricNames.attempts, Count, 1],
        [metricNames.failures, Count, 0],
        [metricNames.successes, Count, 1],
        [metricNames.latency, Milliseconds, 12],
        [metricNames.attempts, Count, 1],
        [metricNames.failures, Count, 1],
        [metricNames.latency, Milliseconds, 30],
        [metricNames.attempts, Count, 1],
        [metricNames.failures, Count, 0],
        [metricNames.successes, Count, 1],
        [metricNames.latency, Milliseconds, 7],
      ]);
      powertoolsLine('ep_b', [
        [metricNames.attempts, Count, 1],
        [metricNames.failures, Count, 0],
        [metricNames.successes, Count, 1],
        [metricNames.latency, Milliseconds, 5],
      ]);
      powertoolsLine('ep_c', [[metricNames.deadLettered, Count, 1]]);
      powertoolsLine(undefined, [
        [metricNames.latency, Milliseconds, 12],
        [metricNames.latency, Milliseconds, 30],
        [metricNames.latency, Milliseconds, 7],
        [metricNames.latency, Milliseconds, 5],
      ]);
    });
    expect(written).toHaveLength(4);
    expect(written).toEqual(expected);
  });

  it('writes nothing for a batch without attempts or dead letters', () => {
    expect(emfWrittenBy(() => new BatchDeliveryObserver(events).flush())).toEqual([]);
  });

  it('splits a series past 100 values into documents that each keep the dimension', () => {
    const observer = new BatchDeliveryObserver(events);
    for (let i = 0; i < 150; i++) observer.attempted('ep_a', { ok: true, latencyMs: i });
    const written = emfWrittenBy(() => observer.flush());
    const perEndpoint = written.filter((d) => d.EndpointId === 'ep_a');
    expect(perEndpoint.map((d) => (d.Attempts as number[]).length)).toEqual([100, 50]);
    expect(perEndpoint.flatMap((d) => d.Latency as number[])).toEqual(
      Array.from({ length: 150 }, (_, i) => i),
    );
    expect(written.filter((d) => d.EndpointId === undefined)).toHaveLength(2);
  });
});

describe("the dispatcher's metrics namespace", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("is the one the stack names in the environment, so stages' metrics stay apart", async () => {
    // Prepare: a fresh module, as a Lambda instance of the staging stack loads it.
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Hookline-staging');
    vi.resetModules();
    const fresh = await import('../../lambda/adapters/observability/delivery-observer');
    const observer = new fresh.BatchDeliveryObserver(events);
    observer.attempted('ep_a', { ok: true, latencyMs: 12 });

    // Act
    const written = emfWrittenBy(() => observer.flush());

    // Assess
    const namespaces = written.map(
      (d) =>
        (d._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]?.Namespace,
    );
    expect(namespaces).toEqual(['Hookline-staging', 'Hookline-staging']);
  });

  it('is Hookline when none is set, as in local mode', () => {
    const written = emfWrittenBy(() => {
      const observer = new BatchDeliveryObserver(events);
      observer.attempted('ep_a', { ok: true, latencyMs: 12 });
      observer.flush();
    });
    expect(JSON.stringify(written)).toContain(`"Namespace":"${DEFAULT_METRICS_NAMESPACE}"`);
  });
});

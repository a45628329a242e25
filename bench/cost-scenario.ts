import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBus } from '#shared/bus';
import { LocalEventBus } from '../lib/local/event-bus';
import { startLocal } from '../lib/local/runtime';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../lib/local/tables';
import { AwsMeter } from './aws-meter';
import { Api, invoicePaid, removeDir, scenarioMain, tempDir } from './local-support';
import { BenchReceiver, FAILED } from './receiver';
import { pool, sleep, until } from './stats';

/**
 * Child process: local mode with one endpoint; publishes events and meters every AWS request
 * the system makes until all are delivered. Phases: batched publishing (the headline figure), the
 * same with an Idempotency-Key, one event per request, one event per EventBridge entry, batched
 * with 10 % of first attempts failing once, batched to a polling endpoint and read from its
 * feed, and batched with 10 and 100 endpoints each.
 */

/** How a phase publishes. */
interface PhaseSpec {
  readonly name: string;
  readonly count: number;
  /** Events per API request, or entries per PutEvents call with `via: 'bus'` (one event each). */
  readonly perRequest: number;
  readonly withKey?: boolean;
  readonly via?: 'api' | 'bus';
  /** The receiver answers 500 to the first attempt of this % of deliveries (by webhook-id). */
  readonly failFirstPercent?: number;
  /** Endpoints subscribed during the phase (for the record). */
  readonly endpoints: number;
}

await scenarioMain(async (args, output) => {
  const events = Number(args[0] ?? 2000);
  const dataDir = tempDir('hookline-bench-cost-');
  const receiver = await BenchReceiver.start();
  const system = await startLocal({
    port: 0,
    dataDir,
    settings: { retrySchedule: ['1s'] },
    // Lambda duration is priced from measured handler times. Locally every invocation shares two
    // cores, so the setting's 50 at once would bill CPU contention that separate Lambda
    // instances do not have; 4 keeps one invocation's time close to one instance's.
    dispatcherConcurrency: 4,
    log: () => {},
  });
  // The clients the handlers use: everything runs in this process.
  const meter = new AwsMeter(system);
  meter.attachDynamo(system.clients.dynamo);
  meter.attachSqs(system.clients.sqs);
  meter.attachEventBridge(system.clients.eventBridge);
  // EventBridge publishing: a producer's PutEvents on the local bus (as `npm start` offers it,
  // on the API's port), and the bus's rule invoking ingest, both metered.
  meter.attachLocalBus(LocalEventBus);
  const producer = new EventBridgeClient({
    endpoint: system.apiUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  meter.attachEventBridge(producer, { caller: 'producer', target: eventBus.defaultName });
  const api = new Api(system.apiUrl, system.apiKey);

  try {
    const setupStarted = Date.now();
    const costEndpoint = await api.createEndpoint(receiver.url('/cost'));
    const setup = { meter: meter.snapshot(), wallMs: Date.now() - setupStarted };

    /** What the functions wrote during a phase (EMF metrics and logs are priced apart). */
    const outputFigures = () => ({
      bytes: output.figures.bytes,
      emfBytes: output.figures.emfBytes,
      lines: output.figures.lines,
    });

    /** Publishes request `i` of the phase; returns events accepted and deliveries expected. */
    const publishVia = async (spec: PhaseSpec, i: number) => {
      const batch = Array.from(
        { length: Math.min(spec.perRequest, spec.count - i * spec.perRequest) },
        () => invoicePaid(),
      );
      if (spec.via === 'bus') {
        const answer = await producer.send(
          new PutEventsCommand({
            Entries: batch.map((event) => ({
              EventBusName: eventBus.defaultName,
              Source: 'bench.producer',
              DetailType: event.type,
              Detail: JSON.stringify({ data: event.data }),
            })),
          }),
        );
        if (answer.FailedEntryCount)
          throw new Error(`${spec.name}: ${answer.FailedEntryCount} entries failed`);
        // Ingest's answer goes to EventBridge, not to the producer: every endpoint gets each.
        return { accepted: batch.length, expected: batch.length * spec.endpoints };
      }
      const headers: Record<string, string> = spec.withKey
        ? { 'idempotency-key': `${spec.name}-${i}` }
        : {};
      const answer =
        spec.perRequest === 1
          ? await api.call('POST', '/v1/events', batch[0], headers)
          : await api.call('POST', '/v1/events/batch', { events: batch }, headers);
      if (answer.status !== 202) throw new Error(`${spec.name}: publish answered ${answer.status}`);
      const results = (answer.body.results ?? [answer.body]) as { deliveries?: number }[];
      // API Gateway invokes ingest once per request; its duration is the round trip here.
      meter.countInvocation('ingest', answer.ms, batch.length);
      return {
        accepted: batch.length,
        expected: results.reduce((sum, r) => sum + (r.deliveries ?? 0), 0),
      };
    };

    const phase = async (spec: PhaseSpec): Promise<Record<string, unknown>> => {
      await receiver.record(true);
      if (spec.failFirstPercent)
        await receiver.behave('/cost', { failFirstPercent: spec.failFirstPercent });
      meter.reset();
      output.reset();
      const started = Date.now();
      const requests = Math.ceil(spec.count / spec.perRequest);
      let accepted = 0;
      let expected = 0;
      await pool(requests, 2, async (i) => {
        const published = await publishVia(spec, i);
        accepted += published.accepted;
        expected += published.expected;
      });
      /** Deliveries answered 2xx (failed attempts are recorded under a marked path). */
      const succeeded = async () =>
        (await receiver.collect()).filter(([path]) => !path.includes('!'));
      const delivered = async () =>
        new Set((await succeeded()).map(([path, id]) => `${path} ${id}`)).size;
      const allDelivered = await until(async () => (await delivered()) >= expected, 120_000);
      const deliveredAt = Date.now();
      // Let the last batches finish their bookkeeping (delete, attempt records).
      await sleep(1500);
      const snapshot = meter.snapshot();
      const records = await receiver.collect();
      const successes = records.filter(([path]) => !path.includes('!')).length;
      if (spec.failFirstPercent) await receiver.behave('/cost');
      const deliveredCount = await delivered();
      return {
        name: spec.name,
        events: accepted,
        endpoints: spec.endpoints,
        deliveriesExpected: expected,
        eventsPerRequest: spec.perRequest,
        via: spec.via ?? 'api',
        idempotencyKey: spec.withKey ?? false,
        // PutEvents goes to EventBridge, not through API Gateway.
        apiRequests: spec.via === 'bus' ? 0 : requests,
        putEventsCalls: spec.via === 'bus' ? requests : 0,
        delivered: deliveredCount,
        duplicates: successes - deliveredCount,
        failedFirstAttempts: records.filter(([path]) => path.endsWith(FAILED)).length,
        allDelivered,
        publishToLastDeliveryMs: deliveredAt - started,
        wallMs: Date.now() - started,
        meter: snapshot,
        output: outputFigures(),
      };
    };

    /**
     * Deliveries to a polling endpoint (the push one switched off meanwhile): published in
     * batches of 100, then read by the consumer 100 to a request until every one is read.
     */
    const pollingPhase = async (name: string, count: number): Promise<Record<string, unknown>> => {
      await api.call('PATCH', `/v1/endpoints/${costEndpoint}`, { enabled: false });
      const polling = await api.call('POST', '/v1/endpoints', { type: 'polling' });
      const feedPath = `/v1/endpoints/${String(polling.body.id)}/feed?limit=100`;
      meter.reset();
      output.reset();
      const started = Date.now();
      const requests = Math.ceil(count / 100);
      let expected = 0;
      await pool(requests, 2, async (i) => {
        const events = Array.from({ length: Math.min(100, count - i * 100) }, () => invoicePaid());
        const answer = await api.call('POST', '/v1/events/batch', { events });
        if (answer.status !== 202) throw new Error(`${name}: publish answered ${answer.status}`);
        meter.countInvocation('ingest', answer.ms, events.length);
        const results = answer.body.results as { deliveries: number }[];
        expected += results.reduce((sum, r) => sum + r.deliveries, 0);
      });
      const read = new Set<string>();
      let reads = 0;
      let itemsRead = 0;
      let cursor = '';
      const deadline = Date.now() + 120_000;
      while (read.size < expected && Date.now() < deadline) {
        const page = await api.call('GET', `${feedPath}${cursor && `&cursor=${cursor}`}`);
        const items = page.body.items as { id: string }[];
        meter.countInvocation('management', page.ms, Math.max(items.length, 1));
        reads++;
        itemsRead += items.length;
        for (const item of items) read.add(item.id);
        cursor = encodeURIComponent(String(page.body.cursor));
      }
      const snapshot = meter.snapshot();
      await api.call('PATCH', `/v1/endpoints/${costEndpoint}`, { enabled: true });
      await api.call('DELETE', `/v1/endpoints/${String(polling.body.id)}`);
      return {
        name,
        events: count,
        endpoints: 1,
        deliveriesExpected: expected,
        eventsPerRequest: 100,
        via: 'api',
        idempotencyKey: false,
        // The publishes and the consumer's reads both go through API Gateway.
        apiRequests: requests + reads,
        putEventsCalls: 0,
        delivered: read.size,
        duplicates: itemsRead - read.size,
        failedFirstAttempts: 0,
        allDelivered: read.size >= expected,
        publishToLastDeliveryMs: Date.now() - started,
        wallMs: Date.now() - started,
        meter: snapshot,
        output: outputFigures(),
      };
    };

    // Warm-up, not counted: caches (API key, endpoints) and code paths as in steady state.
    await phase({ name: 'warmup', count: 200, perRequest: 100, endpoints: 1 });
    await phase({ name: 'warmupBus', count: 20, perRequest: 10, via: 'bus', endpoints: 1 });
    const phases = [
      await phase({ name: 'batched', count: events, perRequest: 100, endpoints: 1 }),
      await phase({
        name: 'batchedWithIdempotencyKey',
        count: Math.round(events / 2),
        perRequest: 100,
        withKey: true,
        endpoints: 1,
      }),
      await phase({ name: 'single', count: Math.round(events / 8), perRequest: 1, endpoints: 1 }),
      // One event per entry, 10 entries per PutEvents call (EventBridge's maximum).
      await phase({
        name: 'eventBridge',
        count: Math.round(events / 4),
        perRequest: 10,
        via: 'bus',
        endpoints: 1,
      }),
      await phase({
        name: 'batchedFailing10',
        count: events,
        perRequest: 100,
        failFirstPercent: 10,
        endpoints: 1,
      }),
    ];
    await pollingPhase('warmupPolling', 200);
    phases.push(await pollingPhase('pollingBatched', events));
    // Fan-out: the same tenant gets 9 more endpoints, so each event makes 10 deliveries; then
    // 90 more, 100 each.
    for (let i = 1; i < 10; i++) await api.createEndpoint(receiver.url(`/fan-${i}`));
    phases.push(
      await phase({
        name: 'fanout10',
        count: Math.round(events / 10),
        perRequest: 100,
        endpoints: 10,
      }),
    );
    await pool(90, 4, async (i) => {
      await api.createEndpoint(receiver.url(`/fan-${10 + i}`));
    });
    // Endpoints reach the dispatcher's cache within a second locally; a short warm-up first.
    await phase({ name: 'warmupFanout100', count: 5, perRequest: 5, endpoints: 100 });
    phases.push(
      await phase({
        name: 'fanout100',
        count: Math.round(events / 40),
        perRequest: 10,
        endpoints: 100,
      }),
    );
    return { setup, phases };
  } finally {
    producer.destroy();
    meter.close();
    await system.stop();
    await receiver.stop();
    removeDir(dataDir);
  }
});

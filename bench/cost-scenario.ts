import { startLocal } from '../lib/local/runtime';
import { AwsMeter } from './aws-meter';
import { Api, invoicePaid, removeDir, scenarioMain, tempDir } from './local-support';
import { BenchReceiver } from './receiver';
import { pool, sleep, until } from './stats';

/**
 * Child process: local mode with one endpoint; publishes events and meters every AWS request
 * the system makes until all are delivered. Phases: batched publishing (the headline figure), the
 * same with an Idempotency-Key, one event per request, and batched with 10 endpoints each.
 */
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
  const api = new Api(system.apiUrl, system.apiKey);

  try {
    const setupStarted = Date.now();
    await api.createEndpoint(receiver.url('/cost'));
    const setup = { meter: meter.snapshot(), wallMs: Date.now() - setupStarted };

    const phase = async (
      name: string,
      count: number,
      perRequest: number,
      withKey: boolean,
    ): Promise<Record<string, unknown>> => {
      await receiver.record(true);
      meter.reset();
      output.reset();
      const started = Date.now();
      const requests = Math.ceil(count / perRequest);
      let accepted = 0;
      let expected = 0;
      await pool(requests, 2, async (i) => {
        const batch = Array.from({ length: Math.min(perRequest, count - i * perRequest) }, () =>
          invoicePaid(),
        );
        const headers: Record<string, string> = withKey
          ? { 'idempotency-key': `${name}-${i}` }
          : {};
        const answer =
          perRequest === 1
            ? await api.call('POST', '/v1/events', batch[0], headers)
            : await api.call('POST', '/v1/events/batch', { events: batch }, headers);
        if (answer.status !== 202) throw new Error(`${name}: publish answered ${answer.status}`);
        accepted += batch.length;
        const results = (answer.body.results ?? [answer.body]) as { deliveries?: number }[];
        expected += results.reduce((sum, r) => sum + (r.deliveries ?? 0), 0);
        // API Gateway invokes ingest once per request; its duration is the round trip here.
        meter.countInvocation('ingest', answer.ms, batch.length);
      });
      const delivered = async () =>
        new Set((await receiver.collect()).map(([path, id]) => `${path} ${id}`)).size;
      const allDelivered = await until(async () => (await delivered()) >= expected, 120_000);
      const deliveredAt = Date.now();
      // Let the last batches finish their bookkeeping (delete, attempt records).
      await sleep(1500);
      const snapshot = meter.snapshot();
      const records = await receiver.collect();
      return {
        name,
        events: accepted,
        deliveriesExpected: expected,
        eventsPerRequest: perRequest,
        idempotencyKey: withKey,
        apiRequests: requests,
        delivered: await delivered(),
        duplicates: records.length - (await delivered()),
        allDelivered,
        publishToLastDeliveryMs: deliveredAt - started,
        wallMs: Date.now() - started,
        meter: snapshot,
        output: {
          bytes: output.figures.bytes,
          emfBytes: output.figures.emfBytes,
          lines: output.figures.lines,
        },
      };
    };

    // Warm-up, not counted: caches (API key, endpoints) and code paths as in steady state.
    await phase('warmup', 200, 100, false);
    const phases = [
      await phase('batched', events, 100, false),
      await phase('batchedWithIdempotencyKey', Math.round(events / 2), 100, true),
      await phase('single', Math.round(events / 8), 1, false),
    ];
    // Fan-out: the same tenant gets 9 more endpoints, so each event makes 10 deliveries.
    for (let i = 1; i < 10; i++) await api.createEndpoint(receiver.url(`/fan-${i}`));
    phases.push(await phase('fanout10', Math.round(events / 10), 100, false));
    return { setup, phases };
  } finally {
    meter.close();
    await system.stop();
    await receiver.stop();
    removeDir(dataDir);
  }
});

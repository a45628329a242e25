import { Agent, request } from 'undici';
import { USER_AGENT } from '#shared/functions';
import { defaultSettings } from '#shared/settings';
import { UndiciWebhookSender } from '../lambda/adapters/http/webhook-sender';
import { webhookHeaders } from '../lambda/domain/dispatch';
import { startLocal } from '../lib/local/runtime';
import { DispatcherHarness } from './dispatcher-harness';
import { Api, invoicePaid, removeDir, scenarioMain, tempDir } from './local-support';
import { BenchReceiver } from './receiver';
import { pool, round, summarize, until } from './stats';

/**
 * Child process: the whole system in local mode with the deployment's default settings.
 * Publishes `events` events in batches of 100 to 3 endpoints on a local receiver and measures
 * deliveries/s and publish→delivery latency (from the start of the publishing request to the
 * delivery's arrival at the receiver). Then, with local mode stopped, the same number of signed
 * requests POSTed straight to the same receiver with undici at the dispatchers' concurrency:
 * the ratio of the two rates is Hookline's overhead, not the machine's speed.
 */
const ENDPOINTS = 3;
const PER_REQUEST = 100;
/** Publishing requests in flight, as in the cost scenario. */
const PUBLISHERS = 2;
/**
 * Batches local mode's delivery lane runs at once: the setting, capped at the local runtime's
 * 20 loops per lane (lib/local/runtime.ts, LOCAL_LOOPS_PER_LANE.main).
 */
const LOCAL_MAIN_LANE_LOOPS = 20;

await scenarioMain(async (args) => {
  const events = Number(args[0] ?? 5000);
  const dataDir = tempDir('hookline-bench-e2e-');
  const receiver = await BenchReceiver.start();
  const system = await startLocal({ port: 0, dataDir, log: () => {} });
  const api = new Api(system.apiUrl, system.apiKey);
  const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/e2e-${i}`);
  const inFlight =
    Math.min(defaultSettings.dispatcherMaxConcurrency, LOCAL_MAIN_LANE_LOOPS) *
    defaultSettings.dispatchBatchSize;
  let stopped = false;

  try {
    for (const path of paths) await api.createEndpoint(receiver.url(path));

    /** Publishes `count` events in batches; returns when each batch's request started, by id. */
    const publish = async (count: number) => {
      const sentAt = new Map<string, number>();
      await pool(Math.ceil(count / PER_REQUEST), PUBLISHERS, async (i) => {
        const batch = Array.from({ length: Math.min(PER_REQUEST, count - i * PER_REQUEST) }, () =>
          invoicePaid(),
        );
        const at = Date.now();
        const answer = await api.call('POST', '/v1/events/batch', { events: batch });
        if (answer.status !== 202) throw new Error(`publish answered ${answer.status}`);
        for (const result of answer.body.results as { id: string }[]) sentAt.set(result.id, at);
      });
      return sentAt;
    };
    /** First arrival per (path, webhook-id), and how many requests arrived in all. */
    const arrivals = async () => {
      const first = new Map<string, number>();
      const records = await receiver.collect();
      for (const [path, id, at] of records) {
        const key = `${path} ${id}`;
        if (!first.has(key)) first.set(key, at);
      }
      return { first, requests: records.length };
    };

    // Warm-up: code paths, caches, connections.
    await receiver.record(true);
    const warm = await publish(500);
    await until(async () => (await arrivals()).first.size >= warm.size * ENDPOINTS, 60_000);

    await receiver.record(true);
    const started = Date.now();
    const sentAt = await publish(events);
    const publishedMs = Date.now() - started;
    const expected = sentAt.size * ENDPOINTS;
    const complete = await until(async () => (await arrivals()).first.size >= expected, 180_000);
    const { first, requests } = await arrivals();
    const latencies: number[] = [];
    let last = started;
    for (const [key, at] of first) {
      const sent = sentAt.get(key.split(' ')[1] as string);
      if (sent === undefined) continue;
      latencies.push(at - sent);
      last = Math.max(last, at);
    }
    const localMs = last - started;
    await system.stop();
    stopped = true;

    // The direct path: the same number of signed requests, signed beforehand, to the same
    // receiver, on an Agent with the dispatcher's settings, with as many in flight as the
    // delivery lane's loops carry batches.
    const sender = new UndiciWebhookSender({ allowPrivateTargets: true });
    const harness = new DispatcherHarness(sender);
    const endpoints = await Promise.all(paths.map((path) => harness.endpoint(receiver.url(path))));
    const signed = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        const endpoint = endpoints[i % ENDPOINTS] as (typeof endpoints)[number];
        const message = harness.message(endpoint);
        return {
          url: endpoint.url,
          headers: webhookHeaders(endpoint, message, Date.now(), USER_AGENT),
          body: message.body,
        };
      });
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });
    let directFailures = 0;
    const direct = async (list: ReturnType<typeof signed>) => {
      const begun = performance.now();
      await pool(list.length, inFlight, async (i) => {
        const r = list[i] as (typeof list)[number];
        const response = await request(r.url, {
          method: 'POST',
          headers: r.headers,
          body: r.body,
          dispatcher: agent,
        });
        await response.body.dump();
        if (response.statusCode !== 204) directFailures++;
      });
      return performance.now() - begun;
    };
    await direct(signed(1500)); // warm-up
    directFailures = 0;
    const directMs = await direct(signed(expected));
    await agent.close();
    await sender.close();

    const localRate = round((first.size / localMs) * 1000, 0);
    const directRate = round((expected / directMs) * 1000, 0);
    return {
      events: sentAt.size,
      endpoints: ENDPOINTS,
      eventsPerRequest: PER_REQUEST,
      publishers: PUBLISHERS,
      deliveriesExpected: expected,
      deliveriesSeen: first.size,
      duplicates: requests - first.size,
      complete,
      publishMs: publishedMs,
      publishEventsPerSec: round((sentAt.size / publishedMs) * 1000, 0),
      firstPublishToLastDeliveryMs: localMs,
      deliveriesPerSec: localRate,
      latencyMs: summarize(latencies),
      direct: {
        requests: expected,
        inFlight,
        ms: round(directMs, 0),
        deliveriesPerSec: directRate,
        failures: directFailures,
      },
      /** Local mode's end-to-end rate over the direct rate. */
      ratio: round(localRate / directRate, 3),
    };
  } finally {
    if (!stopped) await system.stop();
    await receiver.stop();
    removeDir(dataDir);
  }
});

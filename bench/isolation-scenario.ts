import { startLocal } from '../lib/local/runtime';
import { Api, invoicePaid, removeDir, scenarioMain, tempDir } from './local-support';
import { BenchReceiver } from './receiver';
import { round, sleep, summarize, until } from './stats';

/**
 * Child process: local mode with the deployment's default settings (15 s delivery timeout),
 * 10 endpoints of one tenant subscribed to everything. Publishes events one per request at a
 * steady pace and measures publish→delivery at the healthy endpoints. From the measured run on,
 * endpoint 9 never answers (mode `hanging`) or answers every request in 8 s (mode `slow`, which
 * must still get every delivery).
 */
const ENDPOINTS = 10;

await scenarioMain(async (args) => {
  const mode = args[0] === 'hanging' || args[0] === 'slow' ? args[0] : 'healthy';
  const events = Number(args[1] ?? 300);
  const perSecond = Number(args[2] ?? 10);
  /** Batches the local event source mapping runs at once; the setting's default otherwise. */
  const concurrency = args[3] ? Number(args[3]) : undefined;
  const dataDir = tempDir('hookline-bench-iso-');
  const receiver = await BenchReceiver.start();
  const system = await startLocal({
    port: 0,
    dataDir,
    ...(concurrency !== undefined && { dispatcherConcurrency: concurrency }),
    log: () => {},
  });
  const api = new Api(system.apiUrl, system.apiKey);
  const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/iso-${i}`);
  const hangingPath = paths[ENDPOINTS - 1] as string;
  const healthyPaths = mode === 'healthy' ? paths : paths.slice(0, -1);

  try {
    for (const path of paths) await api.createEndpoint(receiver.url(path));

    /** Publishes `count` events at the pace; returns when each was sent, by event id. */
    const publish = async (count: number) => {
      const sentAt = new Map<string, number>();
      const started = Date.now();
      const calls: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / perSecond;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        const at = Date.now();
        calls.push(
          api.call('POST', '/v1/events', invoicePaid()).then((answer) => {
            if (answer.status !== 202) throw new Error(`publish answered ${answer.status}`);
            sentAt.set(String(answer.body.id), at);
          }),
        );
      }
      await Promise.all(calls);
      return sentAt;
    };
    /** First arrival per (path, webhook-id) at the given paths. */
    const arrivals = async (wanted: readonly string[]) => {
      const first = new Map<string, number>();
      for (const [path, id, at] of await receiver.collect()) {
        if (!wanted.includes(path)) continue;
        const key = `${path} ${id}`;
        if (!first.has(key)) first.set(key, at);
      }
      return first;
    };

    // Warm-up, everyone healthy: code paths, caches, connections.
    await receiver.record(true);
    const warm = await publish(Math.max(20, Math.round(events / 10)));
    await until(async () => (await arrivals(paths)).size >= warm.size * ENDPOINTS, 60_000);

    if (mode === 'hanging') await receiver.behave(hangingPath, { hang: true });
    if (mode === 'slow') await receiver.behave(hangingPath, { delayMs: 8000 });
    await receiver.record(true);
    const started = Date.now();
    const sentAt = await publish(events);
    const expected = sentAt.size * healthyPaths.length;
    const complete = await until(
      async () => (await arrivals(healthyPaths)).size >= expected,
      90_000,
    );
    const first = await arrivals(healthyPaths);
    // The slow endpoint's answers take 8 s each, through the slow lane: wait for all of them.
    const answered = `${hangingPath}!answered`;
    let slowDelivered: number | undefined;
    if (mode === 'slow') {
      await until(async () => (await arrivals([answered])).size >= sentAt.size, 180_000);
      slowDelivered = (await arrivals([answered])).size;
    }

    const latencies: number[] = [];
    const bySecond = new Map<number, number[]>();
    for (const [key, at] of first) {
      const id = key.split(' ')[1] as string;
      const sent = sentAt.get(id);
      if (sent === undefined) continue;
      latencies.push(at - sent);
      const second = Math.floor((sent - started) / 1000);
      bySecond.set(second, [...(bySecond.get(second) ?? []), at - sent]);
    }
    const hangingArrivals = (await receiver.collect())
      .filter(([path]) => path === hangingPath)
      .map(([, , at]) => round((at - started) / 1000, 1));
    return {
      mode,
      endpoints: ENDPOINTS,
      healthyEndpoints: healthyPaths.length,
      events: sentAt.size,
      publishPerSecond: perSecond,
      deliveriesExpected: expected,
      deliveriesSeen: first.size,
      complete,
      latencyMs: summarize(latencies),
      /** Worst latency of the deliveries of events published in each second of the run. */
      maxLatencyByPublishSecond: [...bySecond.entries()]
        .sort(([a], [b]) => a - b)
        .map(([second, list]) => [second, round(Math.max(...list), 0)]),
      dispatcherConcurrency: concurrency ?? 'setting',
      ...(slowDelivered !== undefined && { slowEndpointDelivered: slowDelivered }),
      hangingEndpointRequests: hangingArrivals.length,
      /** Seconds into the measured run at which the hanging endpoint was sent a request. */
      hangingArrivalsS: mode === 'hanging' ? hangingArrivals : [],
    };
  } finally {
    await system.stop();
    await receiver.stop();
    removeDir(dataDir);
  }
});

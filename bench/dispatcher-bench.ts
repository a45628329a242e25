import { Agent, request } from 'undici';
import { UndiciWebhookSender } from '../lambda/adapters/http/webhook-sender';
import { webhookHeaders } from '../lambda/domain/dispatch';
import type { DeliveryMessage } from '../lambda/domain/ports';
import { anEndpoint } from '../test/support/memory';
import { DispatcherPath } from './dispatch-path';
import type { BenchReceiver } from './receiver';
import { median, percentile, pool, round, summarize } from './stats';

const BATCH = 10;

/** §7: a batch of 10 deliveries to a receiver that takes 100 ms, through the dispatcher path. */
export async function batchLatency(receiver: BenchReceiver, options = { warmup: 10, batches: 30 }) {
  const receiverDelayMs = 100;
  await receiver.behave('/slow', { delayMs: receiverDelayMs });
  const sender = new UndiciWebhookSender({ allowPrivateTargets: true });
  const path = new DispatcherPath(sender);
  const endpoint = anEndpoint({ url: receiver.url('/slow') });
  await path.endpoints.create(endpoint);

  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < options.warmup + options.batches; i++) {
    const event = path.event(Array.from({ length: BATCH }, () => path.message(endpoint)));
    const started = performance.now();
    const response = await path.handle(event);
    const elapsed = performance.now() - started;
    failures += response.batchItemFailures.length;
    if (i >= options.warmup) times.push(elapsed);
  }

  // The floor: the same 10 requests POSTed directly, to see what the receiver itself costs.
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  const direct: number[] = [];
  for (let i = 0; i < options.warmup + options.batches; i++) {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: BATCH }, async () => {
        const message = path.message(endpoint);
        const response = await request(endpoint.url, {
          method: 'POST',
          headers: webhookHeaders(endpoint, message, Date.now(), 'Hookline/0.1.0'),
          body: message.body,
          dispatcher: agent,
        });
        await response.body.dump();
      }),
    );
    if (i >= options.warmup) direct.push(performance.now() - started);
  }
  await agent.close();
  await sender.close();

  const p50 = median(times);
  return {
    receiverDelayMs,
    batchSize: BATCH,
    batches: times.length,
    failedDeliveries: failures,
    batchMs: summarize(times),
    ratioMedian: round(p50 / receiverDelayMs, 3),
    ratioP95: round(percentile(times, 95) / receiverDelayMs, 3),
    directBatchMs: summarize(direct),
    target: 1.3,
  };
}

/**
 * §7: the dispatcher's own path against a receiver answering 204 at once, vs the same signed
 * requests POSTed directly with undici (same Agent settings), both with 10 in flight. Rounds
 * rotate the order of the variants; ratios are taken per round (same conditions), then the
 * median. Two middle variants split the gap: the sender adapter alone, and dispatchDelivery
 * without the batch barrier.
 */
export async function throughput(
  receiver: BenchReceiver,
  options = { warmup: 3000, perRound: 5000, rounds: 5 },
) {
  const sender = new UndiciWebhookSender({ allowPrivateTargets: true });
  const path = new DispatcherPath(sender);
  const endpoint = anEndpoint({ url: receiver.url('/fast') });
  await path.endpoints.create(endpoint);
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  let failures = 0;

  // Requests signed beforehand, so the direct side does nothing but HTTP.
  const signed = (count: number) =>
    Array.from({ length: count }, () => {
      const message = path.message(endpoint);
      return {
        headers: webhookHeaders(endpoint, message, Date.now(), path.settings.userAgent),
        body: message.body,
      };
    });
  type Signed = ReturnType<typeof signed>[number];
  const post = async (r: Signed) => {
    const response = await request(endpoint.url, {
      method: 'POST',
      headers: r.headers,
      body: r.body,
      dispatcher: agent,
    });
    await response.body.dump();
    if (response.statusCode !== 204) failures++;
  };
  const viaSender = async (r: Signed) => {
    const answer = await sender.send({ url: endpoint.url, ...r, timeoutMs: 15_000 });
    if (answer.status !== 204) failures++;
  };
  const stream = (requests: Signed[], send: (r: Signed) => Promise<void>) => () =>
    pool(requests.length, BATCH, (i) => send(requests[i] as Signed));

  // Each variant prepares its work (messages, signing) and returns the timed part.
  const variants: Record<string, (count: number) => () => Promise<void>> = {
    /** Raw undici, 10 always in flight: the reference rate. */
    direct: (n) => stream(signed(n), post),
    /** UndiciWebhookSender.send (timeout signal, excerpt read), 10 always in flight. */
    sender: (n) => stream(signed(n), viaSender),
    /** dispatchDelivery, 10 always in flight, attempt records flushed every 10. */
    dispatchDelivery: (n) => {
      const messages = Array.from({ length: n }, () => path.message(endpoint));
      return async () => {
        let collector = path.collector();
        let pending = 0;
        await pool(n, BATCH, async (i) => {
          if (!(await path.deliverOne(messages[i] as DeliveryMessage, collector))) failures++;
          if (++pending >= BATCH) {
            const full = collector;
            collector = path.collector();
            pending = 0;
            await full.flush(path.attemptLog);
            path.attemptLog.entries.length = 0;
          }
        });
      };
    },
    /** The handler's shape: one batch of 10 at a time, as one dispatcher instance works. */
    dispatcher: (n) => {
      const events = Array.from({ length: Math.ceil(n / BATCH) }, () =>
        path.event(Array.from({ length: BATCH }, () => path.message(endpoint))),
      );
      return async () => {
        for (const event of events) failures += (await path.handle(event)).batchItemFailures.length;
      };
    },
  };
  const names = Object.keys(variants);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  // Main-thread CPU per request: what each variant itself costs, apart from the receiver.
  const cpu = new Map<string, number>(names.map((name) => [name, 0]));
  for (const prepare of Object.values(variants)) await prepare(options.warmup)();
  failures = 0;
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length] as string;
      const run = (variants[name] as (count: number) => () => Promise<void>)(options.perRound);
      const cpuBefore = process.threadCpuUsage();
      const started = performance.now();
      await run();
      times.get(name)?.push(performance.now() - started);
      const used = process.threadCpuUsage(cpuBefore);
      cpu.set(name, (cpu.get(name) ?? 0) + used.user + used.system);
    }
  }
  await agent.close();
  await sender.close();

  const perSecond = (ms: number) => round((options.perRound / ms) * 1000, 0);
  const rates = Object.fromEntries(
    names.map((name) => {
      const list = times.get(name) ?? [];
      const total = list.reduce((a, b) => a + b, 0);
      return [
        name,
        {
          reqPerSec: round(((options.perRound * list.length) / total) * 1000, 0),
          perRound: list.map(perSecond),
          mainThreadCpuUsPerRequest: round(
            (cpu.get(name) ?? 0) / (options.perRound * options.rounds),
            1,
          ),
        },
      ];
    }),
  );
  const ratioTo = (name: string) => {
    const mine = times.get(name) ?? [];
    const direct = times.get('direct') ?? [];
    return round(median(mine.map((ms, i) => (direct[i] as number) / ms)), 3);
  };
  return {
    concurrency: BATCH,
    requestsPerVariant: options.perRound * options.rounds,
    failedDeliveries: failures,
    rates,
    /** Median over rounds of (dispatcher rate / direct rate): the figure §7 sets. */
    ratio: ratioTo('dispatcher'),
    ratioSender: ratioTo('sender'),
    ratioDispatchDelivery: ratioTo('dispatchDelivery'),
    /** Steadier on a busy host: direct's main-thread CPU per request over the dispatcher's. */
    cpuRatio: round((cpu.get('direct') ?? 0) / (cpu.get('dispatcher') ?? 1), 3),
    target: 0.7,
  };
}

import { Agent, request } from 'undici';
import { USER_AGENT } from '#shared/functions';
import { UndiciWebhookSender } from '../lambda/adapters/http/webhook-sender';
import { BatchDeliveryObserver } from '../lambda/adapters/observability/delivery-observer';
import { AttemptCollector } from '../lambda/domain/attempt-collector';
import { dispatchDelivery, webhookHeaders } from '../lambda/domain/dispatch';
import type { PushEndpoint } from '../lambda/domain/endpoint';
import type { DeliveryMessage } from '../lambda/domain/ports';
import { DispatcherHarness } from './dispatcher-harness';
import { discardOutput } from './local-support';
import type { BenchReceiver } from './receiver';
import { median, percentile, pool, round, summarize } from './stats';

const BATCH = 10;

/**
 * Runs `work` with this process's output kept off the terminal: the handler writes its EMF
 * metric lines there, as in Lambda, where they go to CloudWatch Logs.
 */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const output = discardOutput();
  try {
    return await work();
  } finally {
    output.restore();
  }
}

/** Target: a batch of 10 deliveries to a receiver that takes 100 ms, through the dispatcher handler. */
export async function batchLatency(receiver: BenchReceiver, options = { warmup: 10, batches: 30 }) {
  return quietly(() => measureBatchLatency(receiver, options));
}

async function measureBatchLatency(
  receiver: BenchReceiver,
  options: { warmup: number; batches: number },
) {
  const receiverDelayMs = 100;
  await receiver.behave('/slow', { delayMs: receiverDelayMs });
  const sender = new UndiciWebhookSender({ allowPrivateTargets: true });
  const harness = new DispatcherHarness(sender);
  const endpoint = await harness.endpoint(receiver.url('/slow'));

  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < options.warmup + options.batches; i++) {
    const event = harness.event(Array.from({ length: BATCH }, () => harness.message(endpoint)));
    const started = performance.now();
    const response = await harness.invoke(event);
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
        const message = harness.message(endpoint);
        const response = await request(endpoint.url, {
          method: 'POST',
          headers: webhookHeaders(endpoint, message, Date.now(), USER_AGENT),
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
 * Target: the dispatcher handler against a receiver answering 204 at once, vs the same signed
 * requests POSTed directly with undici (same Agent settings), both with 10 in flight. Rounds
 * rotate the order of the variants; ratios are taken per round (same conditions), then the
 * median. Two middle variants split the gap: the sender adapter alone, and dispatchDelivery
 * without the batch barrier. The handler's output (EMF metrics) is counted, not printed.
 */
export async function throughput(
  receiver: BenchReceiver,
  options = { warmup: 3000, perRound: 5000, rounds: 5 },
) {
  return quietly(() => measureThroughput(receiver, options));
}

/** Prepares `count` requests of one kind and returns the part that is timed. */
type Variant = (count: number) => () => Promise<void>;

interface Setup {
  readonly harness: DispatcherHarness;
  readonly endpoint: PushEndpoint;
  readonly sender: UndiciWebhookSender;
  readonly agent: Agent;
  /** Requests or deliveries that did not end in a 204 / delivered, all variants together. */
  readonly failures: { count: number };
}

/** Raw undici and the sender adapter, on requests signed beforehand: nothing but HTTP. */
function httpVariants({ harness, endpoint, sender, agent, failures }: Setup) {
  const { userAgent } = harness.deps.delivery.settings;
  const signed = (count: number) =>
    Array.from({ length: count }, () => {
      const message = harness.message(endpoint);
      return {
        headers: webhookHeaders(endpoint, message, Date.now(), userAgent),
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
    if (response.statusCode !== 204) failures.count++;
  };
  const viaSender = async (r: Signed) => {
    const answer = await sender.send({ url: endpoint.url, ...r, timeoutMs: 15_000 });
    if (answer.status !== 204) failures.count++;
  };
  const stream = (requests: Signed[], send: (r: Signed) => Promise<void>) => () =>
    pool(requests.length, BATCH, (i) => send(requests[i] as Signed));
  return {
    /** Raw undici, 10 always in flight: the reference rate. */
    direct: ((n) => stream(signed(n), post)) as Variant,
    /** UndiciWebhookSender.send (timeout signal, excerpt read), 10 always in flight. */
    sender: ((n) => stream(signed(n), viaSender)) as Variant,
  };
}

/** dispatchDelivery, 10 always in flight; attempt records and metrics flushed every 10. */
function dispatchDeliveryVariant({ harness, endpoint, failures }: Setup): Variant {
  return (n) => {
    const messages = Array.from({ length: n }, () => harness.message(endpoint));
    return async () => {
      const batch = () => ({
        observer: new BatchDeliveryObserver(harness.operationalEvents),
        collector: new AttemptCollector(Date.now),
      });
      let current = batch();
      let pending = 0;
      await pool(n, BATCH, async (i) => {
        const { observer, collector } = current;
        const decision = await dispatchDelivery(
          { ...harness.deps.delivery, observer },
          messages[i] as DeliveryMessage,
          { receiveCount: 1 },
          collector,
        );
        if (decision.action !== 'ack' || decision.reason !== 'delivered') failures.count++;
        if (++pending >= BATCH) {
          const full = current;
          current = batch();
          pending = 0;
          full.observer.flush();
          await full.collector.flush(harness.attemptLog);
          harness.forgetAttempts();
        }
      });
    };
  };
}

/** The handler itself: one batch of 10 at a time, as one dispatcher instance works. */
function dispatcherVariant({ harness, endpoint, failures }: Setup): Variant {
  return (n) => {
    const events = Array.from({ length: Math.ceil(n / BATCH) }, () =>
      harness.event(Array.from({ length: BATCH }, () => harness.message(endpoint))),
    );
    return async () => {
      for (const event of events) {
        failures.count += (await harness.invoke(event)).batchItemFailures.length;
      }
      harness.forgetAttempts();
    };
  };
}

/**
 * Runs every variant once per round, rotating their order, and keeps each run's time and
 * main-thread CPU (what a variant itself costs, apart from the receiver).
 */
async function runRounds(
  variants: Record<string, Variant>,
  options: { warmup: number; perRound: number; rounds: number },
  afterWarmup: () => void,
) {
  const names = Object.keys(variants);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<string, number>(names.map((name) => [name, 0]));
  for (const prepare of Object.values(variants)) await prepare(options.warmup)();
  afterWarmup();
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length] as string;
      const run = (variants[name] as Variant)(options.perRound);
      const cpuBefore = process.threadCpuUsage();
      const started = performance.now();
      await run();
      times.get(name)?.push(performance.now() - started);
      const used = process.threadCpuUsage(cpuBefore);
      cpu.set(name, (cpu.get(name) ?? 0) + used.user + used.system);
    }
  }
  return { names, times, cpu };
}

async function measureThroughput(
  receiver: BenchReceiver,
  options: { warmup: number; perRound: number; rounds: number },
) {
  const sender = new UndiciWebhookSender({ allowPrivateTargets: true });
  const harness = new DispatcherHarness(sender);
  const setup: Setup = {
    harness,
    endpoint: await harness.endpoint(receiver.url('/fast')),
    sender,
    agent: new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 }),
    failures: { count: 0 },
  };
  const variants = {
    ...httpVariants(setup),
    dispatchDelivery: dispatchDeliveryVariant(setup),
    dispatcher: dispatcherVariant(setup),
  };
  // Failures of the warm-up are not the measurement's.
  const { names, times, cpu } = await runRounds(variants, options, () => {
    setup.failures.count = 0;
  });
  await setup.agent.close();
  await sender.close();

  const requests = options.perRound * options.rounds;
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
          mainThreadCpuUsPerRequest: round((cpu.get(name) ?? 0) / requests, 1),
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
    requestsPerVariant: requests,
    failedDeliveries: setup.failures.count,
    rates,
    /** Median over rounds of (dispatcher rate / direct rate): the figure the target is set on. */
    ratio: ratioTo('dispatcher'),
    ratioSender: ratioTo('sender'),
    ratioDispatchDelivery: ratioTo('dispatchDelivery'),
    /** Steadier on a busy host: direct's main-thread CPU per request over the dispatcher's. */
    cpuRatio: round((cpu.get('direct') ?? 0) / (cpu.get('dispatcher') ?? 1), 3),
    target: 0.75,
  };
}

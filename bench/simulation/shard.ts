/**
 * One shard of the simulation: its share of the endpoints and of the traffic, its own queues
 * and event source mappings, driven step by step on the simulated clock through the real
 * dispatcher handler (createDispatcherHandler → dispatchDelivery / recordDelivered).
 */
import { queueAttributes } from '#shared/queues';
import { defaultSettings, deriveTimeouts, type HooklineSettings } from '#shared/settings';
import { CachedEndpointReader } from '../../lambda/adapters/dynamo/endpoint-store';
import { logger } from '../../lambda/adapters/logger';
import {
  MemoryDeliveryState,
  MemoryEndpoints,
  MemoryFeeds,
  MemoryHealth,
} from '../../lambda/adapters/memory/stores';
import { dispatchSettings } from '../../lambda/domain/dispatch';
import type { DeliveryMessage } from '../../lambda/domain/ports';
import { settleSpanMs } from '../../lambda/domain/retry-policy';
import { createDispatcherHandler } from '../../lambda/handlers/dispatcher';
import { DEFAULT_ENDPOINT_CACHE_MS } from '../../lambda/wiring/config';
import { drainMicrotasks, SimClock } from './clock';
import type { HistogramData } from './histogram';
import { FunctionPool, Lane } from './lambda';
import {
  CountingObserver,
  HOPS,
  Meter,
  MeteredAttemptLog,
  MeteredDeliveries,
  MeteredEndpoints,
  MeteredHealth,
  SimulatedDeadLetters,
  SimulatedWaits,
} from './meters';
import { mulberry32, poisson, subSeed } from './random';
import { SimQueue, type StoredMessage } from './sqs';
import {
  type EndpointKind,
  eventId,
  idIn,
  KINDS,
  Ledger,
  Receivers,
  type Scenario,
  SimSender,
  seqOf,
  shardEndpoints,
} from './world';

export interface ShardConfig {
  readonly scenario: Scenario;
  readonly shard: number;
  readonly shards: number;
  readonly overheadMs: number;
  readonly perRecordMs: number;
  readonly inflightLimit: number;
  /** This shard's maximum concurrency per lane. */
  readonly concurrency: { readonly main: number; readonly slow: number };
}

/** Where things stood at the end of each simulated hour (counters are cumulative). */
export interface HourSnapshot {
  readonly hour: number;
  readonly published: number;
  readonly delivered: number;
  readonly mainVisible: number;
  readonly mainDelayed: number;
  readonly slowVisible: number;
  readonly slowDelayed: number;
  readonly mainInvocations: number;
  readonly mainRecords: number;
  readonly mainBilledMs: number;
  readonly slowInvocations: number;
  readonly slowRecords: number;
  readonly slowBilledMs: number;
  readonly sends: number;
}

const ENDPOINT_FIELD = '"endpointId":"';
const endpointIn = (body: string) => {
  const at = body.indexOf(ENDPOINT_FIELD) + ENDPOINT_FIELD.length;
  return body.slice(at, at + 29);
};

/**
 * A top-level whole-number field of a queued message, read without parsing the body: the
 * progress fields follow the webhook body, which ends in `}"`.
 */
function numberField(body: string, key: string): number {
  const at = body.indexOf(key, body.lastIndexOf('}"'));
  if (at < 0) return 0;
  let value = 0;
  for (let i = at + key.length; i < body.length; i++) {
    const digit = body.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}

/** What a wait was for, from the message received and the one sent in its place. */
function waitCause(before: string | undefined, next: string): string {
  if (next.startsWith('{"note"')) return 'note (bookkeeping after a 2xx)';
  if (before === undefined) return 'unknown';
  if (numberField(next, '"attempts":') > numberField(before, '"attempts":')) return 'failed';
  if (numberField(next, '"skipped":') > numberField(before, '"skipped":')) return 'circuit_open';
  if (numberField(next, '"rateLimited":') > numberField(before, '"rateLimited":'))
    return 'rate_limited';
  if (next.includes('"lane":"slow"') && !before.includes('"lane":"slow"')) return 'slow_endpoint';
  if (before.includes('"notBefore":')) return 'not_due (hop)';
  return 'other';
}

export async function runShard(config: ShardConfig, report: (line: string) => void) {
  const { scenario, shard, shards } = config;
  const wallStart = Date.now();
  logger.setLogLevel('SILENT');
  const settings: HooklineSettings = defaultSettings;
  const dispatch = dispatchSettings(settings);
  const clock = new SimClock(
    scenario.startMs,
    scenario.quantumMs,
    settings.deliveryTimeoutSeconds * 1000 + 1000,
  );
  const ledger = new Ledger(scenario.startMs);
  const meter = new Meter();
  const endpoints = shardEndpoints(scenario, shard, shards);
  const kindByIndex = new Map(endpoints.map((e) => [e.index, e.kind]));
  const kindOf = (endpointId: string) =>
    kindByIndex.get(Number(endpointId.slice(3))) ?? ('healthy' as EndpointKind);

  const redrive = (message: StoredMessage) => {
    meter.count(meter.deadLetters, 'moved by SQS redrive (no reason)');
    if (!message.body.startsWith('{"note"')) ledger.deadLettered(seqOf(idIn(message.body)));
  };
  // The body of each delivery in flight, by event id: what a wait is sent in place of.
  const inFlight = new Map<string, string>();
  const received = (message: StoredMessage) => {
    if (!message.body.startsWith('{"note"')) inFlight.set(idIn(message.body), message.body);
  };
  const queueOptions = (name: 'delivery' | 'slowDelivery') => {
    const attributes = queueAttributes(name, 'aws', settings);
    return {
      visibilityTimeoutSeconds: attributes.visibilityTimeoutSeconds ?? 30,
      maxReceiveCount: attributes.redrive?.maxReceiveCount ?? 0,
      inflightLimit: config.inflightLimit,
      redrive,
      received,
    };
  };
  const main = new SimQueue('delivery', clock, queueOptions('delivery'));
  const slow = new SimQueue('delivery-slow', clock, queueOptions('slowDelivery'));

  const waits = new SimulatedWaits((lane, body, delaySeconds) => {
    const cause = waitCause(inFlight.get(idIn(body)), body);
    const kind = kindOf(endpointIn(body));
    meter.count(meter.waits, cause);
    meter.count(meter.waitsByKind, `${kind}|${cause}`);
    if (body.includes('"notBefore":')) {
      meter.count(meter.waits, HOPS);
      meter.count(meter.waitsByKind, `${kind}|${HOPS}`);
    }
    (lane === 'slow' ? slow : main).send(body, delaySeconds);
  }, meter);
  const deadLetters = new SimulatedDeadLetters((message, reason) => {
    ledger.deadLettered(seqOf(message.eventId));
    const key = `${kindOf(message.endpointId)} ${reason.reason}`;
    meter.count(meter.deadLettersByKind, key);
    meter.deadLetterAttempts[key] = (meter.deadLetterAttempts[key] ?? 0) + reason.attempts;
    meter.deadLetterSkips[key] = (meter.deadLetterSkips[key] ?? 0) + (reason.skipped ?? 0);
  }, meter);

  const memoryEndpoints = new MemoryEndpoints();
  for (const { endpoint } of endpoints) await memoryEndpoints.create(endpoint);
  const meteredEndpoints = new MeteredEndpoints(memoryEndpoints, meter);
  const health = new MemoryHealth();
  const deliveries = new MeteredDeliveries(new MemoryDeliveryState(), meter);
  const attemptLog = new MeteredAttemptLog(meter);
  const receivers = new Receivers(endpoints, scenario, subSeed(scenario.seed, 100 + shard));
  const domainRandom = mulberry32(subSeed(scenario.seed, 200 + shard));
  const functionTimeoutMs = deriveTimeouts(settings).dispatcherTimeoutSeconds * 1000;

  const pool = new FunctionPool(() => {
    const sender = new SimSender(receivers, ledger, clock);
    const handle = createDispatcherHandler({
      delivery: {
        endpoints: new CachedEndpointReader(
          meteredEndpoints,
          DEFAULT_ENDPOINT_CACHE_MS,
          clock.nowFn,
        ),
        sender,
        deliveries,
        health: new MeteredHealth(health, meter, clock.nowFn),
        deadLetters,
        feeds: new MemoryFeeds(clock.nowFn),
        now: clock.nowFn,
        random: domainRandom,
        settings: dispatch,
      },
      newObserver: () => new CountingObserver(meter),
      attemptLog,
      waits,
    });
    return { handle, sender };
  }, functionTimeoutMs);

  const laneOptions = (maxConcurrency: number) => ({
    maxConcurrency,
    batchSize: settings.dispatchBatchSize,
    batchingWindowMs: 1000,
    functionTimeoutMs,
    overheadMs: config.overheadMs,
    perRecordMs: config.perRecordMs,
  });
  const settled = (messages: readonly StoredMessage[]) => {
    for (const message of messages) inFlight.delete(idIn(message.body));
  };
  const { main: mainConcurrency, slow: slowConcurrency } = config.concurrency;
  const lanes = {
    main: new Lane(main, pool, clock, laneOptions(mainConcurrency), settled),
    slow: new Lane(slow, pool, clock, laneOptions(slowConcurrency), settled),
  };
  const arrivals = mulberry32(subSeed(scenario.seed, 300 + shard));
  const perStep = (scenario.ratePerSecond / shards) * (scenario.quantumMs / 1000);
  const totalSteps = Math.round((scenario.hours * 3_600_000) / scenario.quantumMs);
  const stepsPerHour = Math.round(3_600_000 / scenario.quantumMs);
  const hours: HourSnapshot[] = [];
  const publishedByKind: Record<EndpointKind, number> = { healthy: 0, flaky: 0, slow: 0, dead: 0 };

  for (let step = 1; step <= totalSteps; step++) {
    const woken = clock.advance();
    main.tick();
    slow.tick();
    const count = poisson(arrivals, perStep);
    if (count > 0) {
      const timestamp = new Date(clock.now).toISOString();
      for (let i = 0; i < count; i++) {
        const target = endpoints[Math.floor(arrivals() * endpoints.length)];
        if (!target) continue;
        const seq = ledger.publish(clock.now);
        publishedByKind[target.kind] += 1;
        const id = eventId(seq);
        const data = { invoiceId: `in_${seq}`, customerId: 'cus_8ZQ3', amount: 4900 };
        const message: DeliveryMessage = {
          eventId: id,
          endpointId: target.endpoint.id,
          tenant: target.endpoint.tenant,
          type: 'invoice.paid',
          body: JSON.stringify({ type: 'invoice.paid', timestamp, data }),
        };
        main.send(JSON.stringify(message), 0);
      }
    }
    const started = lanes.main.pump() + lanes.slow.pump();
    // Nothing woke and nothing started: no task can run, so no turn is needed to let them.
    if (woken + started > 0) await drainMicrotasks();
    if (step % stepsPerHour === 0 || step === totalSteps) {
      const hour = (step * scenario.quantumMs) / 3_600_000;
      hours.push({
        hour,
        published: ledger.published,
        delivered: Object.values(ledger.latency).reduce((sum, h) => sum + h.n, 0),
        mainVisible: main.visibleCount,
        mainDelayed: main.delayedCount,
        slowVisible: slow.visibleCount,
        slowDelayed: slow.delayedCount,
        mainInvocations: lanes.main.figures.invocations,
        mainRecords: lanes.main.figures.records,
        mainBilledMs: lanes.main.figures.billedMs,
        slowInvocations: lanes.slow.figures.invocations,
        slowRecords: lanes.slow.figures.records,
        slowBilledMs: lanes.slow.figures.billedMs,
        sends: main.figures.sent + slow.figures.sent,
      });
      report(
        `[shard ${shard + 1}/${shards}] ${hour.toFixed(2)} h simulated in ${Math.round((Date.now() - wallStart) / 1000)} s wall; ` +
          `main visible ${main.visibleCount} delayed ${main.delayedCount}; slow visible ${slow.visibleCount} delayed ${slow.delayedCount}`,
      );
    }
  }

  // Ingest queues a publish's deliveries 10 per SendMessageBatch; with batched publishing
  // (DESIGN §7's main cost case) the batches are full.
  meter.request(
    'SendMessageBatch delivery (ingest, full batches)',
    Math.ceil(ledger.published / 10),
  );

  // The end: whatever is still in a queue is pending; a delivery in none of the fates is lost.
  const pendingByKind: Record<string, number> = {};
  const pendingMaxAgeMs: Record<string, number> = {};
  const overdueAfterMs = settleSpanMs(dispatch.scheduleMs, dispatch.maxAttempts) + 60_000 + 900_000;
  let pendingOverdue = 0;
  let notesPending = 0;
  for (const queue of [main, slow]) {
    for (const message of queue.remaining()) {
      if (message.body.startsWith('{"note"')) {
        notesPending += 1;
        continue;
      }
      const parsed = JSON.parse(message.body) as DeliveryMessage;
      const kind = kindOf(parsed.endpointId);
      const age = ledger.pending(seqOf(parsed.eventId), clock.now);
      pendingByKind[kind] = (pendingByKind[kind] ?? 0) + 1;
      pendingMaxAgeMs[kind] = Math.max(pendingMaxAgeMs[kind] ?? 0, age);
      if (age > overdueAfterMs) pendingOverdue += 1;
    }
  }
  const histograms = (from: Ledger['latency']) =>
    Object.fromEntries(KINDS.map((k) => [k, from[k].toData()])) as Record<
      EndpointKind,
      HistogramData
    >;
  return {
    shard,
    shards,
    endpointsByKind: Object.fromEntries(
      KINDS.map((k) => [k, endpoints.filter((e) => e.kind === k).length]),
    ),
    published: ledger.published,
    publishedByKind,
    tally: ledger.tally(),
    duplicateDeliveries: ledger.duplicateDeliveries,
    duplicateDeadLetters: ledger.duplicateDeadLetters,
    deadLetteredAfterDelivery: ledger.deadLetteredAfterDelivery,
    latency: histograms(ledger.latency),
    latencyFullBatches: histograms(ledger.latencyFullBatches),
    requestsByKind: receivers.requests,
    queues: { main: main.figures, slow: slow.figures },
    lanes: { main: lanes.main.figures, slow: lanes.slow.figures },
    concurrency: { main: mainConcurrency, slow: slowConcurrency },
    containers: pool.created,
    meter: {
      rru: meter.rru,
      wru: meter.wru,
      sqs: meter.sqs,
      eventBridge: meter.eventBridge,
      deadLetters: meter.deadLetters,
      deadLettersByKind: meter.deadLettersByKind,
      deadLetterAttempts: meter.deadLetterAttempts,
      deadLetterSkips: meter.deadLetterSkips,
      waitsByKind: meter.waitsByKind,
      waits: meter.waits,
      attemptsOk: meter.attemptsOk,
      attemptsFailed: meter.attemptsFailed,
    },
    pending: { byKind: pendingByKind, maxAgeMs: pendingMaxAgeMs, overdue: pendingOverdue },
    overdueAfterMs,
    notesPending,
    hours,
    simulatedMs: totalSteps * scenario.quantumMs,
    wallMs: Date.now() - wallStart,
  };
}

export type ShardResult = Awaited<ReturnType<typeof runShard>>;

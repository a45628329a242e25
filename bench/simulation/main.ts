/**
 * `npm run simulate`: DESIGN §7 "Scale, by simulation". The real dispatcher handler on a
 * simulated clock against simulated SQS queues with AWS's limits (bench/simulation/README.md).
 * Flags (or SIM_<NAME> variables): --hours 24 --endpoints 10000 --rate 1000 --fraction 0.05
 * --shards 2 --seed 1 --quantum-ms 10 --dead 0.05 --flaky 0.05 --slow 0.01 --slow-ms 10000
 * --overhead-ms 5 --per-record-ms 1 --inflight-limit 120000 --main-concurrency <setting, 50>
 * --slow-concurrency <setting, 20> --out bench/results/simulation.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultSettings } from '#shared/settings';
import { mergeShards } from './merge';
import { checks, costOf, type RunMeta, render } from './report';
import type { ShardConfig, ShardResult } from './shard';
import type { Scenario } from './world';

const started = Date.now();

function option(name: string, fallback: number): number;
function option(name: string, fallback: string): string;
function option(name: string, fallback: number | string): number | string {
  const args = process.argv.slice(2);
  const at = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  const fromArgs = at < 0 ? undefined : (args[at]?.split('=')[1] ?? args[at + 1]);
  const raw = fromArgs ?? process.env[`SIM_${name.toUpperCase().replaceAll('-', '_')}`];
  if (raw === undefined) return fallback;
  if (typeof fallback === 'string') return raw;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${raw}`);
  return value;
}

const full = {
  hours: option('hours', 24),
  endpoints: option('endpoints', 10_000),
  ratePerSecond: option('rate', 1000),
};
const fraction = option('fraction', 0.05);
const shards = option('shards', Math.min(2, cpus().length));
const settings = defaultSettings;
const scenario: Scenario = {
  hours: full.hours,
  endpoints: Math.round(full.endpoints * fraction),
  ratePerSecond: full.ratePerSecond * fraction,
  deadShare: option('dead', 0.05),
  flakyShare: option('flaky', 0.05),
  slowShare: option('slow', 0.01),
  slowAnswerMs: option('slow-ms', 10_000),
  seed: option('seed', 1),
  quantumMs: option('quantum-ms', 10),
  startMs: Date.UTC(2026, 0, 5),
};
const meta: RunMeta = {
  ...full,
  fraction,
  seed: scenario.seed,
  quantumMs: scenario.quantumMs,
  // lib/hookline-function.ts: every function's memorySize defaults to 512 MB; the dispatcher
  // (lib/constructs/delivery-pipeline.ts) does not override it. bench/prices.json agrees.
  memoryMb: 512,
  overheadMs: option('overhead-ms', 5),
  perRecordMs: option('per-record-ms', 1),
  maxConcurrency: {
    main: settings.dispatcherMaxConcurrency,
    slow: settings.slowLaneMaxConcurrency,
  },
  batchSize: settings.dispatchBatchSize,
  inflightLimit: option('inflight-limit', 120_000),
};
if (!(fraction > 0 && fraction <= 1)) throw new Error('--fraction must be in (0, 1]');
// The lanes' concurrency in the simulation: the deployment's, unless overridden (e.g. scaled
// with the fraction, to see whether a lane keeps up at full scale).
const lanes = {
  main: option('main-concurrency', meta.maxConcurrency.main),
  slow: option('slow-concurrency', meta.maxConcurrency.slow),
};
if (shards < 1 || shards > Math.min(lanes.main, lanes.slow) || shards > scenario.endpoints)
  throw new Error('--shards must be at least 1 and at most each lane concurrency');

/** A lane's share of a concurrency setting: shards split it, the first ones take the rest. */
const shareOf = (total: number, shard: number) =>
  Math.floor(total / shards) + (shard < total % shards ? 1 : 0);

const say = (line = '') => console.log(line);
say(
  `Hookline scale simulation — ${full.hours} h, ${int(full.endpoints)} endpoints, ${int(full.ratePerSecond)} deliveries/s; ` +
    `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
if (fraction < 1)
  say(
    `  simulating ${(fraction * 100).toFixed(1)} % of the deployment: ${int(scenario.endpoints)} endpoints and ${scenario.ratePerSecond} deliveries/s ` +
      `(same mix, same rate per endpoint), lanes at concurrency ${lanes.main}/${lanes.slow}; counts are also shown ×${(1 / fraction).toFixed(0)}`,
  );
say(
  `  ${shards} shard(s) in worker threads (endpoints split by index, each with its own queues and a share of each lane's concurrency); ` +
    `clock steps of ${scenario.quantumMs} ms; seed ${scenario.seed}`,
);

function int(value: number) {
  return Math.round(value).toLocaleString('en-US');
}

function runWorker(config: ShardConfig): Promise<ShardResult> {
  return new Promise((done, fail) => {
    // A worker does not inherit tsx's loader: it registers it, then imports the shard runner.
    const entry = new URL('./worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(boot, {
      eval: true,
      workerData: config,
      resourceLimits: { maxOldGenerationSizeMb: 8192 },
    });
    worker.on('message', (message: { progress?: string; result?: ShardResult }) => {
      if (message.progress) say(`  ${message.progress}`);
      if (message.result) done(message.result);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`shard ${config.shard} exited with ${code}`));
    });
  });
}

const results = await Promise.all(
  Array.from({ length: shards }, (_, shard) =>
    runWorker({
      scenario,
      shard,
      shards,
      overheadMs: meta.overheadMs,
      perRecordMs: meta.perRecordMs,
      inflightLimit: Math.floor(meta.inflightLimit / shards),
      concurrency: {
        main: shareOf(lanes.main, shard),
        slow: shareOf(lanes.slow, shard),
      },
    }),
  ),
);
const merged = mergeShards(results);
const cost = costOf(merged, meta);
for (const line of render(merged, meta, cost)) say(line);
const verdicts = checks(merged);
say();
for (const v of verdicts) say(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.check} (${int(v.value)})`);
const wallS = (Date.now() - started) / 1000;
say(
  `\n  wall time ${wallS.toFixed(1)} s (shards: ${merged.shardWallMs.map((ms) => (ms / 1000).toFixed(0)).join(', ')} s)`,
);

const out = resolve(option('out', 'bench/results/simulation.json'));
mkdirSync(dirname(out), { recursive: true });
const summary = (histograms: typeof merged.latency) =>
  Object.fromEntries(
    Object.entries(histograms).map(([kind, h]) => [
      kind,
      {
        n: h.n,
        p50: h.percentile(50),
        p90: h.percentile(90),
        p99: h.percentile(99),
        max: h.max,
        mean: h.mean(),
      },
    ]),
  );
writeFileSync(
  out,
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      wallSeconds: wallS,
      machine: { node: process.version, cpus: cpus().length, loadAverageAtEnd: loadavg() },
      meta,
      scenario,
      settings: {
        retrySchedule: settings.retrySchedule,
        maxAttempts: settings.maxAttempts,
        deliveryTimeoutSeconds: settings.deliveryTimeoutSeconds,
        slowEndpointSeconds: settings.slowEndpointSeconds,
        circuitBreaker: [
          settings.circuitBreakerThreshold,
          settings.circuitBreakerFailureRatePercent,
          settings.circuitBreakerCooldownSeconds,
        ],
        maxReceiveCount: settings.maxReceiveCount,
      },
      figures: {
        ...merged,
        latency: summary(merged.latency),
        latencyFullBatches: summary(merged.latencyFullBatches),
      },
      cost,
      checks: verdicts,
    },
    null,
    2,
  )}\n`,
);
say(`  figures in ${out}`);
process.exitCode = verdicts.every((v) => v.pass) ? 0 : 1;

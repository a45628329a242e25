/**
 * `npm run bench`: the performance and cost targets (README: Performance and cost). Prints them, writes bench/results/latest.json.
 * Benchmarks, not tests: PASS/MISS is printed, nothing is asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { costOf, type PhaseFigures, prices } from './cost-model';
import { batchLatency, throughput } from './dispatcher-bench';
import { runScenario } from './local-support';
import { BenchReceiver } from './receiver';
import { round } from './stats';

const started = Date.now();
const say = (line = '') => console.log(line);
const pad = (text: unknown, width: number) => String(text).padEnd(width);
const padLeft = (text: unknown, width: number) => String(text).padStart(width);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const EVENTS = { cost: 2000, isolation: 300, isolationPerSecond: 10 };

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  loadAverageAtStart: loadavg().map((l) => round(l, 2)),
};
say(
  `Hookline bench — Node ${machine.node}, ${machine.cpus} CPUs, load ${machine.loadAverageAtStart.join(' ')}`,
);
if ((machine.loadAverageAtStart[0] ?? 0) > machine.cpus / 2)
  say('  note: the machine is busy; throughput and latency figures are noisier than usual');

// 1 + 2: the dispatcher path in this process, the receiver in a worker thread.
say('\n[1/4] dispatcher batch latency (10 deliveries, receiver answers after 100 ms)');
const receiver = await BenchReceiver.start();
const latency = await batchLatency(receiver);
say(
  `  batch: median ${latency.batchMs.p50} ms, p95 ${latency.batchMs.p95} ms (× ${latency.ratioMedian} / × ${latency.ratioP95} of 100 ms); ` +
    `same 10 POSTs direct: median ${latency.directBatchMs.p50} ms`,
);
say('\n[2/4] dispatcher throughput vs direct undici (10 in flight, receiver answers 204 at once)');
const rates = await throughput(receiver);
await receiver.stop();
for (const [name, r] of Object.entries(rates.rates))
  say(
    `  ${pad(name, 17)} ${padLeft(r.reqPerSec, 6)} req/s   main-thread CPU ${padLeft(r.mainThreadCpuUsPerRequest, 5)} µs/request   rounds ${r.perRound.join(' ')}`,
  );
say(
  `  ratio (median of per-round ratios): dispatcher ${rates.ratio}, sender alone ${rates.ratioSender}, dispatchDelivery without batches ${rates.ratioDispatchDelivery}; CPU-per-request ratio ${rates.cpuRatio}`,
);

// 3: local mode in a child process, every AWS request metered.
say(
  `\n[3/4] cost per million deliveries (local mode, 1 endpoint, ${EVENTS.cost} events in batches of 100)`,
);
const cost = await runScenario('cost-scenario.ts', [String(EVENTS.cost)], 240_000);
const phases = (cost.phases as (PhaseFigures & Record<string, unknown>)[]).map((phase) => ({
  name: String(phase.name),
  events: phase.events,
  deliveriesExpected: phase.deliveriesExpected,
  delivered: phase.delivered,
  allDelivered: phase.allDelivered,
  duplicates: phase.duplicates,
  publishToLastDeliveryMs: phase.publishToLastDeliveryMs,
  cost: costOf(phase),
  meter: phase.meter,
  output: phase.output,
}));
const batched = phases.find((p) => p.name === 'batched');
if (!batched) throw new Error('the cost scenario returned no batched phase');
say(
  `  ${pad('service', 16)}${pad('what', 66)}${padLeft('per delivery', 14)}  ${padLeft('$/M', 8)}`,
);
for (const line of [...batched.cost.lines, batched.cost.duration].sort(
  (a, b) => b.usdPerMillion - a.usdPerMillion,
))
  say(
    `  ${pad(line.service, 16)}${pad(line.what, 66)}${padLeft(`${line.perDelivery} ${line.unit}`, 14)}  ${padLeft(line.usdPerMillion.toFixed(4), 8)}`,
  );
say(
  `  by service: ${Object.entries(batched.cost.byService)
    .map(([s, v]) => `${s} $${v}`)
    .join(', ')}`,
);
say(
  `  outside the target's count: ${batched.cost.logs.what}: ${batched.cost.logs.perDelivery} B/delivery = $${batched.cost.logs.usdPerMillion}/M; idle empty receives: ${batched.cost.idleReceives}`,
);
for (const phase of phases)
  say(
    `  ${pad(phase.name, 26)} ${padLeft(phase.events, 5)} events, ${padLeft(phase.delivered, 5)}/${phase.deliveriesExpected} deliveries: $${phase.cost.usdPerMillionRequestsOnly}/M requests only, $${phase.cost.usdPerMillion}/M with Lambda duration, $${phase.cost.usdPerMillionWithLogs}/M with logs`,
  );

// 4: isolation, two local-mode runs in child processes.
say(
  `\n[4/4] isolation (local mode, default settings: delivery timeout 15 s; 10 endpoints, ${EVENTS.isolation} events at ${EVENTS.isolationPerSecond}/s)`,
);
const isolationArgs = [String(EVENTS.isolation), String(EVENTS.isolationPerSecond)];
const healthy = await runScenario('isolation-scenario.ts', ['healthy', ...isolationArgs], 240_000);
const hanging = await runScenario('isolation-scenario.ts', ['hanging', ...isolationArgs], 240_000);
const slow = await runScenario('isolation-scenario.ts', ['slow', ...isolationArgs], 400_000);
type Latency = { p50: number; p99: number; max: number };
const healthyLatency = healthy.latencyMs as Latency;
const hangingLatency = hanging.latencyMs as Latency;
for (const run of [healthy, hanging, slow]) {
  const l = run.latencyMs as Latency;
  say(
    `  ${pad(run.mode, 8)} healthy endpoints' publish→delivery: p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (${run.deliveriesSeen}/${run.deliveriesExpected} seen)` +
      (run.mode === 'hanging'
        ? `; hanging endpoint was sent ${run.hangingEndpointRequests} requests`
        : '') +
      (run.mode === 'slow'
        ? `; the 8-s endpoint got ${run.slowEndpointDelivered}/${run.events} delivered`
        : ''),
  );
}
const isolationRatio = round(hangingLatency.p99 / healthyLatency.p99, 2);
const slowLatency = slow.latencyMs as Latency;
const slowRatio = round(slowLatency.p99 / healthyLatency.p99, 2);

const summary = [
  {
    figure: 'dispatcher batch of 10, receiver 100 ms: p95 (median) / 100 ms',
    value: `${latency.ratioP95} (${latency.ratioMedian})`,
    target: `≤ ${latency.target}`,
    pass: latency.ratioP95 <= latency.target,
  },
  {
    figure: 'dispatcher throughput / direct undici',
    value: `${rates.ratio} (${rates.rates.dispatcher?.reqPerSec} vs ${rates.rates.direct?.reqPerSec} req/s)`,
    target: `≥ ${rates.target}`,
    pass: rates.ratio >= rates.target,
  },
  {
    figure: '$ per million deliveries, batched publishing',
    value: `$${batched.cost.usdPerMillion} ($${batched.cost.usdPerMillionRequestsOnly} w/o duration)`,
    target: `≤ $${batched.cost.target}`,
    pass: batched.cost.usdPerMillion <= (batched.cost.target ?? 0),
  },
  {
    figure: 'isolation: healthy p99, 1 of 10 hanging / all healthy',
    value: `${isolationRatio} (${hangingLatency.p99} vs ${healthyLatency.p99} ms)`,
    target: '≤ 1.2',
    pass: isolationRatio <= 1.2,
  },
  {
    figure: 'isolation: 1 of 10 answering in 8 s: delivered in full; healthy p99 / all healthy',
    value: `${slow.slowEndpointDelivered}/${slow.events}; ${slowRatio} (${slowLatency.p99} ms)`,
    target: 'all; ≤ 1.2',
    pass: slow.slowEndpointDelivered === slow.events && slowRatio <= 1.2,
  },
];

const results = {
  at: new Date().toISOString(),
  durationS: round((Date.now() - started) / 1000, 1),
  machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
  summary,
  dispatcherLatency: latency,
  dispatcherThroughput: rates,
  cost: { prices, setup: cost.setup, phases },
  isolation: {
    healthy,
    hanging,
    slow,
    p99Ratio: isolationRatio,
    slowP99Ratio: slowRatio,
    target: 1.2,
  },
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

say(`\n${pad('figure', 64)}${pad('value', 44)}${pad('target', 10)}result`);
for (const row of summary)
  say(`${pad(row.figure, 64)}${pad(row.value, 44)}${pad(row.target, 10)}${verdict(row.pass)}`);
say(`\n${results.durationS} s; figures in bench/results/latest.json`);

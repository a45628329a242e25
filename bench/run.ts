/**
 * `npm run bench`: the performance and cost targets (README: Performance and cost). Prints them, writes bench/results/latest.json.
 * Benchmarks, not tests: PASS/MISS is printed, nothing is asserted.
 *
 * `npm run bench -- --markdown` runs nothing: it prints the last results as a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { coldStart } from './cold-start';
import { costOf, type PhaseFigures, prices } from './cost-model';
import { batchLatency, throughput } from './dispatcher-bench';
import { runScenario } from './local-support';
import { markdownOf, type ReportRow, readLatest, type SummaryRow } from './markdown';
import { BenchReceiver } from './receiver';
import { round } from './stats';

if (process.argv.includes('--markdown')) {
  console.log(markdownOf(readLatest()));
  process.exit(0);
}

const started = Date.now();
const say = (line = '') => console.log(line);
const pad = (text: unknown, width: number) => String(text).padEnd(width);
const padLeft = (text: unknown, width: number) => String(text).padStart(width);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const EVENTS = { cost: 2000, e2e: 5000, isolation: 300, isolationPerSecond: 10 };
const STEPS = 6;

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
say(`\n[1/${STEPS}] dispatcher batch latency (10 deliveries, receiver answers after 100 ms)`);
const receiver = await BenchReceiver.start();
const latency = await batchLatency(receiver);
say(
  `  batch: median ${latency.batchMs.p50} ms, p95 ${latency.batchMs.p95} ms (× ${latency.ratioMedian} / × ${latency.ratioP95} of 100 ms); ` +
    `same 10 POSTs direct: median ${latency.directBatchMs.p50} ms`,
);
say(
  `\n[2/${STEPS}] dispatcher throughput vs direct undici (10 in flight, receiver answers 204 at once)`,
);
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
  `\n[3/${STEPS}] cost per million deliveries (local mode; ${EVENTS.cost} events in batches of 100 to 1 endpoint, and the variants below)`,
);
const cost = await runScenario('cost-scenario.ts', [String(EVENTS.cost)], 420_000);
const phases = (cost.phases as (PhaseFigures & Record<string, unknown>)[]).map((phase) => ({
  name: String(phase.name),
  events: phase.events,
  endpoints: phase.endpoints,
  via: phase.via,
  deliveriesExpected: phase.deliveriesExpected,
  delivered: phase.delivered,
  allDelivered: phase.allDelivered,
  duplicates: phase.duplicates,
  failedFirstAttempts: phase.failedFirstAttempts,
  publishToLastDeliveryMs: phase.publishToLastDeliveryMs,
  cost: costOf(phase),
  meter: phase.meter,
  output: phase.output,
}));
type Phase = (typeof phases)[number];
const phaseNamed = (name: string): Phase => {
  const found = phases.find((p) => p.name === name);
  if (!found) throw new Error(`the cost scenario returned no ${name} phase`);
  return found;
};
const costLines = (phase: Phase, top = Number.POSITIVE_INFINITY) => {
  for (const line of [...phase.cost.lines, phase.cost.duration]
    .filter((l) => l.usdPerMillion > 0)
    .sort((a, b) => b.usdPerMillion - a.usdPerMillion)
    .slice(0, top))
    say(
      `    ${pad(line.service, 16)}${pad(line.what, 66)}${padLeft(`${line.perDelivery} ${line.unit}`, 16)}  ${padLeft(line.usdPerMillion.toFixed(4), 8)}`,
    );
};
const batched = phaseNamed('batched');
say(`  batched (the headline figure):`);
say(
  `    ${pad('service', 16)}${pad('what', 66)}${padLeft('per delivery', 16)}  ${padLeft('$/M', 8)}`,
);
costLines(batched);
say(
  `    outside the target's count: ${batched.cost.logs.what}: ${batched.cost.logs.perDelivery} B/delivery = $${batched.cost.logs.usdPerMillion}/M; idle empty receives: ${batched.cost.idleReceives}`,
);
for (const name of ['eventBridge', 'batchedFailing10', 'fanout100']) {
  const phase = phaseNamed(name);
  say(`  ${name}, the largest lines:`);
  costLines(phase, 5);
}
say('  all phases:');
for (const phase of phases)
  say(
    `    ${pad(phase.name, 26)} ${padLeft(phase.events, 5)} events × ${padLeft(phase.endpoints, 3)} endpoints, ${padLeft(phase.delivered, 5)}/${phase.deliveriesExpected} delivered: ` +
      `$${phase.cost.usdPerMillionRequestsOnly}/M requests only, $${phase.cost.usdPerMillion}/M with Lambda duration, $${phase.cost.usdPerMillionWithLogs}/M with logs; by service ${Object.entries(
        phase.cost.byService,
      )
        .filter(([, v]) => v > 0)
        .map(([s, v]) => `${s} $${v}`)
        .join(', ')}`,
  );
const scaling = (['batched', 'fanout10', 'fanout100'] as const).map((name) => {
  const phase = phaseNamed(name);
  return {
    endpointsPerEvent: Number(phase.endpoints),
    events: phase.events,
    deliveries: phase.delivered,
    usdPerMillion: phase.cost.usdPerMillion,
    dispatcherMsPerDelivery: phase.cost.dispatcherMsPerDelivery,
  };
});
say(
  '  scaling with fan-out (dispatcher time = measured handler time ÷ records, 4 local invocations at once):',
);
for (const row of scaling)
  say(
    `    ${padLeft(row.endpointsPerEvent, 3)} endpoints/event: $${row.usdPerMillion}/M, dispatcher ${row.dispatcherMsPerDelivery} ms/delivery (${row.deliveries} deliveries)`,
  );

// 4: end to end, local mode in a child process, against the direct path.
say(
  `\n[4/${STEPS}] end to end in local mode (default settings; ${EVENTS.e2e} events in batches of 100 to 3 endpoints), vs the same signed POSTs sent directly`,
);
const e2e = await runScenario('e2e-scenario.ts', [String(EVENTS.e2e)], 300_000);
type E2eLatency = { p50: number; p95: number; p99: number; max: number };
const e2eLatency = e2e.latencyMs as E2eLatency;
const e2eDirect = e2e.direct as { deliveriesPerSec: number; inFlight: number; failures: number };
say(
  `  local mode: ${e2e.deliveriesSeen}/${e2e.deliveriesExpected} delivered (${e2e.duplicates} duplicates) in ${e2e.firstPublishToLastDeliveryMs} ms = ${e2e.deliveriesPerSec} deliveries/s; publishing took ${e2e.publishMs} ms (${e2e.publishEventsPerSec} events/s)`,
);
say(
  `  publish→delivery: p50 ${e2eLatency.p50} ms, p95 ${e2eLatency.p95} ms, p99 ${e2eLatency.p99} ms, max ${e2eLatency.max} ms`,
);
say(
  `  direct undici, ${e2eDirect.inFlight} in flight: ${e2eDirect.deliveriesPerSec} req/s; ratio ${e2e.ratio}`,
);

// 5: isolation, local-mode runs in child processes.
say(
  `\n[5/${STEPS}] isolation (local mode, default settings: delivery timeout 15 s; 10 endpoints, ${EVENTS.isolation} events at ${EVENTS.isolationPerSecond}/s)`,
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

// 6: bundles and cold start, esbuild in this process, each measurement a fresh node process.
say(
  `\n[6/${STEPS}] Lambda bundles (esbuild as the stack bundles them) and cold start (median of 5 fresh node processes)`,
);
const cold = await coldStart();
say(
  `  ${pad('function', 12)}${padLeft('bundle', 11)}${padLeft('gzip', 10)}${padLeft('import', 9)}${padLeft('build', 8)}${padLeft('total', 8)}${padLeft('no maps', 9)}  largest sources`,
);
for (const f of cold.functions)
  say(
    `  ${pad(f.function, 12)}${padLeft(`${round(f.bundleBytes / 1024, 0)} KB`, 11)}${padLeft(`${round(f.bundleGzipBytes / 1024, 0)} KB`, 10)}` +
      `${padLeft(`${f.asDeployed.importMs}`, 9)}${padLeft(`${f.asDeployed.buildMs}`, 8)}${padLeft(`${f.asDeployed.importAndBuildMs}`, 8)}${padLeft(`${f.withoutSourceMaps.importAndBuildMs}`, 9)}  ` +
      f.largestSources
        .slice(0, 4)
        .map((s) => `${s.source} ${round(s.bytes / 1024, 0)} KB`)
        .join(', ') +
      (f.awsRequestsWhileBuilding ? `  (${f.awsRequestsWhileBuilding} AWS requests!)` : '') +
      (f.asDeployed.errors.length ? `  errors: ${f.asDeployed.errors.join('; ')}` : ''),
  );
say(
  '  (ms: import of the bundle, handler build on the first invocation, their sum; "no maps": the sum without NODE_OPTIONS=--enable-source-maps)',
);

// Every figure: those with a target in `summary`, the others in `report`.
const costRow = (name: string, figure: string): SummaryRow => {
  const phase = phaseNamed(name);
  const target = phase.cost.target ?? Number.NaN;
  return {
    figure,
    value: `$${phase.cost.usdPerMillion} ($${phase.cost.usdPerMillionRequestsOnly} w/o duration)`,
    target: `≤ $${target.toFixed(2)}`,
    pass: phase.allDelivered === true && phase.cost.usdPerMillion <= target,
  };
};
const summary: SummaryRow[] = [
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
  costRow('batched', '$ per million deliveries, batched publishing (100/request)'),
  costRow('batchedWithIdempotencyKey', '$ per million deliveries, batched with Idempotency-Key'),
  costRow('single', '$ per million deliveries, one event per HTTPS request'),
  costRow('batchedFailing10', '$ per million deliveries, batched, 10 % of first attempts fail'),
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
const eventBridge = phaseNamed('eventBridge');
const report: ReportRow[] = [
  {
    figure: '$ per million deliveries, one event per EventBridge PutEvents entry',
    value: `$${eventBridge.cost.usdPerMillion} (EventBridge $${eventBridge.cost.byService.eventbridge ?? 0})`,
  },
  ...scaling.map((row) => ({
    figure: `fan-out ${row.endpointsPerEvent}: $ per million deliveries; dispatcher time per delivery`,
    value: `$${row.usdPerMillion}; ${row.dispatcherMsPerDelivery} ms`,
  })),
  {
    figure: `end to end, local mode: deliveries/s (${e2e.deliveriesSeen} deliveries)`,
    value: `${e2e.deliveriesPerSec}/s`,
  },
  {
    figure: 'end to end: publish→delivery p50 / p95 / p99',
    value: `${e2eLatency.p50} / ${e2eLatency.p95} / ${e2eLatency.p99} ms`,
  },
  {
    figure: `end to end: local mode / direct undici (${e2eDirect.inFlight} in flight)`,
    value: `${e2e.ratio} (${e2e.deliveriesPerSec} vs ${e2eDirect.deliveriesPerSec} req/s)`,
  },
  ...cold.functions.map((f) => ({
    figure: `${f.function}: bundle (gzip); cold import + handler build`,
    value: `${round(f.bundleBytes / 1024, 0)} KB (${round(f.bundleGzipBytes / 1024, 0)} KB); ${f.asDeployed.importAndBuildMs} ms`,
  })),
];

const results = {
  at: new Date().toISOString(),
  durationS: round((Date.now() - started) / 1000, 1),
  machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
  summary,
  report,
  dispatcherLatency: latency,
  dispatcherThroughput: rates,
  cost: { prices, setup: cost.setup, phases, scaling },
  endToEnd: e2e,
  isolation: {
    healthy,
    hanging,
    slow,
    p99Ratio: isolationRatio,
    slowP99Ratio: slowRatio,
    target: 1.2,
  },
  coldStart: cold,
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

say(`\n${pad('figure', 82)}${pad('value', 46)}${pad('target', 12)}result`);
for (const row of summary)
  say(`${pad(row.figure, 82)}${pad(row.value, 46)}${pad(row.target, 12)}${verdict(row.pass)}`);
for (const row of report) say(`${pad(row.figure, 82)}${pad(row.value, 46)}${pad('—', 12)}report`);
say(
  `\n${results.durationS} s; figures in bench/results/latest.json (\`npm run bench -- --markdown\` prints them as a Markdown table)`,
);

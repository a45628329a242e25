/** Turns the merged figures into the printed tables, the cost per million and the JSON file. */
import prices from '../prices.json' with { type: 'json' };
import type { Merged } from './merge';
import { HOPS } from './meters';
import type { HourSnapshot } from './shard';
import { KINDS } from './world';

export interface RunMeta {
  readonly hours: number;
  readonly endpoints: number;
  readonly ratePerSecond: number;
  readonly fraction: number;
  readonly seed: number;
  readonly quantumMs: number;
  readonly memoryMb: number;
  readonly overheadMs: number;
  readonly perRecordMs: number;
  readonly maxConcurrency: { readonly main: number; readonly slow: number };
  readonly batchSize: number;
  readonly inflightLimit: number;
}

const MILLION = 1_000_000;
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((s, v) => s + v, 0);
const duration = (ms: number) => {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  if (ms < 3_600_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 3_600_000).toFixed(2)} h`;
};

export function costOf(m: Merged, meta: RunMeta) {
  const lambdaInvocations = m.lanes.main.invocations + m.lanes.slow.invocations;
  const billedMs = m.lanes.main.billedMs + m.lanes.slow.billedMs;
  const gbSeconds = (billedMs / 1000) * (meta.memoryMb / 1024);
  const sqsRequests =
    sum(m.meter.sqs) +
    m.queues.main.receiveCalls +
    m.queues.main.deleteCalls +
    m.queues.slow.receiveCalls +
    m.queues.slow.deleteCalls;
  const wru = sum(m.meter.wru);
  const rru = sum(m.meter.rru);
  const events = sum(m.meter.eventBridge);
  const usd = {
    lambdaRequests: (lambdaInvocations * prices.lambda.requestPerMillion) / MILLION,
    lambdaDuration: gbSeconds * prices.lambda.arm64GbSecond,
    sqs: (sqsRequests * prices.sqs.requestPerMillion) / MILLION,
    dynamodbWrites: (wru * prices.dynamodb.writeRequestUnitPerMillion) / MILLION,
    dynamodbReads: (rru * prices.dynamodb.readRequestUnitPerMillion) / MILLION,
    eventBridge: (events * prices.eventBridge.customEventPerMillion) / MILLION,
  };
  const total = Object.values(usd).reduce((s, v) => s + v, 0);
  const perMillion = (value: number, per: number) => (per > 0 ? (value / per) * MILLION : NaN);
  // At a fraction of the traffic the slow lane's batches are nearly empty; each still lasts
  // the endpoint's answer time. Full batches at full scale bill the same time for 10 records.
  const slow = m.lanes.slow;
  const slowFill = slow.invocations > 0 ? slow.records / slow.invocations / meta.batchSize : 1;
  const fullScaleDuration =
    usd.lambdaDuration -
    (slow.billedMs / 1000) *
      (meta.memoryMb / 1024) *
      prices.lambda.arm64GbSecond *
      (1 - Math.min(1, slowFill));
  const lines = Object.entries(usd).map(([item, value]) => ({
    item,
    usdPerMillionPublished: perMillion(value, m.published),
    usdPerMillionDelivered: perMillion(value, m.tally.delivered),
  }));
  return {
    units: { lambdaInvocations, gbSeconds, sqsRequests, wru, rru, events },
    lines,
    usdPerMillionPublished: perMillion(total, m.published),
    usdPerMillionDelivered: perMillion(total, m.tally.delivered),
    fullScaleEstimate: {
      lambdaDurationUsdPerMillionPublished: perMillion(fullScaleDuration, m.published),
      usdPerMillionPublished: perMillion(
        total - usd.lambdaDuration + fullScaleDuration,
        m.published,
      ),
    },
  };
}

/** Concurrency a lane would need at full scale over one stretch, with full batches. */
function neededConcurrency(
  from: HourSnapshot | undefined,
  to: HourSnapshot,
  lane: 'main' | 'slow',
  meta: RunMeta,
) {
  const records = to[`${lane}Records`] - (from?.[`${lane}Records`] ?? 0);
  const invocations = to[`${lane}Invocations`] - (from?.[`${lane}Invocations`] ?? 0);
  const billed = to[`${lane}BilledMs`] - (from?.[`${lane}BilledMs`] ?? 0);
  const spanMs = (to.hour - (from?.hour ?? 0)) * 3_600_000;
  if (invocations === 0 || spanMs === 0) return { recordsPerSecond: 0, needed: 0 };
  const fullInvocations = records / meta.fraction / meta.batchSize;
  return {
    recordsPerSecond: records / meta.fraction / (spanMs / 1000),
    needed: (fullInvocations * (billed / invocations)) / spanMs,
  };
}

export function render(m: Merged, meta: RunMeta, cost: ReturnType<typeof costOf>): string[] {
  const out: string[] = [];
  const say = (line = '') => out.push(line);
  const k = 1 / meta.fraction;
  const scaled = meta.fraction !== 1;
  const row = (label: string, value: number, full = true) =>
    say(
      `  ${label.padEnd(46)}${int(value).padStart(14)}${scaled ? (full ? int(value * k) : '').padStart(18) : ''}`,
    );
  const dead = m.meter.deadLetters;
  const deadTotal = m.tally.deadLettered;
  const lost = m.tally.lost;
  say(
    `\n  ${'deliveries'.padEnd(46)}${'simulated'.padStart(14)}${scaled ? `full scale ×${fixed(k, 0)}`.padStart(18) : ''}`,
  );
  row('published', m.published);
  row('delivered (2xx)', m.tally.delivered);
  row('dead-lettered', deadTotal);
  for (const [reason, count] of Object.entries(dead).sort()) row(`  reason ${reason}`, count);
  if (dead['moved by SQS redrive (no reason)'] === undefined)
    row('  moved by SQS redrive (no reason)', 0);
  row('pending at the end (in a queue)', m.tally.pending);
  for (const kind of KINDS)
    if (m.pending.byKind[kind])
      row(
        `  to ${kind} endpoints (oldest ${duration(m.pending.maxAgeMs[kind] ?? 0)})`,
        m.pending.byKind[kind] ?? 0,
      );
  row(`  past their schedule (> ${duration(m.overdueAfterMs)} old)`, m.pending.overdue);
  row('LOST (published − delivered − dead − pending)', lost);
  row('delivered twice', m.duplicateDeliveries);
  row('dead-lettered after a 2xx / twice', m.deadLetteredAfterDelivery + m.duplicateDeadLetters);
  if (deadTotal > 0) {
    say(
      `\n  ${'dead letters by endpoint kind and reason'.padEnd(46)}${'count'.padStart(14)}  mean attempts  mean skipped`,
    );
    for (const [key, count] of Object.entries(m.meter.deadLettersByKind).sort())
      say(
        `    ${key.padEnd(44)}${int(count).padStart(14)}${fixed((m.meter.deadLetterAttempts[key] ?? 0) / count, 2).padStart(15)}${fixed((m.meter.deadLetterSkips[key] ?? 0) / count, 1).padStart(14)}`,
      );
  }

  say('\n  publish→delivery latency        n          p50        p90        p99        max');
  const latencies = [
    ['as simulated', m.latency],
    ...(scaled
      ? ([
          [
            'less the wait for a batch to fill at this scale (≈ full-scale batching)',
            m.latencyFullBatches,
          ],
        ] as const)
      : []),
  ] as const;
  for (const [label, histograms] of latencies) {
    say(`  ${label}`);
    for (const kind of KINDS.filter((kind) => kind !== 'dead')) {
      const h = histograms[kind];
      say(
        `    ${kind.padEnd(8)}${int(h.n).padStart(16)}${[50, 90, 99].map((p) => duration(h.percentile(p)).padStart(11)).join('')}${duration(h.max).padStart(11)}`,
      );
    }
  }

  say('\n  SQS                                         main queue    slow lane');
  const q = (label: string, pick: (f: Merged['queues']['main']) => number) =>
    say(
      `  ${label.padEnd(40)}${int(pick(m.queues.main)).padStart(14)}${int(pick(m.queues.slow)).padStart(13)}`,
    );
  q('messages sent (ingest, waits, hand-offs)', (f) => f.sent);
  q('messages received', (f) => f.received);
  q(`peak in flight (limit ${int(meta.inflightLimit)})`, (f) => f.peakInflight);
  q('receives refused OverLimit', (f) => f.overLimit);
  q('peak visible', (f) => f.peakVisible);
  q('peak delayed', (f) => f.peakDelayed);
  q('peak visible + delayed', (f) => f.peakStored);
  q('visibility timeouts expired', (f) => f.visibilityExpired);
  q('sends refused (DelaySeconds > 900)', (f) => f.rejectedSends);
  if (scaled)
    say(
      `  (peaks: sum of the shards' peaks at ${fixed(meta.fraction * 100, 1)} % scale; delayed+visible grows ~×${fixed(k, 0)} at full scale, in flight does not: it is bounded by concurrency × batch)`,
    );

  say(
    '\n  messages sent per published delivery, by cause        all  healthy    flaky     slow     dead',
  );
  const perKind = (cause: string) =>
    KINDS.map((kind) =>
      fixed(
        (m.meter.waitsByKind[`${kind}|${cause}`] ?? 0) / (m.publishedByKind[kind] ?? 0),
        2,
      ).padStart(9),
    ).join('');
  say(
    `  ${'ingest (the first message)'.padEnd(48)}${fixed(1, 2).padStart(9)}${KINDS.map(() => fixed(1, 2).padStart(9)).join('')}`,
  );
  const causes = Object.entries(m.meter.waits).filter(([cause]) => cause !== HOPS);
  causes.sort((a, b) => b[1] - a[1]);
  for (const [cause, count] of [...causes, [HOPS, m.meter.waits[HOPS] ?? 0] as const])
    say(`  ${cause.padEnd(48)}${fixed(count / m.published, 2).padStart(9)}${perKind(cause)}`);
  say(
    `  ${'records received by the dispatcher'.padEnd(48)}${fixed((m.queues.main.received + m.queues.slow.received) / m.published, 2).padStart(9)}`,
  );

  say('\n  Lambda (dispatcher)                          main lane    slow lane');
  const hours = m.simulatedMs / 3_600_000;
  const l = (label: string, pick: (lane: 'main' | 'slow') => string) =>
    say(`  ${label.padEnd(40)}${pick('main').padStart(14)}${pick('slow').padStart(13)}`);
  l('maximum concurrency (simulated)', (lane) => int(m.concurrency[lane]));
  l('invocations', (lane) => int(m.lanes[lane].invocations));
  l('records per invocation', (lane) =>
    fixed(m.lanes[lane].records / m.lanes[lane].invocations, 1),
  );
  l('peak concurrency', (lane) => int(m.lanes[lane].peakConcurrency));
  l('mean concurrency', (lane) => fixed(m.lanes[lane].billedMs / m.simulatedMs, 2));
  l(`GB-seconds (${meta.memoryMb} MB)`, (lane) =>
    int((m.lanes[lane].billedMs / 1000) * (meta.memoryMb / 1024)),
  );
  l(
    'batch item failures / timed out',
    (lane) => `${m.lanes[lane].itemFailures} / ${m.lanes[lane].timedOut}`,
  );
  const last = m.hours[m.hours.length - 1];
  const before = m.hours[m.hours.length - 2];
  if (last && scaled) {
    const tag = 'at full scale, ';
    for (const [label, from] of [
      [`${tag}whole run`, undefined],
      [`${tag}last hour`, before],
    ] as const) {
      const main = neededConcurrency(from, last, 'main', meta);
      const slow = neededConcurrency(from, last, 'slow', meta);
      l(`records/s, ${label}`, (lane) =>
        int(lane === 'main' ? main.recordsPerSecond : slow.recordsPerSecond),
      );
      l(
        `≈ concurrency needed (limit ${meta.maxConcurrency.main}/${meta.maxConcurrency.slow})`,
        (lane) => fixed(lane === 'main' ? main.needed : slow.needed, 1),
      );
    }
    say(
      '  (needed = full batches of 10 × the mean invocation duration simulated; above the limit the lane falls behind)',
    );
    const steady = {
      main: neededConcurrency(before, last, 'main', meta).needed,
      slow: neededConcurrency(before, last, 'slow', meta).needed,
    };
    const hint = {
      main: 'run it at its full-scale share: --fraction 0.05 --shards 1 --main-concurrency 1 --slow-concurrency 1',
      slow: 'its backlog shows within minutes at full scale: --fraction 1 --hours 0.25',
    };
    for (const lane of ['main', 'slow'] as const) {
      if (steady[lane] <= meta.maxConcurrency[lane]) continue;
      say(
        `  WARNING: at full scale the ${lane} lane would fall behind (≈ ${fixed(steady[lane], 1)} > ${meta.maxConcurrency[lane]}); ` +
          `the figures above assume it keeps up; ${hint[lane]}`,
      );
    }
  }

  say(
    `\n  cost per million deliveries (${prices.region} list prices, bench/prices.json)   per published  per delivered`,
  );
  for (const line of cost.lines)
    say(
      `  ${line.item.padEnd(50)}${fixed(line.usdPerMillionPublished, 4).padStart(14)}${fixed(line.usdPerMillionDelivered, 4).padStart(15)}`,
    );
  say(
    `  ${'total'.padEnd(50)}${fixed(cost.usdPerMillionPublished, 4).padStart(14)}${fixed(cost.usdPerMillionDelivered, 4).padStart(15)}`,
  );
  if (scaled) {
    const estimate = cost.fullScaleEstimate;
    say('  full-scale estimate: slow lane in full batches');
    say(
      `  ${'  lambdaDuration'.padEnd(50)}${fixed(estimate.lambdaDurationUsdPerMillionPublished, 4).padStart(14)}`,
    );
    say(`  ${'  total'.padEnd(50)}${fixed(estimate.usdPerMillionPublished, 4).padStart(14)}`);
  }
  say(
    `  (dispatch side only, from the first SendMessageBatch on; publishing (API, ingest, events table) is in npm run bench)`,
  );

  say(
    '\n  hour  published   delivered   main visible  main delayed  slow visible  slow delayed  records/s',
  );
  let previous: HourSnapshot | undefined;
  const every = Math.max(1, Math.round(m.hours.length / 24));
  m.hours.forEach((h, index) => {
    const records =
      h.mainRecords + h.slowRecords - ((previous?.mainRecords ?? 0) + (previous?.slowRecords ?? 0));
    const span = (h.hour - (previous?.hour ?? 0)) * 3600;
    if (index % every === 0 || index === m.hours.length - 1)
      say(
        `  ${fixed(h.hour, 1).padStart(4)}${int(h.published).padStart(11)}${int(h.delivered).padStart(12)}${int(h.mainVisible).padStart(15)}${int(h.mainDelayed).padStart(14)}${int(h.slowVisible).padStart(14)}${int(h.slowDelayed).padStart(14)}${int(records / span).padStart(11)}`,
      );
    previous = h;
  });
  say(`  (simulated scale; ${fixed(hours, 2)} h)`);
  return out;
}

export function checks(m: Merged) {
  return [
    { check: 'nothing lost', value: m.tally.lost, pass: m.tally.lost === 0 },
    {
      check: 'no receive refused OverLimit',
      value: m.queues.main.overLimit + m.queues.slow.overLimit,
      pass: m.queues.main.overLimit + m.queues.slow.overLimit === 0,
    },
    {
      check: 'no message moved to the DLQ by SQS without a reason',
      value: m.queues.main.redriven + m.queues.slow.redriven,
      pass: m.queues.main.redriven + m.queues.slow.redriven === 0,
    },
  ];
}

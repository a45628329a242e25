/** Adds up the shards' figures: counts are summed, peaks too (an upper bound), histograms merged. */
import { Histogram } from './histogram';
import type { HourSnapshot, ShardResult } from './shard';
import { KINDS } from './world';

type Counts = Record<string, number>;

export function sumCounts(parts: readonly Counts[]): Counts {
  const total: Counts = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) total[key] = (total[key] ?? 0) + value;
  }
  return total;
}

const maxCounts = (parts: readonly Counts[]): Counts => {
  const top: Counts = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) top[key] = Math.max(top[key] ?? 0, value);
  }
  return top;
};

const sumObjects = <T extends object>(parts: readonly T[]): T =>
  sumCounts(parts as unknown as Counts[]) as unknown as T;

function mergeHours(parts: readonly (readonly HourSnapshot[])[]): HourSnapshot[] {
  const first = parts[0] ?? [];
  return first
    .map((snapshot, index) => sumObjects(parts.map((hours) => hours[index] ?? snapshot)))
    .map((snapshot, index) => ({ ...snapshot, hour: first[index]?.hour ?? snapshot.hour }));
}

export function mergeShards(results: readonly ShardResult[]) {
  const merged = (pick: (r: ShardResult) => ShardResult['latency']) =>
    Object.fromEntries(
      KINDS.map((kind) => [kind, Histogram.merge(results.map((r) => pick(r)[kind]))]),
    ) as Record<(typeof KINDS)[number], Histogram>;
  const latency = merged((r) => r.latency);
  const latencyFullBatches = merged((r) => r.latencyFullBatches);
  return {
    shards: results.length,
    endpointsByKind: sumCounts(results.map((r) => r.endpointsByKind)),
    published: results.reduce((s, r) => s + r.published, 0),
    publishedByKind: sumCounts(results.map((r) => r.publishedByKind)),
    tally: sumObjects(results.map((r) => r.tally)),
    duplicateDeliveries: results.reduce((s, r) => s + r.duplicateDeliveries, 0),
    duplicateDeadLetters: results.reduce((s, r) => s + r.duplicateDeadLetters, 0),
    deadLetteredAfterDelivery: results.reduce((s, r) => s + r.deadLetteredAfterDelivery, 0),
    latency,
    latencyFullBatches,
    requestsByKind: sumCounts(results.map((r) => r.requestsByKind)),
    queues: {
      main: sumObjects(results.map((r) => r.queues.main)),
      slow: sumObjects(results.map((r) => r.queues.slow)),
    },
    lanes: {
      main: sumObjects(results.map((r) => r.lanes.main)),
      slow: sumObjects(results.map((r) => r.lanes.slow)),
    },
    concurrency: sumObjects(results.map((r) => r.concurrency)),
    containers: results.reduce((s, r) => s + r.containers, 0),
    meter: {
      rru: sumCounts(results.map((r) => r.meter.rru)),
      wru: sumCounts(results.map((r) => r.meter.wru)),
      sqs: sumCounts(results.map((r) => r.meter.sqs)),
      eventBridge: sumCounts(results.map((r) => r.meter.eventBridge)),
      deadLetters: sumCounts(results.map((r) => r.meter.deadLetters)),
      deadLettersByKind: sumCounts(results.map((r) => r.meter.deadLettersByKind)),
      deadLetterAttempts: sumCounts(results.map((r) => r.meter.deadLetterAttempts)),
      deadLetterSkips: sumCounts(results.map((r) => r.meter.deadLetterSkips)),
      waitsByKind: sumCounts(results.map((r) => r.meter.waitsByKind)),
      waits: sumCounts(results.map((r) => r.meter.waits)),
      attemptsOk: results.reduce((s, r) => s + r.meter.attemptsOk, 0),
      attemptsFailed: results.reduce((s, r) => s + r.meter.attemptsFailed, 0),
    },
    pending: {
      byKind: sumCounts(results.map((r) => r.pending.byKind)),
      maxAgeMs: maxCounts(results.map((r) => r.pending.maxAgeMs)),
      overdue: results.reduce((s, r) => s + r.pending.overdue, 0),
    },
    overdueAfterMs: results[0]?.overdueAfterMs ?? 0,
    notesPending: results.reduce((s, r) => s + r.notesPending, 0),
    hours: mergeHours(results.map((r) => r.hours)),
    simulatedMs: results[0]?.simulatedMs ?? 0,
    shardWallMs: results.map((r) => r.wallMs),
  };
}

export type Merged = ReturnType<typeof mergeShards>;

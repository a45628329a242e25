import { describe, expect, it } from 'vitest';
import { MemoryEndpoints, MemoryQueue } from '../../lambda/adapters/memory/stores';
import type { StoredEvent } from '../../lambda/domain/event';
import {
  type DeadLetter,
  type Job,
  type JobDependencies,
  type JobPageMessage,
  type JobProgress,
  runJobPage,
  startJob,
} from '../../lambda/domain/jobs';
import type { DeliveryRecord } from '../../lambda/domain/ports';
import { anEndpoint } from '../support/records';

class MemoryJobs {
  readonly items = new Map<string, Job>();
  async create(job: Job) {
    this.items.set(job.id, job);
  }
  async get(id: string) {
    return this.items.get(id);
  }
  async advance(id: string, page: number, progress: JobProgress, at: string) {
    const job = this.items.get(id);
    if (!job || job.page !== page) return false;
    this.items.set(id, {
      ...job,
      page: page + 1,
      status: progress.done ? 'completed' : 'running',
      scanned: job.scanned + progress.scanned,
      queued: job.queued + progress.queued,
      ...(progress.cursor !== undefined && { cursor: progress.cursor }),
      updatedAt: at,
    });
    return true;
  }
}

const minute = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();

function anEventAt(i: number, type = 'invoice.paid'): StoredEvent {
  return {
    id: `msg_${String(i).padStart(4, '0')}`,
    type,
    version: 1,
    tenant: 'acme',
    timestamp: minute(i),
    data: { i },
    requestHash: 'h',
    endpointIds: [],
  };
}

function setup(events: StoredEvent[], letters: DeadLetter[] = []) {
  const endpoint = anEndpoint({ tenant: 'acme' });
  const endpoints = new MemoryEndpoints();
  void endpoints.create(endpoint);
  const jobQueue: JobPageMessage[] = [];
  const records: DeliveryRecord[] = [];
  const dlq = [...letters];
  const deps: JobDependencies = {
    jobs: new MemoryJobs(),
    jobQueue: { enqueue: async (m) => void jobQueue.push(m) },
    events: {
      async page(tenant, range, cursor, limit) {
        const inRange = events.filter(
          (e) => e.tenant === tenant && e.timestamp >= range.since && e.timestamp < range.until,
        );
        const start = cursor === undefined ? 0 : Number(cursor);
        const next = start + limit;
        return {
          items: inRange.slice(start, next),
          ...(next < inRange.length && { cursor: String(next) }),
        };
      },
    },
    endpoints,
    deliveries: {
      getMany: async (keys) =>
        records.filter((r) =>
          keys.some((k) => k.eventId === r.eventId && k.endpointId === r.endpointId),
        ),
      requeue: async () => undefined,
    },
    deliveryQueue: new MemoryQueue(),
    deadLetters: {
      receive: async (max) => dlq.slice(0, max),
      remove: async (removed) => {
        for (const letter of removed) dlq.splice(dlq.indexOf(letter), 1);
      },
      release: async () => undefined,
    },
    now: () => Date.parse('2026-11-27T12:00:00Z'),
  };
  return { deps, endpoint, jobQueue, records, dlq, queue: deps.deliveryQueue as MemoryQueue };
}

describe('replay jobs', () => {
  it('pages a large replay across messages when time runs short, and finishes it', async () => {
    // Prepare
    const events = Array.from({ length: 350 }, (_, i) => anEventAt(i));
    const { deps, endpoint, jobQueue, queue } = setup(events);
    const spec = {
      kind: 'replay' as const,
      endpointId: endpoint.id,
      tenant: 'acme',
      since: minute(0),
      until: minute(1000),
      onlyFailed: false,
    };
    await startJob(deps, 'job_1', spec);
    let clock = 0;
    // Each read of 100 events costs 20 s of a 60 s budget: a page stops after two reads.
    const remaining = () => {
      clock += 10_000;
      return 60_000 - clock;
    };

    // Act
    while (jobQueue.length > 0) {
      clock = 0;
      await runJobPage(deps, jobQueue.shift() as JobPageMessage, remaining);
    }

    // Assess
    const job = await deps.jobs.get('job_1');
    expect(job).toMatchObject({ status: 'completed', scanned: 350, queued: 350 });
    expect(job?.page ?? 0).toBeGreaterThan(1);
    expect(queue.messages.map((m) => m.eventId)).toEqual(events.map((e) => e.id));
  });

  it('ignores a repeated page message, so a job run twice queues nothing twice', async () => {
    // Prepare
    const { deps, endpoint, jobQueue, queue } = setup([anEventAt(1), anEventAt(2)]);
    await startJob(deps, 'job_2', {
      kind: 'replay',
      endpointId: endpoint.id,
      tenant: 'acme',
      since: minute(0),
      until: minute(10),
      onlyFailed: false,
    });
    const first = jobQueue.shift() as JobPageMessage;

    // Act
    await runJobPage(deps, first, () => 300_000);
    await runJobPage(deps, first, () => 300_000);

    // Assess
    expect(queue.messages).toHaveLength(2);
    expect(await deps.jobs.get('job_2')).toMatchObject({ status: 'completed', queued: 2 });
  });

  it('replays only the types asked for, that the endpoint subscribes to, and only failed ones when asked', async () => {
    // Prepare
    const events = [anEventAt(1), anEventAt(2, 'customer.created'), anEventAt(3), anEventAt(4)];
    const { deps, endpoint, jobQueue, queue, records } = setup(events);
    records.push({
      eventId: 'msg_0003',
      endpointId: endpoint.id,
      status: 'dead_lettered',
      attempts: 6,
    });
    records.push({
      eventId: 'msg_0004',
      endpointId: endpoint.id,
      status: 'delivered',
      attempts: 2,
    });
    await startJob(deps, 'job_3', {
      kind: 'replay',
      endpointId: endpoint.id,
      tenant: 'acme',
      since: minute(0),
      until: minute(10),
      eventTypes: ['invoice.*'],
      onlyFailed: true,
    });

    // Act
    await runJobPage(deps, jobQueue.shift() as JobPageMessage, () => 300_000);

    // Assess
    expect(queue.messages).toMatchObject([{ eventId: 'msg_0003', requeued: true }]);
  });
});

describe('redrive jobs', () => {
  it('drops a dead letter whose delivery succeeded since (after a replay) instead of resending it', async () => {
    // Prepare
    const stale = {
      handle: 'h1',
      id: 's1',
      message: {
        eventId: 'msg_x',
        endpointId: 'ep_1',
        tenant: 'acme',
        type: 'invoice.paid',
        body: '{}',
      },
    };
    const { deps, jobQueue, queue, dlq, records } = setup([], [stale]);
    records.push({ eventId: 'msg_x', endpointId: 'ep_1', status: 'delivered', attempts: 0 });
    await startJob(deps, 'job_5', { kind: 'redrive' });

    // Act
    await runJobPage(deps, jobQueue.shift() as JobPageMessage, () => 300_000);

    // Assess
    expect(queue.messages).toEqual([]);
    expect(dlq).toEqual([]);
  });

  const letter = (eventId: string, endpointId: string, type = 'invoice.paid'): DeadLetter => ({
    handle: `h-${eventId}`,
    id: `sqs-${eventId}`,
    message: { eventId, endpointId, tenant: 'acme', type, body: '{}' },
  });

  it('moves only the matching dead letters back, marked for a fresh set of attempts', async () => {
    // Prepare: the first letter ran out of schedule with its circuit open
    const spent = letter('msg_a', 'ep_1');
    const letters = [
      {
        ...spent,
        message: { ...spent.message, attempts: 2, skipped: 4, settleBy: 1, lane: 'slow' as const },
      },
      letter('msg_b', 'ep_2'),
      letter('msg_c', 'ep_1', 'customer.created'),
    ];
    const { deps, jobQueue, queue, dlq } = setup([], letters);
    await startJob(deps, 'job_4', {
      kind: 'redrive',
      endpointId: 'ep_1',
      eventType: 'invoice.paid',
    });

    // Act
    await runJobPage(deps, jobQueue.shift() as JobPageMessage, () => 300_000);

    // Assess
    expect(queue.messages).toEqual([{ ...spent.message, requeued: true }]);
    expect(dlq.map((l) => l.message.eventId)).toEqual(['msg_b', 'msg_c']);
    expect(await deps.jobs.get('job_4')).toMatchObject({
      status: 'completed',
      queued: 1,
      scanned: 3,
    });
  });
});

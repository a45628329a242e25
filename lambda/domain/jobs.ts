import { deliveryBody, type StoredEvent } from './event';
import type { DeliveryMessage, DeliveryQueue, DeliveryRecord, EndpointReader } from './ports';
import { matchesEventType } from './subscriptions';

/** Replay from the event log, or redrive from the dead-letter queue, done in pages. */

/**
 * A dead letter sent back for a fresh set of attempts: its old progress (attempts, tries held
 * back, the end of its old schedule) stays behind, or it would be dead-lettered again at once.
 */
function redriven(message: DeliveryMessage): DeliveryMessage {
  const { eventId, endpointId, tenant, type, body } = message;
  return { eventId, endpointId, tenant, type, body, requeued: true };
}

export type JobSpec =
  | {
      readonly kind: 'redrive';
      /** Set when a tenant-scoped key started the job: only that tenant's letters move. */
      readonly tenant?: string;
      readonly endpointId?: string;
      readonly eventType?: string;
      readonly eventIds?: readonly string[];
    }
  | {
      readonly kind: 'replay';
      readonly endpointId: string;
      readonly tenant: string;
      readonly since: string;
      readonly until: string;
      readonly eventTypes?: readonly string[];
      readonly onlyFailed: boolean;
    };

export type JobStatus = 'queued' | 'running' | 'completed';

export interface Job {
  readonly id: string;
  readonly spec: JobSpec;
  readonly status: JobStatus;
  /** The page the next job message must carry; a stale or repeated message is ignored. */
  readonly page: number;
  readonly cursor?: string;
  /** Events or dead letters looked at, and deliveries put back on the delivery queue. */
  readonly scanned: number;
  readonly queued: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

export interface JobPageMessage {
  readonly jobId: string;
  readonly page: number;
}

export interface JobProgress {
  readonly scanned: number;
  readonly queued: number;
  readonly cursor?: string;
  readonly done: boolean;
}

export interface JobRepository {
  create(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** Records a finished page if the job is still at `page`; false for a repeated message. */
  advance(id: string, page: number, progress: JobProgress, at: string): Promise<boolean>;
}

export interface JobQueue {
  enqueue(message: JobPageMessage): Promise<void>;
}

export interface EventLog {
  /** One tenant's events with `since <= timestamp < until`, oldest first. */
  page(
    tenant: string,
    range: { since: string; until: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: StoredEvent[]; cursor?: string }>;
}

export interface DeadLetter {
  readonly handle: string;
  readonly id: string;
  readonly message: DeliveryMessage;
}

export interface DeadLetterSource {
  /** Receives dead letters, hiding them for `hideSeconds` from other readers. */
  receive(max: number, hideSeconds: number): Promise<DeadLetter[]>;
  remove(letters: readonly DeadLetter[]): Promise<void>;
  /** Makes letters this job looked at but left visible again. */
  release(letters: readonly DeadLetter[]): Promise<void>;
}

export interface DeliveryRecords {
  getMany(keys: readonly { eventId: string; endpointId: string }[]): Promise<DeliveryRecord[]>;
  requeue(eventId: string, endpointId: string, at: string): Promise<void>;
}

export interface JobDependencies {
  readonly jobs: JobRepository;
  readonly jobQueue: JobQueue;
  readonly events: EventLog;
  readonly endpoints: EndpointReader;
  readonly deliveries: DeliveryRecords;
  readonly deliveryQueue: DeliveryQueue;
  readonly deadLetters: DeadLetterSource;
  readonly now: () => number;
}

/** A page stops when less than this is left of the function's time, and goes on in a new message. */
export const PAGE_RESERVE_MS = 30_000;
const EVENTS_PER_READ = 100;
/** Dead letters a redrive looked at stay hidden this long, so one run does not see them twice. */
const REDRIVE_HIDE_SECONDS = 300;

function matchesRedrive(spec: Extract<JobSpec, { kind: 'redrive' }>, message: DeliveryMessage) {
  return (
    (spec.tenant === undefined || message.tenant === spec.tenant) &&
    (spec.endpointId === undefined || message.endpointId === spec.endpointId) &&
    (spec.eventType === undefined || message.type === spec.eventType) &&
    (spec.eventIds === undefined || spec.eventIds.includes(message.eventId))
  );
}

async function settledLetters(
  deps: JobDependencies,
  letters: readonly DeadLetter[],
): Promise<DeadLetter[]> {
  if (letters.length === 0) return [];
  const records = await deps.deliveries.getMany(
    letters.map((l) => ({ eventId: l.message.eventId, endpointId: l.message.endpointId })),
  );
  const settled = new Set(
    records.filter((r) => r.status === 'delivered').map((r) => `${r.eventId}|${r.endpointId}`),
  );
  return letters.filter((l) => settled.has(`${l.message.eventId}|${l.message.endpointId}`));
}

async function redrivePage(
  deps: JobDependencies,
  spec: Extract<JobSpec, { kind: 'redrive' }>,
  remainingMs: () => number,
): Promise<JobProgress> {
  const seen = new Set<string>();
  const skipped: DeadLetter[] = [];
  let scanned = 0;
  let queued = 0;
  let done = false;
  while (remainingMs() > PAGE_RESERVE_MS) {
    const letters = (await deps.deadLetters.receive(10, REDRIVE_HIDE_SECONDS)).filter(
      (l) => !seen.has(l.id),
    );
    if (letters.length === 0) {
      done = true;
      break;
    }
    for (const letter of letters) seen.add(letter.id);
    scanned += letters.length;
    const matching = letters.filter((l) => matchesRedrive(spec, l.message));
    skipped.push(...letters.filter((l) => !matchesRedrive(spec, l.message)));
    // A letter whose delivery succeeded since (after a replay) is stale: drop it, do not resend.
    const settled = await settledLetters(deps, matching);
    await deps.deadLetters.remove(settled);
    const chosen = matching.filter((l) => !settled.includes(l));
    const at = new Date(deps.now()).toISOString();
    await Promise.all(
      chosen.map((l) => deps.deliveries.requeue(l.message.eventId, l.message.endpointId, at)),
    );
    // Queued before removed: a crash in between repeats a delivery, never loses one.
    await deps.deliveryQueue.enqueue(chosen.map((l) => redriven(l.message)));
    await deps.deadLetters.remove(chosen);
    queued += chosen.length;
  }
  await deps.deadLetters.release(skipped);
  return { scanned, queued, done };
}

async function replayPage(
  deps: JobDependencies,
  spec: Extract<JobSpec, { kind: 'replay' }>,
  startCursor: string | undefined,
  remainingMs: () => number,
): Promise<JobProgress> {
  const endpoint = await deps.endpoints.getForDelivery(spec.tenant, spec.endpointId);
  if (!endpoint) return { scanned: 0, queued: 0, done: true };
  let cursor = startCursor;
  let scanned = 0;
  let queued = 0;
  do {
    const page = await deps.events.page(spec.tenant, spec, cursor, EVENTS_PER_READ);
    cursor = page.cursor;
    scanned += page.items.length;
    let chosen = page.items.filter(
      (event) =>
        matchesEventType(endpoint.eventTypes, event.type) &&
        matchesEventType(spec.eventTypes, event.type),
    );
    const keys = chosen.map((e) => ({ eventId: e.id, endpointId: endpoint.id }));
    const records = keys.length > 0 ? await deps.deliveries.getMany(keys) : [];
    if (spec.onlyFailed) {
      const failed = new Set(records.filter((r) => r.status !== 'delivered').map((r) => r.eventId));
      chosen = chosen.filter((e) => failed.has(e.id));
    }
    const at = new Date(deps.now()).toISOString();
    const chosenIds = new Set(chosen.map((e) => e.id));
    const recordIds = new Set(records.map((r) => r.eventId));
    await Promise.all(
      records
        .filter((r) => chosenIds.has(r.eventId))
        .map((r) => deps.deliveries.requeue(r.eventId, r.endpointId, at)),
    );
    await deps.deliveryQueue.enqueue(
      chosen.map(
        (event): DeliveryMessage => ({
          eventId: event.id,
          endpointId: endpoint.id,
          tenant: event.tenant,
          type: event.type,
          body: deliveryBody(event),
          ...(recordIds.has(event.id) && { requeued: true }),
        }),
      ),
    );
    queued += chosen.length;
  } while (cursor !== undefined && remainingMs() > PAGE_RESERVE_MS);
  return { scanned, queued, done: cursor === undefined, ...(cursor && { cursor }) };
}

/**
 * Runs one page of a job within the time the function has left, records the progress and,
 * when work remains, queues the next page. A repeated message for a finished page does
 * nothing, so the job is safe to run twice.
 */
export async function runJobPage(
  deps: JobDependencies,
  message: JobPageMessage,
  remainingMs: () => number,
): Promise<Job | undefined> {
  const job = await deps.jobs.get(message.jobId);
  if (!job || job.status === 'completed' || job.page !== message.page) return job;
  const progress =
    job.spec.kind === 'redrive'
      ? await redrivePage(deps, job.spec, remainingMs)
      : await replayPage(deps, job.spec, job.cursor, remainingMs);
  const advanced = await deps.jobs.advance(
    job.id,
    job.page,
    progress,
    new Date(deps.now()).toISOString(),
  );
  if (advanced && !progress.done) {
    await deps.jobQueue.enqueue({ jobId: job.id, page: job.page + 1 });
  }
  return deps.jobs.get(job.id);
}

/** Records a new job and queues its first page; the replay function does the rest. */
export async function startJob(
  deps: Pick<JobDependencies, 'jobs' | 'jobQueue' | 'now'>,
  id: string,
  spec: JobSpec,
): Promise<Job> {
  const at = new Date(deps.now()).toISOString();
  const job: Job = {
    id,
    spec,
    status: 'queued',
    page: 0,
    scanned: 0,
    queued: 0,
    createdAt: at,
    updatedAt: at,
  };
  await deps.jobs.create(job);
  await deps.jobQueue.enqueue({ jobId: id, page: 0 });
  return job;
}

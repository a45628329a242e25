import { createHash } from 'node:crypto';
import { type HooklineError, IdempotencyConflictError, IdempotencyInProgressError } from './errors';
import { requestHash, type StoredEvent } from './event';
import { EVENTS_PER_PAGE_MAX, newEventPage } from './ids';
import type { EventRepository, IdempotencyRepository } from './ports';
import type { PublishOutcome, PublishRequest, PublishResult } from './publish';

/** Idempotency records live 24 h: a publisher may retry that long (docs/adr/0006). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** How long a publish may hold its key before a retry may take over. */
export const IDEMPOTENCY_LOCK_MS = 30_000;
/**
 * Serialized payload bytes one page of events may hold. A DynamoDB item stops at 400 KB and
 * a page is stored compressed, so raw bytes under this bound always fit (docs/adr/0008).
 */
export const PAGE_MAX_BYTES = 300_000;
/** Type, version and the endpoint list of one event in its page, roughly. */
const EVENT_OVERHEAD_BYTES = 200;

export interface ClaimDependencies {
  readonly events: EventRepository;
  readonly idempotency: IdempotencyRepository;
  readonly now: () => number;
}

/** A request that will be published now, under `eventId`. */
export interface Claimed {
  readonly request: PublishRequest;
  readonly eventId: string;
  readonly hash: string;
  readonly key?: string;
}

/** One `Idempotency-Key` for a whole batch request, namespaced by the calling key's tenant. */
export interface BatchIdempotency {
  /** The API key's tenant, or '' for a key of every tenant. */
  readonly scope: string;
  readonly key: string;
}

export const resultOf = (event: StoredEvent, duplicate: boolean): PublishResult => ({
  id: event.id,
  type: event.type,
  timestamp: event.timestamp,
  deliveries: event.endpointIds.length,
  duplicate,
});

/**
 * Gives every event without a publisher's id a generated one. Events of one tenant and one
 * timestamp share pages, in request order, so a batch of 100 is usually one item and one
 * index entry (docs/adr/0008); a page closes at 1,024 events or {@link PAGE_MAX_BYTES}.
 */
export function planEventIds(
  requests: readonly PublishRequest[],
  nowIso: string,
): (string | undefined)[] {
  const open = new Map<
    string,
    { page: ReturnType<typeof newEventPage>; n: number; bytes: number }
  >();
  return requests.map(({ input }) => {
    if (input.id !== undefined) return undefined;
    const group = `${input.tenant}\n${input.timestamp ?? nowIso}`;
    const bytes = Buffer.byteLength(JSON.stringify(input.data) ?? '') + EVENT_OVERHEAD_BYTES;
    let current = open.get(group);
    if (!current || current.n === EVENTS_PER_PAGE_MAX || current.bytes + bytes > PAGE_MAX_BYTES) {
      current = { page: newEventPage(), n: 0, bytes: 0 };
      open.set(group, current);
    }
    current.bytes += bytes;
    return current.page.eventId(current.n++);
  });
}

/** The stored idempotency key: namespaced by route and tenant, so no tenant meets another's. */
function idempotencyKeyOf({ input, idempotency }: PublishRequest): string | undefined {
  if (input.id !== undefined) return `id#${input.tenant}#${input.id}`;
  if (idempotency !== undefined) return `${idempotency.route}#${input.tenant}#${idempotency.key}`;
  return undefined;
}

const reusedId = (request: PublishRequest) =>
  new IdempotencyConflictError(
    'this idempotency key (or event id) was already used with a different request',
    [{ field: request.input.id !== undefined ? '/id' : 'Idempotency-Key', message: 'reused' }],
  );

const inProgress = () =>
  new IdempotencyInProgressError('a request with this idempotency key is in progress');

/**
 * Decides, per request, whether it is new (and under which event id) or repeats an earlier
 * publish. Conditional writes only: DynamoDB transactions are not used: dynalite, which local
 * mode runs on, has none (docs/adr/0006).
 */
export async function claim(
  deps: ClaimDependencies,
  request: PublishRequest,
  plannedId: string | undefined,
): Promise<Claimed | PublishOutcome> {
  const hash = requestHash(request.input);
  const key = idempotencyKeyOf(request);
  const eventId = request.input.id ?? plannedId;
  if (eventId === undefined) throw new Error('an event without an id was not planned');
  if (key === undefined) return { request, eventId, hash };

  if (request.input.id !== undefined) {
    // A supplied id outlives its 24 h idempotency record: the stored event itself says
    // whether the id is taken, at any age.
    const earlier = await deps.events.get(eventId, request.input.tenant);
    if (earlier !== undefined) {
      return earlier.requestHash === hash ? resultOf(earlier, true) : reusedId(request);
    }
  }
  const now = deps.now();
  const lockedUntil = now + IDEMPOTENCY_LOCK_MS;
  const existing = await deps.idempotency.claim(
    { key, eventId, requestHash: hash, lockedUntil },
    IDEMPOTENCY_TTL_SECONDS,
  );
  if (!existing) return { request, eventId, hash, key };
  if (existing.requestHash !== hash) return reusedId(request);
  const stored = await deps.events.get(existing.eventId, request.input.tenant);
  if (stored) return resultOf(stored, true);
  if (existing.lockedUntil > now) return inProgress();
  // The earlier attempt died before storing the event: finish it under the same event id.
  const tookOver = await deps.idempotency.takeOver(key, existing.lockedUntil, lockedUntil);
  if (!tookOver) return inProgress();
  return { request, eventId: existing.eventId, hash, key };
}

export type BatchClaim =
  | { readonly kind: 'new'; readonly key: string; readonly eventIds: readonly string[] }
  | { readonly kind: 'answered'; readonly outcomes: PublishOutcome[] };

/**
 * One idempotency record for a whole batch request, holding the id of each of its events: a
 * retry reads those events back instead of publishing again (one write per request, not per
 * event).
 */
export async function claimBatch(
  deps: ClaimDependencies,
  requests: readonly PublishRequest[],
  plannedIds: readonly (string | undefined)[],
  batch: BatchIdempotency,
): Promise<BatchClaim> {
  const key = `batch-request#${batch.scope}#${batch.key}`;
  const hash = createHash('sha256')
    .update(requests.map((r) => requestHash(r.input)).join('\n'))
    .digest('base64url');
  const eventIds = requests.map((r, i) => r.input.id ?? (plannedIds[i] as string));
  const now = deps.now();
  const lockedUntil = now + IDEMPOTENCY_LOCK_MS;
  const existing = await deps.idempotency.claim(
    { key, eventId: eventIds[0] ?? '', eventIds, requestHash: hash, lockedUntil },
    IDEMPOTENCY_TTL_SECONDS,
  );
  if (!existing) return { kind: 'new', key, eventIds };
  const all = (error: HooklineError) => ({
    kind: 'answered' as const,
    outcomes: requests.map(() => error),
  });
  const earlierIds = existing.eventIds;
  if (existing.requestHash !== hash || earlierIds?.length !== requests.length) {
    return all(
      new IdempotencyConflictError('this idempotency key was already used with a different batch', [
        { field: 'Idempotency-Key', message: 'reused' },
      ]),
    );
  }
  const stored = await deps.events.getMany(
    earlierIds.map((id, i) => ({ id, tenant: (requests[i] as PublishRequest).input.tenant })),
  );
  if (stored.every((event) => event !== undefined)) {
    return { kind: 'answered', outcomes: stored.map((event) => resultOf(event, true)) };
  }
  if (existing.lockedUntil > now) return all(inProgress());
  // The earlier attempt died before storing every event: finish it under the same ids.
  const tookOver = await deps.idempotency.takeOver(key, existing.lockedUntil, lockedUntil);
  if (!tookOver) return all(inProgress());
  return { kind: 'new', key, eventIds: earlierIds };
}

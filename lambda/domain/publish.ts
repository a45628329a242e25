import type { Endpoint } from './endpoint';
import {
  ConflictError,
  DependencyError,
  HooklineError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
} from './errors';
import { deliveryBody, type EventInput, requestHash, type StoredEvent } from './event';
import { newEventId } from './ids';
import type {
  DeliveryMessage,
  DeliveryQueue,
  EndpointRepository,
  EventRepository,
  IdempotencyRepository,
} from './ports';
import { matchesEventType } from './subscriptions';

export interface PublishDependencies {
  readonly endpoints: EndpointRepository;
  readonly events: EventRepository;
  readonly idempotency: IdempotencyRepository;
  readonly queue: DeliveryQueue;
  readonly now: () => number;
}

/** Where an idempotency key came from; keys of different routes never match. */
export type IdempotencyRoute = 'events' | 'batch' | 'eventbridge';

export interface PublishRequest {
  readonly input: EventInput;
  /** `Idempotency-Key` header or EventBridge event id; a supplied event id takes precedence. */
  readonly idempotency?: { readonly route: IdempotencyRoute; readonly key: string };
}

export interface PublishResult {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  /** Deliveries queued for this event. */
  readonly deliveries: number;
  /** True when this request repeated an earlier one and created nothing. */
  readonly duplicate: boolean;
}

export type PublishOutcome = PublishResult | HooklineError;

/** Idempotency records live 24 h: a publisher may retry that long (docs/adr/0006). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** How long a publish may hold its key before a retry may take over. */
export const IDEMPOTENCY_LOCK_MS = 30_000;

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

const resultOf = (event: StoredEvent, duplicate: boolean): PublishResult => ({
  id: event.id,
  type: event.type,
  timestamp: event.timestamp,
  deliveries: event.endpointIds.length,
  duplicate,
});

interface Claimed {
  readonly request: PublishRequest;
  readonly eventId: string;
  readonly hash: string;
  readonly key?: string;
}

/**
 * Decides, per request, whether it is new (and under which event id) or repeats an earlier
 * publish. Conditional writes only: DynamoDB transactions are not used: dynalite, which local mode runs on, has none (docs/adr/0006).
 */
async function claim(
  deps: PublishDependencies,
  request: PublishRequest,
): Promise<Claimed | PublishOutcome> {
  const hash = requestHash(request.input);
  const key = idempotencyKeyOf(request);
  const eventId = request.input.id ?? newEventId();
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
  if (existing.lockedUntil > now) {
    return new IdempotencyInProgressError('a request with this idempotency key is in progress');
  }
  // The earlier attempt died before storing the event: finish it under the same event id.
  const tookOver = await deps.idempotency.takeOver(key, existing.lockedUntil, lockedUntil);
  if (!tookOver) {
    return new IdempotencyInProgressError('a request with this idempotency key is in progress');
  }
  return { request, eventId: existing.eventId, hash, key };
}

/**
 * An event id found taken at the write: the claim made that all but impossible, so it is a
 * retry of the same request finishing late, or (never silently) a conflict.
 */
async function alreadyStored(
  deps: PublishDependencies,
  claimed: Claimed,
  event: StoredEvent,
): Promise<PublishOutcome> {
  const stored = await deps.events.get(event.id, event.tenant);
  if (stored?.requestHash === claimed.hash) return resultOf(stored, true);
  return new ConflictError(`event ${event.id} already exists with different content`, [
    { field: '/id', message: 'is taken' },
  ]);
}

/** Endpoints of each tenant, read once per publish call. */
async function subscribersByTenant(
  deps: PublishDependencies,
  claims: readonly Claimed[],
): Promise<Map<string, Endpoint[]>> {
  const tenants = [...new Set(claims.map((c) => c.request.input.tenant))];
  const lists = await Promise.all(tenants.map((t) => deps.endpoints.listByTenant(t)));
  return new Map(tenants.map((t, i) => [t, (lists[i] ?? []).filter((e) => e.enabled)]));
}

/**
 * Publishes events: stores each one and queues one delivery per subscribed endpoint. Returns
 * only after every new event is in the queue and in the event log, so an acknowledged event
 * is never lost. Per-request problems (idempotency) come back as errors in the result list;
 * a storage or queue failure throws and the caller answers 5xx.
 */
export async function publishEvents(
  deps: PublishDependencies,
  requests: readonly PublishRequest[],
): Promise<PublishOutcome[]> {
  const outcomes = await Promise.all(requests.map((request) => claim(deps, request)));
  const claims = outcomes.filter((o): o is Claimed => 'hash' in o);
  if (claims.length === 0) return outcomes as PublishOutcome[];

  try {
    const subscribers = await subscribersByTenant(deps, claims);
    const nowIso = new Date(deps.now()).toISOString();
    const events: StoredEvent[] = [];
    const messages: DeliveryMessage[] = [];
    for (const { request, eventId, hash } of claims) {
      const { input } = request;
      const targets = (subscribers.get(input.tenant) ?? []).filter((endpoint) =>
        matchesEventType(endpoint.eventTypes, input.type),
      );
      const event: StoredEvent = {
        id: eventId,
        type: input.type,
        version: input.version,
        tenant: input.tenant,
        timestamp: input.timestamp ?? nowIso,
        data: input.data,
        requestHash: hash,
        endpointIds: targets.map((t) => t.id),
      };
      events.push(event);
      const body = deliveryBody(event);
      for (const target of targets) {
        messages.push({
          eventId,
          endpointId: target.id,
          tenant: input.tenant,
          type: input.type,
          body,
        });
      }
    }
    // Queue first, then store: a stored event marks a finished publish for idempotent retries.
    await deps.queue.enqueue(messages);
    const taken = new Set(await deps.events.putNew(events));
    const byId = new Map(events.map((e) => [e.id, e]));
    return await Promise.all(
      outcomes.map(async (outcome) => {
        if (!('hash' in outcome)) return outcome;
        const event = byId.get(outcome.eventId) as StoredEvent;
        if (!taken.has(event.id)) return resultOf(event, false);
        return alreadyStored(deps, outcome, event);
      }),
    );
  } catch (error) {
    await Promise.allSettled(
      claims.flatMap((c) => (c.key === undefined ? [] : [deps.idempotency.release(c.key)])),
    );
    if (error instanceof HooklineError) throw error;
    throw new DependencyError('the event could not be stored; retry with the same key', [], {
      cause: error,
    });
  }
}

/**
 * Sends one event to one endpoint only, e.g. the catalog example for POST .../test. It is
 * stored like any event, so it shows in the event log and can be replayed.
 */
export async function publishToEndpoint(
  deps: Pick<PublishDependencies, 'events' | 'queue' | 'now'>,
  input: EventInput,
  endpoint: Pick<Endpoint, 'id' | 'tenant'>,
): Promise<PublishResult> {
  const event: StoredEvent = {
    id: newEventId(),
    type: input.type,
    version: input.version,
    tenant: endpoint.tenant,
    timestamp: new Date(deps.now()).toISOString(),
    data: input.data,
    requestHash: requestHash(input),
    endpointIds: [endpoint.id],
  };
  await deps.queue.enqueue([
    {
      eventId: event.id,
      endpointId: endpoint.id,
      tenant: endpoint.tenant,
      type: event.type,
      body: deliveryBody(event),
    },
  ]);
  await deps.events.putNew([event]);
  return resultOf(event, false);
}

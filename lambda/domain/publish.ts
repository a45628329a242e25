import { type Endpoint, isPolling } from './endpoint';
import { ConflictError, DependencyError, HooklineError } from './errors';
import { deliveryBody, type EventInput, type StoredEvent } from './event';
import type { FeedEntry, FeedWriter } from './feed';
import { isGeneratedEventId, newEventId } from './ids';
import type {
  DeliveryMessage,
  DeliveryQueue,
  EndpointRepository,
  EventRepository,
  IdempotencyRepository,
} from './ports';
import {
  type BatchIdempotency,
  type Claimed,
  claim,
  claimBatch,
  planEventIds,
  resultOf,
} from './publish-claims';
import { matchesEventType } from './subscriptions';

export {
  type BatchIdempotency,
  IDEMPOTENCY_LOCK_MS,
  IDEMPOTENCY_TTL_SECONDS,
} from './publish-claims';

export interface PublishDependencies {
  readonly endpoints: EndpointRepository;
  readonly events: EventRepository;
  readonly idempotency: IdempotencyRepository;
  readonly queue: DeliveryQueue;
  /** Polling endpoints' deliveries go to their feeds instead of the queue. */
  readonly feeds: FeedWriter;
  readonly now: () => number;
}

/** Where an idempotency key came from; keys of different routes never match. */
export type IdempotencyRoute = 'events' | 'eventbridge';

export interface PublishRequest {
  readonly input: EventInput;
  /** `Idempotency-Key` header or EventBridge event id; a supplied event id takes precedence. */
  readonly idempotency?: { readonly route: IdempotencyRoute; readonly key: string };
}

export interface PublishResult {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  /** Deliveries made for this event: queued for push endpoints, in the feeds of polling ones. */
  readonly deliveries: number;
  /** True when this request repeated an earlier one and created nothing. */
  readonly duplicate: boolean;
}

export type PublishOutcome = PublishResult | HooklineError;

/**
 * An event id found taken at the write: the claim made that all but impossible, so it is a
 * retry of the same request finishing late, or (never silently) a conflict. A generated id is
 * only ever reused by the request that claimed it.
 */
async function alreadyStored(
  deps: PublishDependencies,
  claimed: Claimed,
  event: StoredEvent,
): Promise<PublishOutcome> {
  const stored = await deps.events.get(event.id, event.tenant);
  if (stored && (isGeneratedEventId(stored.id) || stored.requestHash === claimed.hash)) {
    return resultOf(stored, true);
  }
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
 * a storage or queue failure throws and the caller answers 5xx. `batch` makes the whole list
 * one idempotent request.
 */
export async function publishEvents(
  deps: PublishDependencies,
  requests: readonly PublishRequest[],
  batch?: BatchIdempotency,
): Promise<PublishOutcome[]> {
  const nowIso = new Date(deps.now()).toISOString();
  let plannedIds = planEventIds(requests, nowIso);
  let batchKey: string | undefined;
  if (batch !== undefined && requests.length > 0) {
    const claimed = await claimBatch(deps, requests, plannedIds, batch);
    if (claimed.kind === 'answered') return claimed.outcomes;
    batchKey = claimed.key;
    plannedIds = [...claimed.eventIds];
  }
  const outcomes = await Promise.all(
    requests.map((request, i) => claim(deps, request, plannedIds[i])),
  );
  const claims = outcomes.filter((o): o is Claimed => 'hash' in o);
  const keys = [
    ...(batchKey === undefined ? [] : [batchKey]),
    ...claims.flatMap((c) => (c.key === undefined ? [] : [c.key])),
  ];
  if (claims.length === 0) return outcomes as PublishOutcome[];

  try {
    const subscribers = await subscribersByTenant(deps, claims);
    const events: StoredEvent[] = [];
    const messages: DeliveryMessage[] = [];
    const feedEntries: FeedEntry[] = [];
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
        ...(input.id !== undefined && { requestHash: hash }),
        endpointIds: targets.map((t) => t.id),
      };
      events.push(event);
      const body = deliveryBody(event);
      for (const target of targets) {
        if (isPolling(target)) {
          feedEntries.push({ endpointId: target.id, eventId, type: input.type, body });
          continue;
        }
        messages.push({
          eventId,
          endpointId: target.id,
          tenant: input.tenant,
          type: input.type,
          body,
        });
      }
    }
    // One endpoint's deliveries side by side (in event order): they are sent ten to a request
    // and mostly received together, so a dispatcher batch holds one endpoint's deliveries and
    // their successes share one attempt-log row, whatever the fan-out.
    const byEndpoint = messages.sort((a, b) =>
      a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : 0,
    );
    // Queue (and feed) first, then store: a stored event marks a finished publish for
    // idempotent retries. Feeds take the events in request order.
    await Promise.all([deps.queue.enqueue(byEndpoint), deps.feeds.deliver(feedEntries)]);
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
    await Promise.allSettled(keys.map((key) => deps.idempotency.release(key)));
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
  deps: Pick<PublishDependencies, 'events' | 'queue' | 'feeds' | 'now'>,
  input: EventInput,
  endpoint: Pick<Endpoint, 'id' | 'tenant' | 'type'>,
): Promise<PublishResult> {
  const event: StoredEvent = {
    id: newEventId(),
    type: input.type,
    version: input.version,
    tenant: endpoint.tenant,
    timestamp: new Date(deps.now()).toISOString(),
    data: input.data,
    endpointIds: [endpoint.id],
  };
  const delivery = {
    eventId: event.id,
    endpointId: endpoint.id,
    tenant: endpoint.tenant,
    type: event.type,
    body: deliveryBody(event),
  };
  if (isPolling(endpoint)) await deps.feeds.deliver([delivery]);
  else await deps.queue.enqueue([delivery]);
  await deps.events.putNew([event]);
  return resultOf(event, false);
}

import type { APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';
import { BadRequestError, ForbiddenError, HooklineError } from '../domain/errors';
import {
  assertEventSize,
  DEFAULT_TENANT,
  type EventInput,
  MAX_EVENT_BYTES,
  parseEventInput,
} from '../domain/event';
import type { ApiPrincipal } from '../domain/ports';
import {
  type BatchIdempotency,
  type PublishDependencies,
  type PublishOutcome,
  type PublishRequest,
  type PublishResult,
  publishEvents,
} from '../domain/publish';
import { isPlainObject } from '../domain/validation';
import { assertNesting, idempotencyKeyFrom, principalOf, readJsonBody } from './middlewares';
import { type HttpResult, json, problemBody } from './response';

const MAX_BATCH_EVENTS = 100;
/** Lambda's synchronous payload limit leaves room for about 6 MB of batch. */
const MAX_BATCH_BYTES = 6 * 1000 * 1000 - 64 * 1024;

/** Publishing, and counting what was newly accepted by type. */
export interface Publisher {
  readonly deps: PublishDependencies;
  readonly recordPublished: (types: readonly string[]) => void;
}

async function publish(
  publisher: Publisher,
  requests: readonly PublishRequest[],
  batch?: BatchIdempotency,
): Promise<PublishOutcome[]> {
  const outcomes = await publishEvents(publisher.deps, requests, batch);
  publisher.recordPublished(
    outcomes.flatMap((o) => (o instanceof HooklineError || o.duplicate ? [] : [o.type])),
  );
  return outcomes;
}

const accepted = (outcome: PublishResult) => ({
  id: outcome.id,
  type: outcome.type,
  timestamp: outcome.timestamp,
  deliveries: outcome.deliveries,
});

/**
 * One published event, read for the key that sent it: a tenant-scoped key publishes to its
 * own tenant (the default when the event names none) and to no other (403).
 */
function eventFor(principal: ApiPrincipal, raw: unknown, pointer = ''): EventInput {
  const input = parseEventInput(raw, pointer, principal.tenant ?? DEFAULT_TENANT);
  if (principal.tenant !== undefined && input.tenant !== principal.tenant) {
    throw new ForbiddenError(`this API key publishes to tenant ${principal.tenant} only`, [
      { field: `${pointer}/tenant`, message: `must be ${principal.tenant} (or left out)` },
    ]);
  }
  return input;
}

/** `POST /v1/events`: one event → 202, or the problem that refused it. */
export async function publishOne(
  publisher: Publisher,
  event: APIGatewayProxyEventV2,
): Promise<HttpResult> {
  const body = readJsonBody(event, MAX_EVENT_BYTES);
  const input = eventFor(principalOf(event), body);
  const key = idempotencyKeyFrom(event.headers);
  const [outcome] = await publish(publisher, [
    { input, ...(key !== undefined && { idempotency: { route: 'events', key } }) },
  ]);
  if (!outcome) throw new Error('publish returned no outcome');
  if (outcome instanceof HooklineError) throw outcome;
  return json(202, accepted(outcome), outcome.duplicate ? { 'idempotent-replayed': 'true' } : {});
}

/** Reads `{"events": [...]}`: each item a publish request, or the problem that refused it. */
function parseBatch(event: APIGatewayProxyEventV2): (PublishRequest | HooklineError)[] {
  const principal = principalOf(event);
  const body = readJsonBody(event, MAX_BATCH_BYTES);
  const items = isPlainObject(body) ? body.events : undefined;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_EVENTS) {
    throw new BadRequestError('send {"events": [...]} with 1 to 100 events', [
      { field: '/events', message: `must be an array of 1 to ${MAX_BATCH_EVENTS} events` },
    ]);
  }
  return items.map((item, index): PublishRequest | HooklineError => {
    try {
      assertEventSize(JSON.stringify(item), `/events/${index}`);
      return { input: eventFor(principal, item, `/events/${index}`) };
    } catch (error) {
      if (error instanceof HooklineError) return error;
      throw error;
    }
  });
}

/**
 * `POST /v1/events/batch`: 202 when every item was accepted, else 207 with each result. An
 * `Idempotency-Key` covers the whole request (one record, however many events).
 */
export async function publishBatch(
  publisher: Publisher,
  event: APIGatewayProxyEventV2,
): Promise<HttpResult> {
  const parsed = parseBatch(event);
  const requests = parsed.filter((p): p is PublishRequest => !(p instanceof HooklineError));
  const key = idempotencyKeyFrom(event.headers);
  const batch = key === undefined ? undefined : { scope: principalOf(event).tenant ?? '', key };
  const outcomes = await publish(publisher, requests, batch);
  let next = 0;
  const results = parsed.map((item, index) => {
    const outcome = item instanceof HooklineError ? item : outcomes[next++];
    if (!outcome) throw new Error('publish returned too few outcomes');
    return outcome instanceof HooklineError
      ? { index, status: outcome.status, problem: problemBody(outcome) }
      : { index, status: 202, ...accepted(outcome), duplicate: outcome.duplicate };
  });
  const allAccepted = results.every((r) => r.status === 202);
  return json(allAccepted ? 202 : 207, { results });
}

/**
 * An entry on the bus is published like POST /v1/events. EventBridge may invoke twice for
 * one entry, so its id (or `detail.id`) is the idempotency key.
 */
export async function ingestFromEventBridge(
  publisher: Publisher,
  event: EventBridgeEvent<string, unknown>,
): Promise<PublishResult> {
  const detail: Record<string, unknown> = isPlainObject(event.detail) ? event.detail : {};
  assertNesting(detail);
  const input = parseEventInput({
    type: event['detail-type'],
    data: detail.data,
    ...(detail.tenant !== undefined && { tenant: detail.tenant }),
    ...(detail.id !== undefined && { id: detail.id }),
    timestamp: detail.timestamp ?? event.time,
  });
  const [outcome] = await publish(publisher, [
    { input, idempotency: { route: 'eventbridge', key: event.id } },
  ]);
  if (!outcome) throw new Error('publish returned no outcome');
  if (outcome instanceof HooklineError) throw outcome;
  return outcome;
}

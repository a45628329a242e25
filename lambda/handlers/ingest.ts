import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context, EventBridgeEvent } from 'aws-lambda';
import { logger } from '../adapters/logger';
import { recordPublished } from '../adapters/observability/delivery-observer';
import { BadRequestError, HooklineError } from '../domain/errors';
import { assertEventSize, MAX_EVENT_BYTES, parseEventInput } from '../domain/event';
import { type PublishOutcome, type PublishRequest, publishEvents } from '../domain/publish';
import { isPlainObject } from '../domain/validation';
import { problemDetails, readJsonBody, requireApiKey } from './http/middlewares';
import { type HttpResult, json, problemBody } from './http/response';
import { apiKeyLookup } from './key-lookup';
import { publishDependencies } from './wiring';

const MAX_BATCH_EVENTS = 100;
/** Lambda's synchronous payload limit leaves room for about 6 MB of batch. */
const MAX_BATCH_BYTES = 6 * 1000 * 1000 - 64 * 1024;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function idempotencyKeyOf(event: APIGatewayProxyEventV2): string | undefined {
  const key = event.headers?.['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new BadRequestError('invalid Idempotency-Key', [
      { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
    ]);
  }
  return key;
}

/** Publishes and counts what was newly accepted, by type, in EMF. */
async function publish(requests: readonly PublishRequest[]): Promise<PublishOutcome[]> {
  const outcomes = await publishEvents(publishDependencies(), requests);
  recordPublished(
    outcomes.flatMap((o) => (o instanceof HooklineError || o.duplicate ? [] : [o.type])),
  );
  return outcomes;
}

const accepted = (outcome: Exclude<PublishOutcome, HooklineError>) => ({
  id: outcome.id,
  type: outcome.type,
  timestamp: outcome.timestamp,
  deliveries: outcome.deliveries,
});

async function publishOne(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const body = readJsonBody(event, MAX_EVENT_BYTES);
  const input = parseEventInput(body);
  const idempotencyKey = idempotencyKeyOf(event);
  const [outcome] = await publish([
    { input, ...(idempotencyKey !== undefined && { idempotencyKey }) },
  ]);
  if (!outcome) throw new Error('publish returned no outcome');
  if (outcome instanceof HooklineError) throw outcome;
  return json(202, accepted(outcome), outcome.duplicate ? { 'idempotent-replayed': 'true' } : {});
}

async function publishBatch(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const body = readJsonBody(event, MAX_BATCH_BYTES);
  const items = isPlainObject(body) ? body.events : undefined;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_EVENTS) {
    throw new BadRequestError('send {"events": [...]} with 1 to 100 events', [
      { field: '/events', message: `must be an array of 1 to ${MAX_BATCH_EVENTS} events` },
    ]);
  }
  const batchKey = idempotencyKeyOf(event);
  const parsed = items.map((item, index): PublishRequest | HooklineError => {
    try {
      assertEventSize(JSON.stringify(item), `/events/${index}`);
      const input = parseEventInput(item, `/events/${index}`);
      return { input, ...(batchKey !== undefined && { idempotencyKey: `${batchKey}#${index}` }) };
    } catch (error) {
      if (error instanceof HooklineError) return error;
      throw error;
    }
  });
  const requests = parsed.filter((p): p is PublishRequest => !(p instanceof HooklineError));
  const outcomes = await publish(requests);
  let next = 0;
  const results = parsed.map((item, index) => {
    const outcome = item instanceof HooklineError ? item : outcomes[next++];
    if (!outcome) throw new Error('publish returned too few outcomes');
    return outcome instanceof HooklineError
      ? { index, status: outcome.status, problem: problemBody(outcome) }
      : { index, status: 202, ...accepted(outcome) };
  });
  const allAccepted = results.every((r) => r.status === 202);
  return json(allAccepted ? 202 : 207, { results });
}

const httpIngest = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
  .use(problemDetails())
  .use(requireApiKey(apiKeyLookup(), ['publish', 'admin']))
  .handler(
    httpRouterHandler([
      { method: 'POST', path: '/v1/events', handler: publishOne },
      { method: 'POST', path: '/v1/events/batch', handler: publishBatch },
    ]) as never,
  );

export interface EventBridgeDetail {
  readonly data?: unknown;
  readonly tenant?: string;
  readonly id?: string;
  readonly timestamp?: string;
}

/**
 * An entry on the bus is published like POST /v1/events. EventBridge may invoke twice for
 * one entry, so its id (or `detail.id`) is the idempotency key.
 */
export async function ingestFromEventBridge(event: EventBridgeEvent<string, unknown>) {
  const detail: Record<string, unknown> = isPlainObject(event.detail) ? event.detail : {};
  const input = parseEventInput({
    type: event['detail-type'],
    data: detail.data,
    ...(detail.tenant !== undefined && { tenant: detail.tenant }),
    ...(detail.id !== undefined && { id: detail.id }),
    timestamp: detail.timestamp ?? event.time,
  });
  const [outcome] = await publish([{ input, idempotencyKey: `eventbridge#${event.id}` }]);
  if (outcome instanceof HooklineError) throw outcome;
  logger.info('published from EventBridge', {
    eventId: outcome?.id,
    type: input.type,
    duplicate: outcome?.duplicate,
  });
  return outcome;
}

const isEventBridgeEvent = (event: unknown): event is EventBridgeEvent<string, unknown> =>
  isPlainObject(event) && typeof event['detail-type'] === 'string';

export const handler = async (
  event: APIGatewayProxyEventV2 | EventBridgeEvent<string, unknown>,
  context: Context,
) => {
  if (isEventBridgeEvent(event)) {
    try {
      return await ingestFromEventBridge(event);
    } catch (error) {
      // Rethrown so the entry ends in the ingest DLQ after Lambda's retries, never dropped.
      logger.error('EventBridge entry not published', {
        entryId: event.id,
        detailType: event['detail-type'],
        error: error as Error,
      });
      throw error;
    }
  }
  return httpIngest(event, context);
};

import { isPolling } from '../../domain/endpoint';
import { BadRequestError, ConflictError } from '../../domain/errors';
import { FEED_MAX_WAIT_SECONDS, readFeed } from '../../domain/feed';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import { cursorBinding, findEndpoint, type RouteEvent } from './shared';

const DEFAULT_FEED_LIMIT = 100;

function wholeNumber(
  query: Record<string, string | undefined>,
  field: string,
  range: { min: number; max: number; fallback: number },
): number {
  const raw = query[field];
  if (raw === undefined) return range.fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    throw new BadRequestError(`invalid ${field}`, [
      { field, message: `must be a whole number from ${range.min} to ${range.max}` },
    ]);
  }
  return value;
}

/**
 * A polling endpoint's deliveries after `cursor` (from the oldest kept without one), each with
 * the headers and body a push would carry; with `waitSeconds`, an empty feed is waited on.
 * The answer always carries the cursor to read on from.
 */
export async function readEndpointFeed(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  if (!isPolling(endpoint)) {
    throw new ConflictError(
      `endpoint ${endpoint.id} is a push endpoint: its deliveries are POSTed to its URL`,
    );
  }
  const query = event.queryStringParameters ?? {};
  const limit = wholeNumber(query, 'limit', { min: 1, max: 100, fallback: DEFAULT_FEED_LIMIT });
  const waitSeconds = wholeNumber(query, 'waitSeconds', {
    min: 0,
    max: FEED_MAX_WAIT_SECONDS,
    fallback: 0,
  });
  const binding = cursorBinding('feed', endpoint.id);
  const position = await deps.cursors.open(query.cursor, binding);
  const after = position === undefined ? 0 : Number(position);
  const read = await readFeed({ feeds: deps.feeds, now: deps.now }, endpoint, {
    after,
    limit,
    waitMs: waitSeconds * 1000,
  });
  return json(200, {
    items: read.items,
    cursor: await deps.cursors.seal(String(read.position), binding),
  });
}

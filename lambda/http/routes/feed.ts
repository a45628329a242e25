import { isPolling } from '../../domain/endpoint';
import { BadRequestError, ConflictError } from '../../domain/errors';
import { FEED_MAX_WAIT_SECONDS, readFeed } from '../../domain/feed';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import { cursorBinding, findEndpoint, paging, type RouteEvent } from './shared';

const DEFAULT_FEED_LIMIT = 100;

/** `waitSeconds`: 0 (the default) to {@link FEED_MAX_WAIT_SECONDS}. */
function waitSecondsOf(query: Record<string, string | undefined>): number {
  const raw = query.waitSeconds;
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > FEED_MAX_WAIT_SECONDS) {
    throw new BadRequestError('invalid waitSeconds', [
      {
        field: 'waitSeconds',
        message: `must be a whole number from 0 to ${FEED_MAX_WAIT_SECONDS}`,
      },
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
  const binding = cursorBinding('feed', endpoint.id);
  const { limit, cursor } = await paging(deps, event, binding, DEFAULT_FEED_LIMIT);
  const waitSeconds = waitSecondsOf(event.queryStringParameters ?? {});
  const after = cursor === undefined ? 0 : Number(cursor);
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

import { catalog, EVENT_TYPE_PATTERN } from '../../domain/catalog';
import { BadRequestError } from '../../domain/errors';
import { EVENT_ID_PATTERN, isGeneratedEventId } from '../../domain/ids';
import { parseInstant } from '../../domain/validation';
import { principalOf } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import {
  canSee,
  cursorBinding,
  findById,
  nextCursor,
  paging,
  type RouteEvent,
  requestTenant,
} from './shared';

export async function listEventTypes(): Promise<HttpResult> {
  return json(200, { data: catalog() });
}

/**
 * One event and where each of its deliveries stands. Failed deliveries have a record; a
 * delivery without one either succeeded first time (found in the attempt log) or is pending.
 */
export async function getEvent(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const principal = principalOf(event);
  const requested = event.queryStringParameters?.tenant;
  const { id, found: stored } = await findById(
    event,
    'event',
    EVENT_ID_PATTERN,
    async (eventId) => {
      // A generated id names its event in any tenant; a publisher's own id only in `?tenant=`.
      const tenant = requestTenant(principal, requested, 'tenant');
      const found = isGeneratedEventId(eventId)
        ? await deps.events.findGenerated(eventId)
        : await deps.events.getIncludingLegacy(eventId, tenant);
      return found && canSee(principal, found.tenant) ? found : undefined;
    },
  );
  const records = new Map((await deps.deliveries.forEvent(id)).map((r) => [r.endpointId, r]));
  const since = new Date(Math.min(Date.parse(stored.timestamp), deps.now())).toISOString();
  const deliveries = await Promise.all(
    stored.endpointIds.map(async (endpointId) => {
      const record = records.get(endpointId);
      if (record && record.status !== 'requeued') {
        const {
          eventId: _,
          expiresAt: __,
          dlqEndpointId: ___,
          ...rest
        } = record as typeof record & {
          expiresAt?: number;
          dlqEndpointId?: string;
        };
        return rest;
      }
      const deliveredAt = await deps.attempts.deliveredAt(endpointId, id, since);
      return deliveredAt
        ? { endpointId, status: 'delivered', finishedAt: deliveredAt }
        : { endpointId, status: record ? 'requeued' : 'pending' };
    }),
  );
  const { requestHash: _, ...view } = stored;
  return json(200, { ...view, deliveries });
}

function instantParam(event: RouteEvent, name: 'since' | 'until'): string | undefined {
  const value = event.queryStringParameters?.[name];
  if (value === undefined) return undefined;
  const instant = parseInstant(value);
  if (instant === undefined) {
    throw new BadRequestError(`invalid ${name}`, [
      { field: name, message: 'must be an ISO-8601 date-time with a zone' },
    ]);
  }
  return instant;
}

/** `GET /v1/events?tenant=&type=&since=&until=`: newest first, paged; summaries only. */
export async function listEvents(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const query = event.queryStringParameters ?? {};
  const tenant = requestTenant(principalOf(event), query.tenant, 'tenant');
  if (query.type !== undefined && !EVENT_TYPE_PATTERN.test(query.type)) {
    throw new BadRequestError('invalid type', [
      { field: 'type', message: 'must be an event type like invoice.paid' },
    ]);
  }
  const since = instantParam(event, 'since');
  const until = instantParam(event, 'until');
  const binding = cursorBinding('events', tenant, query.type, since, until);
  const page = await deps.events.list(tenant, {
    ...(await paging(deps, event, binding)),
    ...(since && { since }),
    ...(until && { until }),
    ...(query.type && { type: query.type }),
  });
  return json(200, { data: page.items, ...(await nextCursor(deps, page.cursor, binding)) });
}

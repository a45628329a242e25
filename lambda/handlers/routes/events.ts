import { catalog } from '../../domain/catalog';
import { NotFoundError } from '../../domain/errors';
import { EVENT_ID_PATTERN } from '../../domain/ids';
import { type HttpResult, json } from '../http/response';
import { attemptLog, deliveryStateRepository, eventRepository } from '../wiring';
import type { RouteEvent } from './shared';

export async function listEventTypes(): Promise<HttpResult> {
  return json(200, { data: catalog() });
}

/**
 * One event and where each of its deliveries stands. Failed deliveries have a record; a
 * delivery without one either succeeded first time (found in the attempt log) or is pending.
 */
export async function getEvent(event: RouteEvent): Promise<HttpResult> {
  const id = event.pathParameters?.id ?? '';
  const stored = EVENT_ID_PATTERN.test(id) ? await eventRepository().get(id) : undefined;
  if (!stored) throw new NotFoundError(`no event ${id}`);
  const records = new Map(
    (await deliveryStateRepository().forEvent(id)).map((r) => [r.endpointId, r]),
  );
  const since = new Date(Math.min(Date.parse(stored.timestamp), Date.now())).toISOString();
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
      const deliveredAt = await attemptLog().deliveredAt(endpointId, id, since);
      return deliveredAt
        ? { endpointId, status: 'delivered', finishedAt: deliveredAt }
        : { endpointId, status: record ? 'requeued' : 'pending' };
    }),
  );
  const { requestHash: _, ...view } = stored;
  return json(200, { ...view, deliveries });
}

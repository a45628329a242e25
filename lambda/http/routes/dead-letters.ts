import { EVENT_TYPE_PATTERN } from '../../domain/catalog';
import { BadRequestError } from '../../domain/errors';
import { ENDPOINT_ID_PATTERN } from '../../domain/ids';
import { parseRedriveRequest } from '../../domain/job-requests';
import { principalOf, readJsonBody } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import {
  canSeeJob,
  cursorBinding,
  findById,
  findEndpoint,
  jobView,
  nextCursor,
  paging,
  type RouteEvent,
  startJobOnce,
} from './shared';

/** Dead letters with their reasons, from the delivery records that mirror the DLQ. */
export async function listDeadLetters(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const query = event.queryStringParameters ?? {};
  if (query.endpointId !== undefined && !ENDPOINT_ID_PATTERN.test(query.endpointId)) {
    throw new BadRequestError('invalid endpointId', [
      { field: 'endpointId', message: 'must be an endpoint id (ep_…)' },
    ]);
  }
  if (query.eventType !== undefined && !EVENT_TYPE_PATTERN.test(query.eventType)) {
    throw new BadRequestError('invalid eventType', [
      { field: 'eventType', message: 'must be an event type like invoice.paid' },
    ]);
  }
  const { tenant } = principalOf(event);
  // Another tenant's endpoint is 404, as on every by-id route.
  if (query.endpointId !== undefined && tenant !== undefined) {
    await findEndpoint(deps, { ...event, pathParameters: { id: query.endpointId } });
  }
  const binding = cursorBinding('dead-letters', tenant, query.endpointId, query.eventType);
  const paged = await paging(deps, event, binding);
  const [page, queueDepth] = await Promise.all([
    deps.deliveries.deadLetters({
      ...paged,
      ...(query.endpointId !== undefined && { endpointId: query.endpointId }),
      ...(query.eventType !== undefined && { eventType: query.eventType }),
      ...(tenant !== undefined && { tenant }),
    }),
    // The queue's depth counts every tenant's letters: for operators only.
    tenant === undefined ? deps.deadLetterDepth() : Promise.resolve(undefined),
  ]);
  const data = page.items.map((record) => ({
    eventId: record.eventId,
    endpointId: record.endpointId,
    eventType: record.eventType,
    reason: record.reason,
    attempts: record.attempts,
    lastStatus: record.lastStatus ?? null,
    lastError: record.lastError ?? null,
    deadLetteredAt: record.deadLetteredAt,
  }));
  return json(200, {
    data,
    ...(queueDepth !== undefined && { queueDepth }),
    ...(await nextCursor(deps, page.cursor, binding)),
  });
}

/** Moves matching dead letters back to the delivery queue, as a job. */
export async function redriveDeadLetters(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const body = event.body ? readJsonBody(event, 64 * 1024) : {};
  const { tenant } = principalOf(event);
  const spec = parseRedriveRequest(body, tenant);
  if (spec.kind === 'redrive' && spec.endpointId !== undefined && tenant !== undefined) {
    await findEndpoint(deps, { ...event, pathParameters: { id: spec.endpointId } });
  }
  const job = await startJobOnce(deps, event, spec);
  return json(202, jobView(job), { location: `/v1/jobs/${job.id}` });
}

export async function getJob(deps: ManagementDependencies, event: RouteEvent): Promise<HttpResult> {
  const principal = principalOf(event);
  const { found: job } = await findById(event, 'job', /^job_[0-9A-Z]{26}$/, async (id) => {
    const found = await deps.jobs.jobs.get(id);
    return found && canSeeJob(principal, found) ? found : undefined;
  });
  return json(200, jobView(job));
}

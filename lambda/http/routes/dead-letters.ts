import { EVENT_TYPE_PATTERN } from '../../domain/catalog';
import { BadRequestError } from '../../domain/errors';
import { ENDPOINT_ID_PATTERN } from '../../domain/ids';
import { parseRedriveRequest } from '../../domain/job-requests';
import { readJsonBody } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import { findById, jobView, paging, type RouteEvent, startJobOnce } from './shared';

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
  const [page, queueDepth] = await Promise.all([
    deps.deliveries.deadLetters({
      ...paging(event),
      ...(query.endpointId !== undefined && { endpointId: query.endpointId }),
      ...(query.eventType !== undefined && { eventType: query.eventType }),
    }),
    deps.deadLetterDepth(),
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
  return json(200, { data, queueDepth, ...(page.cursor && { nextCursor: page.cursor }) });
}

/** Moves matching dead letters back to the delivery queue, as a job. */
export async function redriveDeadLetters(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const body = event.body ? readJsonBody(event, 64 * 1024) : {};
  const job = await startJobOnce(deps, event, parseRedriveRequest(body));
  return json(202, jobView(job), { location: `/v1/jobs/${job.id}` });
}

export async function getJob(deps: ManagementDependencies, event: RouteEvent): Promise<HttpResult> {
  const { found: job } = await findById(event, 'job', /^job_[0-9A-Z]{26}$/, (id) =>
    deps.jobs.jobs.get(id),
  );
  return json(200, jobView(job));
}

import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Endpoint } from '../../domain/endpoint';
import { BadRequestError, IdempotencyConflictError, NotFoundError } from '../../domain/errors';
import { ENDPOINT_ID_PATTERN, newUlid } from '../../domain/ids';
import { type Job, type JobSpec, startJob } from '../../domain/jobs';
import { IDEMPOTENCY_TTL_SECONDS } from '../../domain/publish';
import type { ManagementDependencies } from './dependencies';

export type RouteEvent = APIGatewayProxyEventV2 & { pathParameters?: Record<string, string> };

/**
 * The resource named by the path's `{id}`, read with `get`; 404 when the id is not of the
 * resource's form or nothing has it, so a malformed id never reaches the table.
 */
export async function findById<T>(
  event: RouteEvent,
  what: string,
  pattern: RegExp,
  get: (id: string) => Promise<T | undefined>,
): Promise<{ id: string; found: T }> {
  const id = event.pathParameters?.id ?? '';
  const found = pattern.test(id) ? await get(id) : undefined;
  if (found === undefined) throw new NotFoundError(`no ${what} ${id}`);
  return { id, found };
}

export async function findEndpoint(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<Endpoint> {
  const { found } = await findById(event, 'endpoint', ENDPOINT_ID_PATTERN, (id) =>
    deps.endpoints.get(id),
  );
  return found;
}

/** `limit` (1–100, default 50) and `cursor` query parameters. */
export function paging(event: RouteEvent): { limit: number; cursor?: string } {
  const query = event.queryStringParameters ?? {};
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new BadRequestError('invalid limit', [
      { field: 'limit', message: 'must be a whole number from 1 to 100' },
    ]);
  }
  return { limit, ...(query.cursor !== undefined && { cursor: query.cursor }) };
}

export function jobView(job: Job) {
  return { ...job, links: { self: `/v1/jobs/${job.id}` } };
}

/**
 * Starts a job, or with an `Idempotency-Key` returns the job the same request started
 * before (409 if the key came with a different request).
 */
export async function startJobOnce(
  deps: ManagementDependencies,
  event: RouteEvent,
  spec: JobSpec,
): Promise<Job> {
  const key = event.headers?.['idempotency-key'];
  const id = `job_${newUlid()}`;
  if (key === undefined) return startJob(deps.jobs, id, spec);
  const requestHash = createHash('sha256').update(JSON.stringify(spec)).digest('base64url');
  const existing = await deps.idempotency.claim(
    { key: `job#${key}`, eventId: id, requestHash, lockedUntil: 0 },
    IDEMPOTENCY_TTL_SECONDS,
  );
  if (!existing) return startJob(deps.jobs, id, spec);
  if (existing.requestHash !== requestHash) {
    throw new IdempotencyConflictError('this idempotency key was used for another request', [
      { field: 'Idempotency-Key', message: 'reused' },
    ]);
  }
  const job = await deps.jobs.jobs.get(existing.eventId);
  // The first request died between claiming the key and recording the job: start it now.
  return job ?? startJob(deps.jobs, existing.eventId, spec);
}

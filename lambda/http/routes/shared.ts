import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Endpoint } from '../../domain/endpoint';
import {
  BadRequestError,
  ForbiddenError,
  IdempotencyConflictError,
  NotFoundError,
} from '../../domain/errors';
import { DEFAULT_TENANT, TENANT_PATTERN } from '../../domain/event';
import { ENDPOINT_ID_PATTERN, newUlid } from '../../domain/ids';
import { type Job, type JobSpec, startJob } from '../../domain/jobs';
import type { ApiPrincipal } from '../../domain/ports';
import { IDEMPOTENCY_TTL_SECONDS } from '../../domain/publish';
import { idempotencyKeyFrom, principalOf } from '../middlewares';
import type { ManagementDependencies } from './dependencies';

export type RouteEvent = APIGatewayProxyEventV2 & { pathParameters?: Record<string, string> };

/** Whether the request's key may see a resource of `tenant`. */
export const canSee = (principal: ApiPrincipal, tenant: string | undefined): boolean =>
  principal.tenant === undefined || principal.tenant === tenant;

/**
 * The tenant a request acts on: the one it names (`field`, in the query or body), checked
 * against the key's. A tenant-scoped key naming nothing acts on its own tenant; naming
 * another is 403. An operator key naming nothing acts on `default`.
 */
export function requestTenant(
  principal: ApiPrincipal,
  requested: string | undefined,
  field: string,
): string {
  if (requested !== undefined && !TENANT_PATTERN.test(requested)) {
    throw new BadRequestError('invalid tenant', [{ field, message: 'is not a tenant name' }]);
  }
  if (principal.tenant === undefined) return requested ?? DEFAULT_TENANT;
  if (requested !== undefined && requested !== principal.tenant) {
    throw new ForbiddenError(`this API key is confined to tenant ${principal.tenant}`, [
      { field, message: `must be ${principal.tenant} (or left out) with this key` },
    ]);
  }
  return principal.tenant;
}

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
  const principal = principalOf(event);
  // Another tenant's endpoint is as absent as one that never existed.
  const { found } = await findById(event, 'endpoint', ENDPOINT_ID_PATTERN, async (id) => {
    const endpoint = await deps.endpoints.get(id);
    return endpoint && canSee(principal, endpoint.tenant) ? endpoint : undefined;
  });
  return found;
}

/**
 * `limit` (1–100, default 50 unless the route says) and `cursor` query parameters. The cursor
 * must be one this API signed for the same `binding` (route, tenant, filters); the storage
 * position it carries is returned.
 */
export async function paging(
  deps: Pick<ManagementDependencies, 'cursors'>,
  event: RouteEvent,
  binding: string,
  defaultLimit = 50,
): Promise<{ limit: number; cursor?: string }> {
  const query = event.queryStringParameters ?? {};
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new BadRequestError('invalid limit', [
      { field: 'limit', message: 'must be a whole number from 1 to 100' },
    ]);
  }
  const cursor = await deps.cursors.open(query.cursor, binding);
  return { limit, ...(cursor !== undefined && { cursor }) };
}

/** A page's `nextCursor`, signed for the same binding as {@link paging} checked. */
export async function nextCursor(
  deps: Pick<ManagementDependencies, 'cursors'>,
  position: string | undefined,
  binding: string,
): Promise<{ nextCursor?: string }> {
  if (position === undefined) return {};
  return { nextCursor: await deps.cursors.seal(position, binding) };
}

/** What a cursor is bound to: its parts, none of which may contain the separator. */
export const cursorBinding = (...parts: readonly (string | undefined)[]): string =>
  parts.map((part) => part ?? '').join('|');

/** Whether the request's key may see this job: an operator's redrive spans every tenant. */
export const canSeeJob = (principal: ApiPrincipal, job: Job): boolean =>
  canSee(principal, job.spec.tenant);

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
  const key = idempotencyKeyFrom(event.headers);
  const id = `job_${newUlid()}`;
  if (key === undefined) return startJob(deps.jobs, id, spec);
  const requestHash = createHash('sha256').update(JSON.stringify(spec)).digest('base64url');
  // Namespaced by route and by the key's tenant: another tenant's key never collides.
  const scope = principalOf(event).tenant ?? '';
  const existing = await deps.idempotency.claim(
    { key: `job#${scope}#${key}`, eventId: id, requestHash, lockedUntil: 0 },
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

import {
  endpointView,
  newEndpoint,
  parseEndpointInput,
  patchEndpoint,
  resolvedUrlProblem,
  type UrlPolicy,
} from '../../domain/endpoint';
import { circuitView } from '../../domain/endpoint-health';
import { BadRequestError, ConflictError } from '../../domain/errors';
import { newEndpointId } from '../../domain/ids';
import { parseReplayRequest } from '../../domain/job-requests';
import { generateSecret } from '../../domain/signing';
import { endpointStats, STATS_WINDOWS } from '../../domain/stats';
import { isPlainObject } from '../../domain/validation';
import { principalOf, readJsonBody } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import {
  cursorBinding,
  findEndpoint,
  jobView,
  nextCursor,
  paging,
  type RouteEvent,
  requestTenant,
  startJobOnce,
} from './shared';

const MAX_ENDPOINT_BODY_BYTES = 16 * 1024;

function urlPolicy(deps: ManagementDependencies): UrlPolicy {
  return {
    allowPrivateTargets: deps.settings.allowPrivateTargets,
    ports: deps.settings.endpointPorts,
  };
}

/** Outside local mode, refuses a URL whose host name resolves to a non-public address. */
async function requirePublicTarget(
  deps: ManagementDependencies,
  url: string,
  policy: UrlPolicy,
  what: string,
): Promise<void> {
  if (policy.allowPrivateTargets) return;
  const problem = await resolvedUrlProblem(url, policy, deps.resolveHost);
  if (problem !== undefined) {
    throw new BadRequestError(`invalid ${what}`, [{ field: '/url', message: problem }]);
  }
}

export async function createEndpoint(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const policy = urlPolicy(deps);
  const body = readJsonBody(event, MAX_ENDPOINT_BODY_BYTES);
  // A tenant-scoped key creates endpoints in its own tenant, whether the body names it or not.
  const named = isPlainObject(body) && typeof body.tenant === 'string' ? body.tenant : undefined;
  const tenant = requestTenant(principalOf(event), named, '/tenant');
  const input = parseEndpointInput(isPlainObject(body) ? { ...body, tenant } : body, policy);
  if (input.url !== undefined) await requirePublicTarget(deps, input.url, policy, 'endpoint');
  const endpoint = newEndpoint(
    input,
    { id: newEndpointId(), secret: generateSecret() },
    new Date(deps.now()),
  );
  await deps.endpoints.create(endpoint);
  // The only answer that carries the secret unasked.
  return json(
    201,
    { ...endpointView(endpoint), secret: endpoint.secrets[0]?.secret },
    { location: `/v1/endpoints/${endpoint.id}` },
  );
}

export async function listEndpoints(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const tenant = requestTenant(principalOf(event), event.queryStringParameters?.tenant, 'tenant');
  const binding = cursorBinding('endpoints', tenant);
  const { limit, cursor } = await paging(deps, event, binding);
  const page = await deps.endpoints.page(tenant, limit, cursor);
  return json(200, {
    data: page.items.map(endpointView),
    ...(await nextCursor(deps, page.cursor, binding)),
  });
}

export async function getEndpoint(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  return json(200, endpointView(await findEndpoint(deps, event)));
}

/** Changes an endpoint; a concurrent change makes this one fail with 409, never lost. */
export async function updateEndpoint(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  const policy = urlPolicy(deps);
  const changed = patchEndpoint(
    endpoint,
    readJsonBody(event, MAX_ENDPOINT_BODY_BYTES),
    policy,
    new Date(deps.now()),
  );
  if (changed.url !== undefined && changed.url !== endpoint.url) {
    await requirePublicTarget(deps, changed.url, policy, 'endpoint change');
  }
  if (!(await deps.endpoints.replace(changed, endpoint.updatedAt))) {
    throw new ConflictError('the endpoint changed meanwhile; read it again and retry');
  }
  return json(200, endpointView(changed));
}

export async function deleteEndpoint(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  await deps.endpoints.delete(await findEndpoint(deps, event));
  return { statusCode: 204, headers: {}, body: '' };
}

const ATTEMPT_STATUSES = ['delivered', 'failed'] as const;

/** The attempt log, newest first; `?status=failed|delivered` filters. */
export async function listAttempts(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  const status = event.queryStringParameters?.status;
  if (status !== undefined && !ATTEMPT_STATUSES.includes(status as 'failed')) {
    throw new BadRequestError('invalid status', [
      { field: 'status', message: 'must be delivered or failed' },
    ]);
  }
  const binding = cursorBinding('attempts', endpoint.id, status);
  const page = await deps.attempts.list(endpoint.id, {
    ...(await paging(deps, event, binding)),
    ...(status !== undefined && { outcome: status as 'failed' | 'delivered' }),
  });
  return json(200, { data: page.items, ...(await nextCursor(deps, page.cursor, binding)) });
}

/** Re-delivers events from the event log to this endpoint, as a job. */
export async function replayToEndpoint(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  const spec = parseReplayRequest(readJsonBody(event, 16 * 1024), endpoint, deps.now());
  const job = await startJobOnce(deps, event, spec);
  return json(202, jobView(job), { location: `/v1/jobs/${job.id}` });
}

/** Pages of the attempt log read for a day's stats: enough for about a million attempts. */
const STATS_MAX_PAGES = 200;

/** Deliveries, success ratio, latency percentiles and dead letters, last hour and day. */
export async function endpointStatsRoute(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  const now = deps.now();
  const since = new Date(now - STATS_WINDOWS.lastDay).toISOString();
  const [attempts, deadLetters, circuit] = await Promise.all([
    deps.attempts.since(endpoint.id, since, STATS_MAX_PAGES),
    deps.deliveries.deadLetteredSince(endpoint.id, since),
    deps.health.circuit(endpoint.id),
  ]);
  return json(200, {
    endpointId: endpoint.id,
    ...endpointStats(attempts.items, deadLetters, now),
    circuit: circuitView(circuit, now),
    // False when the day held more attempts than were read: the figures are then a sample.
    complete: attempts.complete,
  });
}

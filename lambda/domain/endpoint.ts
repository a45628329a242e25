import { retryDelayProblem } from '#shared/durations';
import { portAllowed } from '#shared/settings';
import { BadRequestError } from './errors';
import { TENANT_PATTERN } from './event';
import { describeNonPublic, hostProblem, literalAddress, PUBLIC_ONLY } from './ssrf';
import { isValidEventTypeFilter } from './subscriptions';
import { bodyFields, type FieldReader, isPlainObject } from './validation';

export interface EndpointSecret {
  readonly secret: string;
  /** Epoch ms after which a rotated-out secret stops signing; absent for the current one. */
  readonly expiresAt?: number;
}

/**
 * `push` endpoints get each delivery POSTed to their URL; `polling` endpoints have no URL and
 * keep their deliveries in a feed their consumer reads (`GET /v1/endpoints/{id}/feed`).
 */
export type EndpointType = 'push' | 'polling';

export const ENDPOINT_TYPES: readonly EndpointType[] = ['push', 'polling'];

export interface Endpoint {
  readonly id: string;
  readonly tenant: string;
  /** Absent on endpoints stored before polling endpoints existed (0.6): those are `push`. */
  readonly type?: EndpointType;
  /** A push endpoint's target; a polling endpoint has none. */
  readonly url?: string;
  readonly description?: string;
  /** Exact types or `prefix.*`; absent means every type. */
  readonly eventTypes?: readonly string[];
  readonly rateLimitPerSecond?: number;
  /** Overrides the deployment's retry schedule for this endpoint, e.g. `['30s','5m']`. */
  readonly retrySchedule?: readonly string[];
  /** Overrides the deployment's attempts per delivery. */
  readonly maxAttempts?: number;
  readonly enabled: boolean;
  /** Why Hookline switched the endpoint off (`gone` after HTTP 410). */
  readonly disabledReason?: string;
  readonly disabledAt?: string;
  /** Current secret first, then rotated-out secrets still inside their grace period. */
  readonly secrets: readonly EndpointSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EndpointInput {
  /** Absent means `push`. */
  readonly type?: EndpointType;
  readonly url?: string;
  readonly tenant: string;
  readonly eventTypes?: readonly string[];
  readonly description?: string;
  readonly rateLimitPerSecond?: number;
  readonly retrySchedule?: readonly string[];
  readonly maxAttempts?: number;
}

export interface UrlPolicy {
  /** Local mode only: allow `http` and loopback/private hosts. */
  readonly allowPrivateTargets: boolean;
  /** Ports and ranges (`443`, `1024-65535`) a URL may use; absent allows any. */
  readonly ports?: readonly string[];
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

const MAX_URL_LENGTH = 2048;

/** Returns a problem message for the URL, or undefined when it is acceptable. */
export function urlProblem(raw: string, policy: UrlPolicy): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  const allowed = policy.allowPrivateTargets ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) {
    return `must use ${policy.allowPrivateTargets ? 'http or https' : 'https'}`;
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] as number) : Number(url.port);
  if (policy.ports !== undefined && !portAllowed(port, policy.ports)) {
    return `must use an allowed port (${policy.ports.join(', ')}); ${port} is not`;
  }
  if (!policy.allowPrivateTargets) return hostProblem(url.hostname);
  return undefined;
}

/** Resolves a host name to every address it has; a failure means the name does not resolve. */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

/**
 * `urlProblem`, plus, outside local mode, the addresses the host name resolves to now: any
 * non-public one refuses the URL. Meant for creation time, to fail early and clearly; the
 * sender checks again on the address it connects to, which is what stops DNS rebinding.
 */
export async function resolvedUrlProblem(
  raw: string,
  policy: UrlPolicy,
  resolve: ResolveHost,
): Promise<string | undefined> {
  const problem = urlProblem(raw, policy);
  if (problem !== undefined || policy.allowPrivateTargets) return problem;
  const hostname = new URL(raw).hostname;
  if (literalAddress(hostname) !== undefined) return undefined; // checked by urlProblem
  let addresses: readonly string[];
  try {
    addresses = await resolve(hostname);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) return `host name not found: ${hostname} does not resolve`;
  for (const address of addresses) {
    const what = describeNonPublic(address);
    if (what !== undefined) return `resolves to ${what}; ${PUBLIC_ONLY}`;
  }
  return undefined;
}

export const isPolling = (endpoint: Pick<Endpoint, 'type'>): boolean => endpoint.type === 'polling';

/** An endpoint Hookline POSTs to. */
export type PushEndpoint = Endpoint & { readonly url: string };

export const isPushEndpoint = (endpoint: Endpoint): endpoint is PushEndpoint =>
  !isPolling(endpoint) && endpoint.url !== undefined;

/** What a push endpoint has that a polling one, which is never POSTed to, must leave out. */
const PUSH_ONLY = ['url', 'rateLimitPerSecond', 'retrySchedule', 'maxAttempts'] as const;

function readType(body: Record<string, unknown>, reader: FieldReader): EndpointType {
  const type = body.type ?? 'push';
  if (ENDPOINT_TYPES.includes(type as EndpointType)) return type as EndpointType;
  reader.problems.push({ field: '/type', message: 'must be push or polling' });
  return 'push';
}

export function parseEndpointInput(raw: unknown, policy: UrlPolicy): EndpointInput {
  const body = isPlainObject(raw) ? raw : {};
  const reader = bodyFields(raw);
  const type = readType(body, reader);
  if (type === 'polling') {
    for (const field of PUSH_ONLY.filter((key) => body[key] !== undefined)) {
      reader.problems.push({
        field: `/${field}`,
        message: `does not apply to a polling endpoint: its deliveries wait in its feed`,
      });
    }
  }
  reader.rejectUnknown([
    'type',
    'url',
    'tenant',
    'eventTypes',
    'description',
    'rateLimitPerSecond',
    'retrySchedule',
    'maxAttempts',
  ]);
  const url = type === 'push' ? reader.string('url', { required: true }) : undefined;
  const problem = url === undefined ? undefined : urlProblem(url, policy);
  if (problem) reader.problems.push({ field: '/url', message: problem });
  const tenant = reader.string('tenant', {
    pattern: TENANT_PATTERN,
    hint: 'must be 1-64 letters, digits, dots, dashes or underscores',
  });
  const eventTypes = reader.stringArray('eventTypes', {
    maxItems: 100,
    check: isValidEventTypeFilter,
    hint: 'must be an event type like invoice.paid or a prefix like invoice.*',
  });
  const description = reader.string('description', { maxLength: 500 });
  const rateLimitPerSecond = reader.integer('rateLimitPerSecond', { min: 1, max: 10_000 });
  const retrySchedule = reader.stringArray('retrySchedule', {
    maxItems: 20,
    check: (delay) => retryDelayProblem(delay) === undefined,
    hint: 'must be a delay between 1s and 12h, like 30s, 5m or 2h',
  });
  const maxAttempts = reader.integer('maxAttempts', { min: 1, max: 50 });
  reader.throwIfInvalid('endpoint');
  return {
    type,
    ...(url !== undefined && { url }),
    tenant: tenant ?? 'default',
    ...(eventTypes !== undefined && { eventTypes: [...new Set(eventTypes)] }),
    ...(description !== undefined && { description }),
    ...(rateLimitPerSecond !== undefined && { rateLimitPerSecond }),
    ...(retrySchedule !== undefined && retrySchedule.length > 0 && { retrySchedule }),
    ...(maxAttempts !== undefined && { maxAttempts }),
  };
}

/** Secrets that sign at `now`: the current one and those still inside their grace period. */
export function liveSecrets(endpoint: Pick<Endpoint, 'secrets'>, now: number): string[] {
  return endpoint.secrets
    .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
    .map((s) => s.secret);
}

/** What the API shows: everything but the secrets, and always the endpoint's type. */
export function endpointView(endpoint: Endpoint): Omit<Endpoint, 'secrets'> {
  const { secrets: _, ...view } = endpoint;
  return { ...view, type: endpoint.type ?? 'push' };
}

/** A new endpoint with a freshly generated signing secret. */
export function newEndpoint(
  input: EndpointInput,
  ids: { id: string; secret: string },
  now: Date,
): Endpoint {
  const at = now.toISOString();
  return {
    id: ids.id,
    tenant: input.tenant,
    type: input.type ?? 'push',
    ...(input.url !== undefined && { url: input.url }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.eventTypes !== undefined && { eventTypes: input.eventTypes }),
    ...(input.rateLimitPerSecond !== undefined && { rateLimitPerSecond: input.rateLimitPerSecond }),
    ...(input.retrySchedule !== undefined && { retrySchedule: input.retrySchedule }),
    ...(input.maxAttempts !== undefined && { maxAttempts: input.maxAttempts }),
    enabled: true,
    secrets: [{ secret: ids.secret }],
    createdAt: at,
    updatedAt: at,
  };
}

const PATCHABLE = [
  'url',
  'description',
  'eventTypes',
  'rateLimitPerSecond',
  'retrySchedule',
  'maxAttempts',
  'enabled',
] as const;

/**
 * Applies a PATCH body to an endpoint: the given fields change, `null` clears an optional
 * one, and switching an endpoint back on forgets why it was switched off.
 */
export function patchEndpoint(
  endpoint: Endpoint,
  raw: unknown,
  policy: UrlPolicy,
  now: Date,
): Endpoint {
  const body = isPlainObject(raw) ? raw : {};
  const reader = bodyFields(raw);
  reader.rejectUnknown(PATCHABLE);
  for (const fixed of ['tenant', 'type'].filter((key) => body[key] !== undefined)) {
    reader.problems.push({ field: `/${fixed}`, message: 'cannot change; create a new endpoint' });
  }
  const enabled = body.enabled;
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    reader.problems.push({ field: '/enabled', message: 'must be true or false' });
  }
  reader.throwIfInvalid('endpoint change');
  const merged = {
    type: endpoint.type ?? 'push',
    ...(endpoint.url !== undefined && { url: endpoint.url }),
    tenant: endpoint.tenant,
    ...Object.fromEntries(
      (['description', 'eventTypes', 'rateLimitPerSecond', 'retrySchedule', 'maxAttempts'] as const)
        .filter((key) => endpoint[key] !== undefined)
        .map((key) => [key, endpoint[key]]),
    ),
    ...Object.fromEntries(
      Object.entries(body).filter(([key, value]) => key !== 'enabled' && value !== null),
    ),
  };
  const cleared = Object.entries(body)
    .filter(([, value]) => value === null)
    .map(([key]) => key);
  if (cleared.includes('url') && !isPolling(endpoint)) {
    throw new BadRequestError('invalid endpoint change', [
      { field: '/url', message: 'cannot be removed' },
    ]);
  }
  for (const key of cleared) delete (merged as Record<string, unknown>)[key];
  const input = parseEndpointInput(merged, policy);
  const { disabledReason: _, disabledAt: __, ...rest } = endpoint;
  const switchedOn = enabled === true && !endpoint.enabled;
  return {
    ...(switchedOn ? rest : endpoint),
    url: input.url,
    description: input.description,
    eventTypes: input.eventTypes,
    rateLimitPerSecond: input.rateLimitPerSecond,
    retrySchedule: input.retrySchedule,
    maxAttempts: input.maxAttempts,
    enabled: typeof enabled === 'boolean' ? enabled : endpoint.enabled,
    updatedAt: now.toISOString(),
  };
}

import { isIP } from 'node:net';
import { TENANT_PATTERN } from './event';
import { isValidEventTypeFilter } from './subscriptions';
import { FieldReader, isPlainObject } from './validation';

export interface EndpointSecret {
  readonly secret: string;
  /** Epoch ms after which a rotated-out secret stops signing; absent for the current one. */
  readonly expiresAt?: number;
}

export interface Endpoint {
  readonly id: string;
  readonly tenant: string;
  readonly url: string;
  readonly description?: string;
  /** Exact types or `prefix.*`; absent means every type. */
  readonly eventTypes?: readonly string[];
  readonly rateLimitPerSecond?: number;
  readonly enabled: boolean;
  /** Current secret first, then rotated-out secrets still inside their grace period. */
  readonly secrets: readonly EndpointSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EndpointInput {
  readonly url: string;
  readonly tenant: string;
  readonly eventTypes?: readonly string[];
  readonly description?: string;
  readonly rateLimitPerSecond?: number;
}

export interface UrlPolicy {
  /** Local mode only: allow `http` and loopback/private hosts. */
  readonly allowPrivateTargets: boolean;
}

const MAX_URL_LENGTH = 2048;

function isObviouslyPrivateHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) {
    return true;
  }
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (isIP(host) === 6) {
    return (
      host === '::1' ||
      host === '::' ||
      /^(fc|fd|fe8|fe9|fea|feb)/.test(host) ||
      host.startsWith('::ffff:')
    );
  }
  return false;
}

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
  if (!policy.allowPrivateTargets && isObviouslyPrivateHost(url.hostname)) {
    return 'must point to a public address';
  }
  return undefined;
}

export function parseEndpointInput(raw: unknown, policy: UrlPolicy): EndpointInput {
  const body = isPlainObject(raw) ? raw : {};
  const reader = new FieldReader(body, '/');
  if (!isPlainObject(raw)) reader.problems.push({ field: '/', message: 'must be a JSON object' });
  reader.rejectUnknown(['url', 'tenant', 'eventTypes', 'description', 'rateLimitPerSecond']);
  const url = reader.string('url', { required: true });
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
  reader.throwIfInvalid('endpoint');
  return {
    url: url as string,
    tenant: tenant ?? 'default',
    ...(eventTypes !== undefined && { eventTypes: [...new Set(eventTypes)] }),
    ...(description !== undefined && { description }),
    ...(rateLimitPerSecond !== undefined && { rateLimitPerSecond }),
  };
}

/** Secrets that sign at `now`: the current one and those still inside their grace period. */
export function liveSecrets(endpoint: Pick<Endpoint, 'secrets'>, now: number): string[] {
  return endpoint.secrets
    .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
    .map((s) => s.secret);
}

/** What the API shows: everything but the secrets. */
export function endpointView(endpoint: Endpoint): Omit<Endpoint, 'secrets'> {
  const { secrets: _, ...view } = endpoint;
  return view;
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
    url: input.url,
    ...(input.description !== undefined && { description: input.description }),
    ...(input.eventTypes !== undefined && { eventTypes: input.eventTypes }),
    ...(input.rateLimitPerSecond !== undefined && { rateLimitPerSecond: input.rateLimitPerSecond }),
    enabled: true,
    secrets: [{ secret: ids.secret }],
    createdAt: at,
    updatedAt: at,
  };
}

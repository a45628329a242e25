/**
 * The console's one way to the API: same origin, absolute `/v1/...` paths, the credential
 * from sessionStorage only (never localStorage or cookies).
 */

import { tabStore } from './storage';

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export interface Credential {
  readonly token: string;
  readonly portal: boolean;
}

export interface Me {
  readonly scope: 'admin' | 'portal';
  readonly tenant?: string;
  readonly expiresAt?: string;
}

const CREDENTIAL_KEY = 'hookline.credential';

export function loadCredential(): Credential | undefined {
  try {
    const raw = tabStore.get(CREDENTIAL_KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<Credential>;
    return typeof parsed.token === 'string'
      ? { token: parsed.token, portal: parsed.portal === true }
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredential(credential: Credential): void {
  tabStore.set(CREDENTIAL_KEY, JSON.stringify(credential));
}

export function clearCredential(): void {
  tabStore.remove(CREDENTIAL_KEY);
}

let unauthorized: (credential: Credential) => void = () => {};

/** Called when the API answers 401: the shell signs out and says why. */
export function onUnauthorized(handler: (credential: Credential) => void): void {
  unauthorized = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  credential: Credential | undefined = loadCredential(),
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credential) headers.authorization = `Bearer ${credential.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError({
      title: 'The API could not be reached',
      status: 0,
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const problem = toProblem(response, parsed, text);
    if (response.status === 401 && credential) unauthorized(credential);
    throw new ApiError(problem);
  }
  return parsed as T;
}

function toProblem(response: Response, parsed: unknown, text: string): Problem {
  if (parsed && typeof parsed === 'object') {
    const value = parsed as Record<string, unknown>;
    if (typeof value.title === 'string') {
      return {
        title: value.title,
        status: typeof value.status === 'number' ? value.status : response.status,
        ...(typeof value.detail === 'string' && { detail: value.detail }),
        ...(Array.isArray(value.errors) && {
          errors: value.errors.filter(
            (e): e is FieldProblem =>
              !!e && typeof e.field === 'string' && typeof e.message === 'string',
          ),
        }),
      };
    }
    if (typeof value.message === 'string') {
      return { title: value.message, status: response.status };
    }
  }
  return {
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    ...(text && { detail: text.slice(0, 300) }),
  };
}

// The API's shapes (docs/openapi.yaml).

export interface Page<T> {
  readonly data: T[];
  readonly nextCursor?: string;
}

export interface CatalogEntry {
  readonly type: string;
  readonly version: number;
  readonly description: string;
  readonly schema: unknown;
  readonly example: unknown;
}

export interface Endpoint {
  readonly id: string;
  readonly tenant: string;
  readonly type: 'push' | 'polling';
  readonly url?: string;
  readonly description?: string;
  readonly eventTypes?: string[];
  readonly rateLimitPerSecond?: number;
  readonly maxAttempts?: number;
  readonly enabled: boolean;
  readonly disabledReason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Bucket {
  readonly start: string;
  readonly delivered: number;
  readonly failed: number;
}

export interface Window {
  readonly attempts: number;
  readonly delivered: number;
  readonly failed: number;
  readonly successRatio: number | null;
  readonly latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  readonly deadLetters: number;
  readonly buckets?: Bucket[];
}

export interface Stats {
  readonly endpointId: string;
  readonly lastHour: Window;
  readonly lastDay: Window;
  readonly complete: boolean;
  readonly circuit?: { state: 'closed' | 'open' | 'half-open'; openUntil?: string };
}

export interface Attempt {
  readonly eventId: string;
  readonly eventType: string;
  readonly outcome: 'delivered' | 'failed';
  readonly at: string;
  readonly attempt?: number;
  readonly status?: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly responseExcerpt?: string;
}

export interface EventSummary {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly timestamp: string;
}

export interface EventDelivery {
  readonly endpointId: string;
  readonly status: string;
  readonly attempts?: number;
  readonly lastAttemptAt?: string;
  readonly lastStatus?: number | null;
  readonly lastError?: string | null;
  readonly finishedAt?: string;
  readonly reason?: string;
}

export interface EventDetail extends EventSummary {
  readonly version: number;
  readonly data: unknown;
  readonly endpointIds: string[];
  readonly deliveries: EventDelivery[];
}

export interface DeadLetter {
  readonly eventId: string;
  readonly endpointId: string;
  readonly eventType: string;
  readonly reason: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deadLetteredAt: string;
}

export interface Job {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'completed';
  readonly scanned: number;
  readonly queued: number;
  readonly page: number;
  readonly finishedAt?: string;
}

export interface ApiKey {
  readonly id: string;
  readonly scope: 'publish' | 'admin';
  readonly tenant?: string;
  readonly prefix: string;
  readonly description?: string;
  readonly createdAt: string;
}

export interface ApiKeyCreated extends ApiKey {
  readonly key: string;
}

export const enc = encodeURIComponent;

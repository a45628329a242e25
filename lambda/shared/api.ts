/** API Gateway caches an authorizer answer per Authorization header this long. */
export const AUTHORIZER_CACHE_SECONDS = 300;

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'ANY';
  /** API Gateway route path; `{proxy+}` is a greedy parameter. */
  readonly path: string;
  /** The function that serves the route (`lambda/handlers/<target>.ts`). */
  readonly target: 'ingest' | 'management' | 'keys';
  /** Whether the API key authorizer runs first; only the health check is public. */
  readonly authorized: boolean;
}

/** HTTP API routes, most specific first (the local server matches in this order). */
export const apiRoutes: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v1/events', target: 'ingest', authorized: true },
  { method: 'POST', path: '/v1/events/batch', target: 'ingest', authorized: true },
  { method: 'GET', path: '/health', target: 'management', authorized: false },
  // API keys have a function of their own, the only one that may write the api-keys table.
  { method: 'POST', path: '/v1/api-keys', target: 'keys', authorized: true },
  { method: 'GET', path: '/v1/api-keys', target: 'keys', authorized: true },
  { method: 'DELETE', path: '/v1/api-keys/{id}', target: 'keys', authorized: true },
  { method: 'POST', path: '/v1/portal-sessions', target: 'keys', authorized: true },
  { method: 'ANY', path: '/v1/{proxy+}', target: 'management', authorized: true },
];

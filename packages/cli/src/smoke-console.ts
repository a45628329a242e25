/**
 * The smoke test's `console` step: a portal session for the throwaway tenant, whose link must
 * lead to the console (served with its CSP), and whose token must reach the API through the
 * console's own origin. Deployed, that origin is CloudFront: the step shows it forwards the
 * `Authorization` header to API Gateway, which nothing but a deployed stack can show.
 */
import type { ApiClient } from './api.js';
import { ApiError } from './errors.js';

export class ConsoleCheckFailed extends Error {}
export class ConsoleAbsent extends Error {}

interface PortalSession {
  readonly id: string;
  readonly url: string;
  readonly token: string;
}

/** How long the smoke test's portal session lasts; it is revoked at the end of the step anyway. */
const SESSION_SECONDS = 120;

export async function checkConsole(
  api: ApiClient,
  tenant: string,
  /** The stack's `ConsoleUrl` output, when the run has a stack. */
  expectedUrl: string | undefined,
  signal: AbortSignal,
): Promise<string> {
  let session: PortalSession;
  try {
    session = await api.post<PortalSession>('/v1/portal-sessions', {
      tenant,
      ttlSeconds: SESSION_SECONDS,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      throw new ConsoleAbsent('the stack hosts no console (consoleHosting is false)');
    }
    throw error;
  }
  try {
    const consoleUrl = session.url.slice(0, session.url.indexOf('#'));
    if (expectedUrl !== undefined && consoleUrl !== expectedUrl) {
      throw new ConsoleCheckFailed(
        `the portal link leads to ${consoleUrl}, not to the stack's ConsoleUrl ${expectedUrl}`,
      );
    }
    const page = await fetch(consoleUrl, { signal });
    const policy = page.headers.get('content-security-policy') ?? '';
    if (!page.ok || !(page.headers.get('content-type') ?? '').startsWith('text/html')) {
      throw new ConsoleCheckFailed(`GET ${consoleUrl} answered ${page.status}, expected the page`);
    }
    if (!policy.includes("script-src 'self'") || !policy.includes('frame-ancestors')) {
      throw new ConsoleCheckFailed(`GET ${consoleUrl} came without the console's CSP`);
    }
    const me = await fetch(new URL('/v1/me', consoleUrl), {
      headers: { authorization: `Bearer ${session.token}` },
      signal,
    });
    const caller = (await me.json().catch(() => ({}))) as { scope?: string; tenant?: string };
    if (me.status !== 200 || caller.scope !== 'portal' || caller.tenant !== tenant) {
      throw new ConsoleCheckFailed(
        `GET /v1/me on the console's origin with the portal token answered ${me.status} ${JSON.stringify(caller)}, expected 200 {"scope":"portal","tenant":"${tenant}"}: does the console's origin pass the Authorization header to the API?`,
      );
    }
    return `${consoleUrl}: the page with its CSP, and a portal token for ${tenant} through its origin`;
  } finally {
    await api.delete(`/v1/api-keys/${encodeURIComponent(session.id)}`).catch(() => undefined);
  }
}

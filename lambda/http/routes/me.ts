import { principalOf } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { RouteEvent } from './shared';

/**
 * `GET /v1/me`: what the presented credential is: its scope, the tenant it is confined to and
 * when it ends. The console signs in with it and shows a portal session's tenant and expiry.
 */
export async function describeCaller(_deps: unknown, event: RouteEvent): Promise<HttpResult> {
  const { scope, tenant, expiresAt } = principalOf(event);
  return json(200, {
    scope,
    ...(tenant !== undefined && { tenant }),
    ...(expiresAt !== undefined && { expiresAt: new Date(expiresAt * 1000).toISOString() }),
  });
}

import type { DynamoApiKeyRepository } from '../../adapters/dynamo/api-key-store';
import { apiKeyId, generateApiKey } from '../../adapters/dynamo/api-key-store';
import { ConflictError } from '../../domain/errors';
import { TENANT_PATTERN } from '../../domain/event';
import { bodyFields } from '../../domain/validation';
import { readJsonBody } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { RouteEvent } from './shared';

/** A portal link lasts an hour unless asked otherwise: long enough to fix an endpoint. */
export const DEFAULT_PORTAL_TTL_SECONDS = 3600;
/** At most a day: the link is a bearer credential, and the operator's app can mint another. */
export const MAX_PORTAL_TTL_SECONDS = 86_400;
export const MIN_PORTAL_TTL_SECONDS = 1;

export interface PortalSessionDependencies {
  readonly apiKeys: Pick<DynamoApiKeyRepository, 'store'>;
  /** The console's address (`…/`); without one there is no page to send the link to. */
  readonly consoleUrl: string | undefined;
  readonly now: () => number;
}

/**
 * `{tenant, ttlSeconds?}` → 201 `{url, token, tenant, expiresAt}`. The token is a `portal`
 * credential confined to `tenant` until `expiresAt`, stored hashed like any key. It rides in
 * the link's fragment, which browsers never send to a server, so it stays out of access logs
 * and `Referer` headers.
 */
export async function createPortalSession(
  deps: PortalSessionDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const raw = readJsonBody(event, 4096);
  const fields = bodyFields(raw);
  fields.rejectUnknown(['tenant', 'ttlSeconds']);
  const tenant = fields.string('tenant', {
    required: true,
    pattern: TENANT_PATTERN,
    hint: 'must be 1-64 letters, digits, dots, dashes or underscores',
  });
  const ttlSeconds =
    fields.integer('ttlSeconds', { min: MIN_PORTAL_TTL_SECONDS, max: MAX_PORTAL_TTL_SECONDS }) ??
    DEFAULT_PORTAL_TTL_SECONDS;
  fields.throwIfInvalid('portal session');
  if (deps.consoleUrl === undefined) {
    throw new ConflictError(
      'this deployment has no console (consoleHosting is false), so there is no portal to link to',
    );
  }
  const token = generateApiKey('portal');
  const expiresAt = Math.floor(deps.now() / 1000) + ttlSeconds;
  const record = await deps.apiKeys.store(token, 'portal', {
    tenant: tenant as string,
    expiresAt,
    description: `portal session for ${tenant}`,
  });
  return json(201, {
    id: apiKeyId(record.keyHash),
    url: `${deps.consoleUrl}#portal=${token}`,
    token,
    tenant,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  });
}

import {
  API_KEY_ID_PATTERN,
  type ApiKeyRecord,
  apiKeyId,
  type DynamoApiKeyRepository,
  generateApiKey,
} from '../../adapters/dynamo/api-key-store';
import { TENANT_PATTERN } from '../../domain/event';
import { hasExpired } from '../../domain/expiry';
import type { ApiKeyScope } from '../../domain/ports';
import { bodyFields } from '../../domain/validation';
import { readJsonBody } from '../middlewares';
import { type HttpResult, json } from '../response';
import { findById, type RouteEvent } from './shared';

/** What the API key routes read and change: the keys table, and nothing else. */
export interface ApiKeyRoutesDependencies {
  readonly apiKeys: Pick<DynamoApiKeyRepository, 'store' | 'list' | 'revokeById'>;
}

const SCOPES: readonly ApiKeyScope[] = ['publish', 'admin'];

/** A key as listed: never the key, nor its hash. */
const keyView = (record: ApiKeyRecord) => ({
  id: apiKeyId(record.keyHash),
  scope: record.scope,
  ...(record.tenant !== undefined && { tenant: record.tenant }),
  prefix: record.prefix,
  ...(record.description !== undefined && { description: record.description }),
  createdAt: record.createdAt,
  ...(record.expiresAt !== undefined && {
    expiresAt: new Date(record.expiresAt * 1000).toISOString(),
  }),
});

/** `{scope, tenant?, description?}` → 201 with the key, shown this once. */
export async function createApiKey(
  deps: ApiKeyRoutesDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const raw = readJsonBody(event, 4096);
  const fields = bodyFields(raw);
  fields.rejectUnknown(['scope', 'tenant', 'description']);
  const scope = fields.string('scope', {
    required: true,
    pattern: /^(publish|admin)$/,
    hint: `must be ${SCOPES.join(' or ')}`,
  });
  const tenant = fields.string('tenant', {
    pattern: TENANT_PATTERN,
    hint: 'must be 1-64 letters, digits, dots, dashes or underscores',
  });
  const description = fields.string('description', { maxLength: 256 });
  fields.throwIfInvalid('API key');
  const key = generateApiKey(scope as ApiKeyScope);
  const record = await deps.apiKeys.store(key, scope as ApiKeyScope, {
    ...(tenant !== undefined && { tenant }),
    ...(description !== undefined && { description }),
  });
  const view = keyView(record);
  return json(201, { ...view, key }, { location: `/v1/api-keys/${view.id}` });
}

/** Every key and live portal session; ended sessions wait only for DynamoDB's TTL sweep. */
export async function listApiKeys(
  deps: ApiKeyRoutesDependencies,
  nowMs: number,
): Promise<HttpResult> {
  const records = (await deps.apiKeys.list()).filter((r) => !hasExpired(r.expiresAt, nowMs));
  records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return json(200, { data: records.map(keyView) });
}

/** Revokes a key; caches (API Gateway's and the functions') forget it within 5 minutes. */
export async function deleteApiKey(
  deps: ApiKeyRoutesDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  await findById(event, 'API key', API_KEY_ID_PATTERN, (id) => deps.apiKeys.revokeById(id));
  return { statusCode: 204, headers: {}, body: '' };
}

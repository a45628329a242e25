import { tables } from '../../lib/resources';
import { dynamoDocumentClient } from '../adapters/aws-clients';
import { tableNameOf } from '../adapters/config';
import { DynamoApiKeyRepository, hashApiKey } from '../adapters/dynamo/api-key-store';
import type { KeyLookup, Scope } from './http/middlewares';

/** Apart from the other wiring so the authorizer's bundle holds only what it needs. */
let lookup: KeyLookup | undefined;

const KEY_CACHE_MS = 60_000;

/** API keys are checked against their hashes, cached a minute per process. */
export const apiKeyLookup = (): KeyLookup => {
  lookup ??= buildLookup();
  return lookup;
};

function buildLookup(): KeyLookup {
  const repository = new DynamoApiKeyRepository(
    dynamoDocumentClient(),
    tableNameOf(tables.apiKeys),
  );
  const cache = new Map<string, { scope: Scope | undefined; until: number }>();
  return {
    async scopeOf(key) {
      const hash = hashApiKey(key);
      const hit = cache.get(hash);
      if (hit && hit.until > Date.now()) return hit.scope;
      const record = await repository.find(key);
      cache.set(hash, { scope: record?.scope, until: Date.now() + KEY_CACHE_MS });
      return record?.scope;
    },
  };
}

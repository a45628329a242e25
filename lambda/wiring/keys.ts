import { CachedKeyLookup } from '../adapters/dynamo/api-key-store';
import type { KeysDependencies } from '../handlers/keys';
import type { RuntimeConfig } from './config';
import { apiKeyRepository } from './repositories';

export function keysDependencies(config: RuntimeConfig): KeysDependencies {
  const apiKeys = apiKeyRepository(config);
  return {
    keys: new CachedKeyLookup(apiKeys),
    apiKeys,
    consoleUrl: config.consoleUrl,
    now: Date.now,
  };
}

import { CachedKeyLookup } from '../adapters/dynamo/api-key-store';
import { recordPublished } from '../adapters/observability/delivery-observer';
import type { IngestDependencies } from '../handlers/ingest';
import type { RuntimeConfig } from './config';
import { publishDependencies } from './publish';
import { apiKeyRepository } from './repositories';

export function ingestDependencies(config: RuntimeConfig): IngestDependencies {
  return {
    publish: publishDependencies(config),
    keys: new CachedKeyLookup(apiKeyRepository(config)),
    recordPublished,
  };
}

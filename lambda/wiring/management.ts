import { CachedKeyLookup } from '../adapters/dynamo/api-key-store';
import { resolveHost } from '../adapters/http/dns';
import type { ManagementDependencies } from '../handlers/management';
import type { RuntimeConfig } from './config';
import {
  apiKeyRepository,
  attemptLog,
  deadLetterSource,
  deliveryStateRepository,
  endpointRepository,
  eventRepository,
  idempotencyRepository,
  jobDependencies,
  publishDependencies,
} from './repositories';

export function managementDependencies(config: RuntimeConfig): ManagementDependencies {
  const deadLetters = deadLetterSource(config);
  return {
    keys: new CachedKeyLookup(apiKeyRepository(config)),
    endpoints: endpointRepository(config),
    events: eventRepository(config),
    deliveries: deliveryStateRepository(config),
    attempts: attemptLog(config),
    deadLetterDepth: () => deadLetters.depth(),
    jobs: jobDependencies(config),
    idempotency: idempotencyRepository(config),
    publish: publishDependencies(config),
    resolveHost,
    settings: {
      allowPrivateTargets: config.allowPrivateTargets,
      secretRotationGraceHours: config.settings.secretRotationGraceHours,
    },
    now: Date.now,
  };
}

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
  jobQueue,
  jobRepository,
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
    // Starting a job needs only the job table and queue; the replay function runs it.
    jobs: { jobs: jobRepository(config), jobQueue: jobQueue(config), now: Date.now },
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

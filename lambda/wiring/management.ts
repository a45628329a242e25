import { dynamoClient } from '../adapters/clients/dynamodb';
import { CachedKeyLookup } from '../adapters/dynamo/api-key-store';
import { DynamoEndpointHealth } from '../adapters/dynamo/endpoint-health-store';
import { resolveHost } from '../adapters/http/dns';
import type { ManagementDependencies } from '../handlers/management';
import type { RuntimeConfig } from './config';
import { cursorSigner } from './cursors';
import { publishDependencies } from './publish';
import {
  apiKeyRepository,
  attemptLog,
  deadLetterSource,
  deliveryStateRepository,
  eventRepository,
  feedStore,
  idempotencyRepository,
  jobQueue,
  jobRepository,
} from './repositories';
import { endpointRepositoryWithSecrets } from './secrets';

export function managementDependencies(config: RuntimeConfig): ManagementDependencies {
  const deadLetters = deadLetterSource(config);
  return {
    keys: new CachedKeyLookup(apiKeyRepository(config)),
    endpoints: endpointRepositoryWithSecrets(config),
    events: eventRepository(config),
    deliveries: deliveryStateRepository(config),
    attempts: attemptLog(config),
    health: new DynamoEndpointHealth(dynamoClient(config), config.tableName('endpointState')),
    feeds: feedStore(config),
    deadLetterDepth: () => deadLetters.depth(),
    // Starting a job needs only the job table and queue; the replay function runs it.
    jobs: { jobs: jobRepository(config), jobQueue: jobQueue(config), now: Date.now },
    idempotency: idempotencyRepository(config),
    publish: publishDependencies(config),
    resolveHost,
    settings: {
      allowPrivateTargets: config.allowPrivateTargets,
      secretRotationGraceHours: config.settings.secretRotationGraceHours,
      endpointPorts: config.settings.endpointPorts,
    },
    cursors: cursorSigner(config),
    now: Date.now,
  };
}

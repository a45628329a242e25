import { eventBus, queues, tables } from '../../lib/resources';
import { dynamoDocumentClient, eventBridge, sqs } from '../adapters/aws-clients';
import { queueUrlOf, requiredEnv, tableNameOf } from '../adapters/config';
import { DynamoEndpointHealth } from '../adapters/dynamo/endpoint-health-store';
import { CachedEndpointReader } from '../adapters/dynamo/endpoint-store';
import { UndiciWebhookSender } from '../adapters/http/webhook-sender';
import { OperationalEventPublisher } from '../adapters/observability/operational-events';
import { SqsDeadLetterQueue } from '../adapters/sqs/delivery-queue';
import type { DispatchDependencies } from '../domain/dispatch';
import { deliveryStateRepository, endpointRepository, once, runtimeSettings } from './wiring';

/** The dispatcher's adapters, apart so the HTTP functions do not bundle the HTTP client. */
export const operationalEventPublisher = once(
  () => new OperationalEventPublisher(eventBridge(), requiredEnv(eventBus.envVar)),
);

/** Everything but the observer, which holds one invocation's figures and is made per batch. */
export const dispatchDependencies = once((): Omit<DispatchDependencies, 'observer'> => {
  const settings = runtimeSettings();
  return {
    endpoints: new CachedEndpointReader(endpointRepository(), settings.endpointCacheMs),
    sender: new UndiciWebhookSender({ allowPrivateTargets: settings.allowPrivateTargets }),
    deliveries: deliveryStateRepository(),
    health: new DynamoEndpointHealth(dynamoDocumentClient(), tableNameOf(tables.endpointState)),
    deadLetters: new SqsDeadLetterQueue(sqs(), queueUrlOf(queues.deadLetter)),
    now: Date.now,
    settings,
  };
});

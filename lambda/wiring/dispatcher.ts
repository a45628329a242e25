import { dynamoClient } from '../adapters/clients/dynamodb';
import { eventBridgeClient } from '../adapters/clients/eventbridge';
import { sqsClient } from '../adapters/clients/sqs';
import { DynamoEndpointHealth } from '../adapters/dynamo/endpoint-health-store';
import { CachedEndpointReader } from '../adapters/dynamo/endpoint-store';
import { UndiciWebhookSender } from '../adapters/http/webhook-sender';
import { BatchDeliveryObserver } from '../adapters/observability/delivery-observer';
import { OperationalEventPublisher } from '../adapters/observability/operational-events';
import { SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue';
import { SqsDeliveryWaits } from '../adapters/sqs/delivery-queue';
import { dispatchSettings } from '../domain/dispatch';
import type { DispatcherDependencies } from '../handlers/dispatcher';
import type { RuntimeConfig } from './config';
import { attemptLog, deliveryStateRepository, feedStore } from './repositories';
import { endpointRepositoryWithSecrets } from './secrets';

/** The dispatcher's adapters: the only function that sends webhooks (and bundles undici). */
export function dispatcherDependencies(config: RuntimeConfig): DispatcherDependencies {
  const events = new OperationalEventPublisher(
    eventBridgeClient(config),
    config.operationsBusName(),
  );
  return {
    delivery: {
      endpoints: new CachedEndpointReader(
        endpointRepositoryWithSecrets(config),
        config.endpointCacheMs,
      ),
      sender: new UndiciWebhookSender({ allowPrivateTargets: config.allowPrivateTargets }),
      deliveries: deliveryStateRepository(config),
      health: new DynamoEndpointHealth(dynamoClient(config), config.tableName('endpointState')),
      deadLetters: new SqsDeadLetterQueue(sqsClient(config), config.queueUrl('deadLetter')),
      feeds: feedStore(config),
      now: Date.now,
      settings: dispatchSettings(config.settings),
    },
    newObserver: () => new BatchDeliveryObserver(events),
    attemptLog: attemptLog(config),
    waits: new SqsDeliveryWaits(sqsClient(config), {
      main: config.queueUrl('delivery'),
      slow: config.queueUrl('slowDelivery'),
    }),
  };
}

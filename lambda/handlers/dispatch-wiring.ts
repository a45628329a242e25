import { queues, tables } from '../../lib/resources';
import { dynamoDocumentClient, sqs } from '../adapters/aws-clients';
import { queueUrlOf, tableNameOf } from '../adapters/config';
import { DynamoEndpointHealth } from '../adapters/dynamo/endpoint-health-store';
import { CachedEndpointReader } from '../adapters/dynamo/endpoint-store';
import { UndiciWebhookSender } from '../adapters/http/webhook-sender';
import { SqsDeadLetterQueue } from '../adapters/sqs/delivery-queue';
import type { DispatchDependencies } from '../domain/dispatch';
import { deliveryStateRepository, endpointRepository, once, runtimeSettings } from './wiring';

/** The dispatcher's adapters, apart so the HTTP functions do not bundle the HTTP client. */
export const dispatchDependencies = once((): DispatchDependencies => {
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

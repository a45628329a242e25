import { queues, tables } from '../../lib/resources';
import { dynamoDocumentClient, sqs } from '../adapters/aws-clients';
import { queueUrlOf, tableNameOf } from '../adapters/config';
import { DynamoAttemptLog } from '../adapters/dynamo/attempt-log';
import { DynamoDeliveryStateRepository } from '../adapters/dynamo/delivery-state-store';
import { CachedEndpointReader } from '../adapters/dynamo/endpoint-store';
import { UndiciWebhookSender } from '../adapters/http/webhook-sender';
import { SqsDeadLetterQueue } from '../adapters/sqs/delivery-queue';
import type { DispatchDependencies } from '../domain/dispatch';
import { endpointRepository, once, runtimeSettings } from './wiring';

/** The dispatcher's adapters, apart so the HTTP functions do not bundle the HTTP client. */

export const dispatchDependencies = once((): DispatchDependencies => {
  const settings = runtimeSettings();
  const client = dynamoDocumentClient();
  return {
    endpoints: new CachedEndpointReader(endpointRepository(), settings.endpointCacheMs),
    sender: new UndiciWebhookSender(),
    deliveries: new DynamoDeliveryStateRepository(
      client,
      tableNameOf(tables.deliveries),
      settings.attemptRetentionDays,
    ),
    deadLetters: new SqsDeadLetterQueue(sqs(), queueUrlOf(queues.deadLetter)),
    now: Date.now,
    settings,
  };
});

export const attemptLog = once(
  () =>
    new DynamoAttemptLog(
      dynamoDocumentClient(),
      tableNameOf(tables.attempts),
      runtimeSettings().attemptRetentionDays,
    ),
);

/*
 * The adapters over Hookline's tables and queues, each built from a RuntimeConfig. One
 * builder each, so a function's bundle carries only the adapters it uses.
 */
import { dynamoClient } from '../adapters/clients/dynamodb';
import { sqsClient } from '../adapters/clients/sqs';
import { DynamoApiKeyRepository } from '../adapters/dynamo/api-key-store';
import { DynamoAttemptLog } from '../adapters/dynamo/attempt-log';
import { DynamoDeliveryStateRepository } from '../adapters/dynamo/delivery-state-store';
import { DynamoEndpointRepository } from '../adapters/dynamo/endpoint-store';
import { DynamoEventRepository } from '../adapters/dynamo/event-store';
import { DynamoFeedStore } from '../adapters/dynamo/feed-store';
import { DynamoIdempotencyRepository } from '../adapters/dynamo/idempotency-store';
import { DynamoJobRepository } from '../adapters/dynamo/job-store';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { SqsDeadLetterSource, sqsJobQueue } from '../adapters/sqs/job-queues';
import type { JobDependencies } from '../domain/jobs';
import type { RuntimeConfig } from './config';

export const endpointRepository = (config: RuntimeConfig) =>
  new DynamoEndpointRepository(dynamoClient(config), config.tableName('endpoints'));

export const eventRepository = (config: RuntimeConfig) =>
  new DynamoEventRepository(
    dynamoClient(config),
    config.tableName('events'),
    config.settings.eventRetentionDays,
  );

export const deliveryStateRepository = (config: RuntimeConfig) =>
  new DynamoDeliveryStateRepository(
    dynamoClient(config),
    config.tableName('deliveries'),
    config.settings.attemptRetentionDays,
  );

export const attemptLog = (config: RuntimeConfig) =>
  new DynamoAttemptLog(
    dynamoClient(config),
    config.tableName('attempts'),
    config.settings.attemptRetentionDays,
  );

export const idempotencyRepository = (config: RuntimeConfig) =>
  new DynamoIdempotencyRepository(dynamoClient(config), config.tableName('idempotency'));

export const apiKeyRepository = (config: RuntimeConfig) =>
  new DynamoApiKeyRepository(dynamoClient(config), config.tableName('apiKeys'));

export const deliveryQueue = (config: RuntimeConfig) =>
  new SqsDeliveryQueue(sqsClient(config), config.queueUrl('delivery'));

export const deadLetterSource = (config: RuntimeConfig) =>
  new SqsDeadLetterSource(sqsClient(config), config.queueUrl('deadLetter'));

export const feedStore = (config: RuntimeConfig) =>
  new DynamoFeedStore(
    dynamoClient(config),
    config.tableName('feeds'),
    config.settings.eventRetentionDays,
  );

export const jobRepository = (config: RuntimeConfig) =>
  new DynamoJobRepository(dynamoClient(config), config.tableName('jobs'));

export const jobQueue = (config: RuntimeConfig) =>
  sqsJobQueue(sqsClient(config), config.queueUrl('jobs'));

/** What the replay function needs to run a page of a replay or redrive job. */
export const jobDependencies = (config: RuntimeConfig): JobDependencies => ({
  jobs: jobRepository(config),
  jobQueue: jobQueue(config),
  events: eventRepository(config),
  endpoints: endpointRepository(config),
  deliveries: deliveryStateRepository(config),
  deliveryQueue: deliveryQueue(config),
  deadLetters: deadLetterSource(config),
  now: Date.now,
});

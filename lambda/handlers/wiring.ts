import { queues, settingsEnv, tables } from '../../lib/resources';
import { dynamoDocumentClient, sqs } from '../adapters/aws-clients';
import { numberEnv, optionalEnv, queueUrlOf, tableNameOf } from '../adapters/config';
import { DynamoAttemptLog } from '../adapters/dynamo/attempt-log';
import { DynamoDeliveryStateRepository } from '../adapters/dynamo/delivery-state-store';
import { DynamoEndpointRepository } from '../adapters/dynamo/endpoint-store';
import { DynamoEventRepository } from '../adapters/dynamo/event-store';
import { DynamoIdempotencyRepository } from '../adapters/dynamo/idempotency-store';
import { DynamoJobRepository } from '../adapters/dynamo/job-store';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { SqsDeadLetterSource, SqsJobQueue } from '../adapters/sqs/job-queues';
import type { JobDependencies } from '../domain/jobs';
import type { PublishDependencies } from '../domain/publish';
import { parseSchedule } from '../domain/retry-policy';

/**
 * Builds the adapters a handler needs from the environment, once per process. Each builder
 * is separate so a function's bundle carries only the adapters it uses.
 */

export const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};

export const VERSION = '0.1.0';

export const runtimeSettings = once(() => ({
  scheduleMs: parseSchedule(optionalEnv(settingsEnv.retrySchedule, '1m,5m,30m,2h,12h')),
  maxAttempts: numberEnv(settingsEnv.maxAttempts, 6),
  timeoutMs: numberEnv(settingsEnv.deliveryTimeoutSeconds, 15) * 1000,
  eventRetentionDays: numberEnv(settingsEnv.eventRetentionDays, 30),
  attemptRetentionDays: numberEnv(settingsEnv.attemptRetentionDays, 14),
  allowPrivateTargets: optionalEnv(settingsEnv.allowPrivateTargets, 'false') === 'true',
  endpointCacheMs: numberEnv('ENDPOINT_CACHE_MS', 5000),
  secretRotationGraceHours: numberEnv(settingsEnv.secretRotationGraceHours, 24),
  circuit: {
    threshold: numberEnv(settingsEnv.circuitBreakerThreshold, 5),
    cooldownMs: numberEnv(settingsEnv.circuitBreakerCooldownSeconds, 30) * 1000,
  },
  autoDisableAfterMs: numberEnv(settingsEnv.autoDisableAfterSeconds, 5 * 86_400) * 1000,
  userAgent: `Hookline/${VERSION}`,
}));

export const endpointRepository = once(
  () => new DynamoEndpointRepository(dynamoDocumentClient(), tableNameOf(tables.endpoints)),
);

export const eventRepository = once(
  () =>
    new DynamoEventRepository(
      dynamoDocumentClient(),
      tableNameOf(tables.events),
      runtimeSettings().eventRetentionDays,
    ),
);

export const deliveryQueue = once(() => new SqsDeliveryQueue(sqs(), queueUrlOf(queues.delivery)));

export const idempotencyRepository = once(
  () => new DynamoIdempotencyRepository(dynamoDocumentClient(), tableNameOf(tables.idempotency)),
);

export const publishDependencies = once(
  (): PublishDependencies => ({
    endpoints: endpointRepository(),
    events: eventRepository(),
    idempotency: idempotencyRepository(),
    queue: deliveryQueue(),
    now: Date.now,
  }),
);

export const deliveryStateRepository = once(
  () =>
    new DynamoDeliveryStateRepository(
      dynamoDocumentClient(),
      tableNameOf(tables.deliveries),
      runtimeSettings().attemptRetentionDays,
    ),
);

export const attemptLog = once(
  () =>
    new DynamoAttemptLog(
      dynamoDocumentClient(),
      tableNameOf(tables.attempts),
      runtimeSettings().attemptRetentionDays,
    ),
);

export const deadLetterSource = once(
  () => new SqsDeadLetterSource(sqs(), queueUrlOf(queues.deadLetter)),
);

export const jobDependencies = once(
  (): JobDependencies => ({
    jobs: new DynamoJobRepository(dynamoDocumentClient(), tableNameOf(tables.jobs)),
    jobQueue: new SqsJobQueue(sqs(), queueUrlOf(queues.jobs)),
    events: eventRepository(),
    endpoints: endpointRepository(),
    deliveries: deliveryStateRepository(),
    deliveryQueue: deliveryQueue(),
    deadLetters: deadLetterSource(),
    now: Date.now,
  }),
);

import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { EventSourceMappingOptions } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionEnv } from '#shared/functions';
import { deriveTimeouts, type HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { grantOnQueue, hooklineQueue, pollQueue } from './queues';
import { grantEndpointSecrets, grantOnTable } from './storage';

export interface DeliveryPipelineProps {
  /**
   * Batch size, redrive count, the timeouts derived from the delivery timeout, and the
   * maximum concurrency of each lane (`dispatcherMaxConcurrency`, `slowLaneMaxConcurrency`).
   */
  readonly settings: HooklineSettings;
  /** The tables from {@link Storage}; the dispatcher gets access to the ones it needs. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** The key of {@link Storage} that seals endpoint secrets; the dispatcher unwraps with it. */
  readonly endpointSecretsKey: IKey;
  /** @default - HooklineFunction defaults */
  readonly functionProps?: SharedFunctionProps;
  /**
   * How long each event source mapping waits to fill a batch; a second adds at most a second
   * of latency and lets a burst be handled by fewer, fuller invocations.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * The delivery queue, its slow lane, their dead-letter queue, and the dispatcher that drains
 * both lanes, each through its own event source mapping with its own maximum concurrency.
 */
export class DeliveryPipeline extends Construct {
  readonly deliveryQueue: Queue;
  /** Deliveries to slow or hanging endpoints, so they cost the main lane no time. */
  readonly slowDeliveryQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dispatcher: HooklineFunction;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const { settings, tables } = props;
    const timeouts = deriveTimeouts(settings);

    this.deadLetterQueue = hooklineQueue(this, 'DeadLetterQueue', 'deadLetter');
    this.deliveryQueue = hooklineQueue(this, 'DeliveryQueue', 'delivery', {
      settings,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.slowDeliveryQueue = hooklineQueue(this, 'SlowDeliveryQueue', 'slowDelivery', {
      settings,
      deadLetterQueue: this.deadLetterQueue,
    });

    this.dispatcher = new HooklineFunction(this, 'Dispatcher', {
      ...props.functionProps,
      handlerName: 'dispatcher',
      description:
        'Hookline: signs and delivers webhooks from the delivery queue and its slow lane',
      timeout: Duration.seconds(timeouts.dispatcherTimeoutSeconds),
    });
    const batches: Omit<EventSourceMappingOptions, 'eventSourceArn'> = {
      batchSize: settings.dispatchBatchSize,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      // One failed delivery must not send its whole batch back to the queue.
      reportBatchItemFailures: true,
    };
    // Each lane's concurrency is bounded on its own, so a lane full of hanging endpoints
    // cannot take the invocations of the other.
    pollQueue(this.dispatcher, this.deliveryQueue, {
      ...batches,
      maxConcurrency: settings.dispatcherMaxConcurrency,
    });
    pollQueue(this.dispatcher, this.slowDeliveryQueue, {
      ...batches,
      maxConcurrency: settings.slowLaneMaxConcurrency,
    });
    this.grantDispatcher(tables, props.endpointSecretsKey);
  }

  /** Exactly the calls of the dispatcher's adapters (lambda/wiring/dispatcher.ts). */
  private grantDispatcher(tables: Readonly<Record<TableName, ITable>>, key: IKey): void {
    const fn = this.dispatcher;
    // The endpoint of each delivery by key; disabling one (410 Gone, continuous failure) is a
    // single UpdateItem. Never the byId index: a delivery message names the tenant.
    grantOnTable(tables.endpoints, fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // The delivery record: failures counted, delivered or dead-lettered marks; nothing read.
    grantOnTable(tables.deliveries, fn, 'dynamodb:UpdateItem');
    // The attempt log, written in batches and read only by the operator API.
    grantOnTable(tables.attempts, fn, 'dynamodb:BatchWriteItem');
    // A replayed or redriven delivery to a polling endpoint is appended to its feed.
    grantOnTable(tables.feeds, fn, 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem');
    // Circuit state and rate windows, shared by every dispatcher instance.
    grantOnTable(tables.endpointState, fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // Every wait (retry backoff, rate limit, open circuit) is a new delayed message on either
    // lane, and a delivery to a slow endpoint moves to the slow lane.
    grantOnQueue(this.deliveryQueue, fn, 'sqs:SendMessage');
    grantOnQueue(this.slowDeliveryQueue, fn, 'sqs:SendMessage');
    // Out of attempts: the delivery goes to the DLQ with its reason.
    grantOnQueue(this.deadLetterQueue, fn, 'sqs:SendMessage');
    // Signing needs each endpoint's secrets, unwrapped with the key; it never makes new ones.
    grantEndpointSecrets(key, fn, 'kms:Decrypt');
    fn.addEnvironment(functionEnv.endpointSecretsKeyArn, key.keyArn);
  }
}

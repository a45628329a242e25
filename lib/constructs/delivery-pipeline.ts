import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deriveTimeouts, type HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { hooklineQueue } from './queues';
import { grantKeyReads, grantOnTable, grantTableReadWrite } from './storage';

export interface DeliveryPipelineProps {
  /** Batch size, redrive count and the timeouts derived from the delivery timeout. */
  readonly settings: HooklineSettings;
  /** The tables from {@link Storage}; the dispatcher gets access to the ones it needs. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** @default - HooklineFunction defaults */
  readonly functionProps?: SharedFunctionProps;
  /**
   * How long the event source mapping waits to fill a batch; a second adds at most a second
   * of latency and lets a burst be handled by fewer, fuller invocations.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
}

/** The delivery queue, its dead-letter queue and the dispatcher that drains the queue. */
export class DeliveryPipeline extends Construct {
  readonly deliveryQueue: Queue;
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

    this.dispatcher = new HooklineFunction(this, 'Dispatcher', {
      ...props.functionProps,
      handlerName: 'dispatcher',
      description: 'Hookline: signs and delivers webhooks from the delivery queue',
      timeout: Duration.seconds(timeouts.dispatcherTimeoutSeconds),
    });
    this.dispatcher.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: settings.dispatchBatchSize,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
        // One failed delivery must not send its whole batch back to the queue.
        reportBatchItemFailures: true,
      }),
    );

    grantKeyReads(tables.endpoints, this.dispatcher);
    // Disabling an endpoint (410 Gone, continuous failure) is a single UpdateItem.
    grantOnTable(tables.endpoints, this.dispatcher, 'dynamodb:UpdateItem');
    // The delivery record only; listing dead letters from its index is the operators' job.
    grantTableReadWrite(tables.deliveries, this.dispatcher);
    tables.attempts.grantReadWriteData(this.dispatcher);
    // Circuit state and rate windows, shared by every dispatcher instance.
    tables.endpointState.grantReadWriteData(this.dispatcher);
    // Receive, delete and ChangeMessageVisibility, which is how backoff is implemented.
    this.deliveryQueue.grantConsumeMessages(this.dispatcher);
    this.deadLetterQueue.grantSendMessages(this.dispatcher);
  }
}

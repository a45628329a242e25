import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deriveTimeouts, type HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { grantOnQueue, hooklineQueue, pollQueue } from './queues';
import { grantOnIndex, grantOnTable } from './storage';

export interface ReplayProps {
  /** The replay function timeout and the jobs queue visibility are derived from these. */
  readonly settings: HooklineSettings;
  /** The tables from {@link Storage}; the replay function gets access to the ones it needs. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** Where replayed and redriven deliveries go. */
  readonly deliveryQueue: IQueue;
  /** The delivery dead-letter queue that redrive moves messages out of (never into). */
  readonly deadLetterQueue: IQueue;
  /** @default - HooklineFunction defaults */
  readonly functionProps?: SharedFunctionProps;
}

/**
 * Replay and redrive: the `replay-jobs` queue of job pages, its dead-letter queue,
 * and the replay function that works through one page per invocation. The management function
 * enqueues a job's first page; the replay function enqueues each following page itself.
 */
export class Replay extends Construct {
  readonly jobsQueue: Queue;
  readonly jobsDeadLetterQueue: Queue;
  readonly replayFunction: HooklineFunction;

  constructor(scope: Construct, id: string, props: ReplayProps) {
    super(scope, id);
    const timeouts = deriveTimeouts(props.settings);

    this.jobsDeadLetterQueue = hooklineQueue(this, 'JobsDeadLetterQueue', 'jobsDeadLetter');
    this.jobsQueue = hooklineQueue(this, 'JobsQueue', 'jobs', {
      settings: props.settings,
      deadLetterQueue: this.jobsDeadLetterQueue,
    });

    this.replayFunction = new HooklineFunction(this, 'Replay', {
      ...props.functionProps,
      handlerName: 'replay',
      description: 'Hookline: replays events and redrives dead letters, one job page at a time',
      timeout: Duration.seconds(timeouts.replayTimeoutSeconds),
    });
    pollQueue(this.replayFunction, this.jobsQueue, {
      // A page is a unit of work that may run for minutes: never batch two together.
      batchSize: 1,
      reportBatchItemFailures: true,
    });
    this.grantReplay(props);
  }

  /** Exactly the calls of the job adapters (`jobDependencies` in lambda/wiring/repositories.ts). */
  private grantReplay({ tables, deliveryQueue, deadLetterQueue }: ReplayProps): void {
    const fn = this.replayFunction;
    // Job progress: read the job, record each page done (a conditional UpdateItem).
    grantOnTable(tables.jobs, fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // Replay pages through one tenant's events by time on the index (which holds keys and
    // type only), then reads the events themselves in batches. Never a Scan, never a write.
    grantOnIndex(tables, 'events', 'byTenantTime', fn, 'dynamodb:Query');
    grantOnTable(tables.events, fn, 'dynamodb:BatchGetItem');
    // The replayed endpoint, by tenant and id.
    grantOnTable(tables.endpoints, fn, 'dynamodb:GetItem');
    // Which deliveries have a record (and whether delivered), then fresh attempts for those
    // requeued. Redrive finds dead letters in the DLQ itself, not on the deadLetters index.
    grantOnTable(tables.deliveries, fn, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem');
    grantOnQueue(deliveryQueue, fn, 'sqs:SendMessage');
    // Redrive takes letters out of the DLQ (receive, delete) and makes the ones it skipped
    // visible again; it never writes to the DLQ.
    grantOnQueue(
      deadLetterQueue,
      fn,
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
    );
    // A page that stops before the function timeout enqueues the next page of its job.
    grantOnQueue(this.jobsQueue, fn, 'sqs:SendMessage');
  }
}

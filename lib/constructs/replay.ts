import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deriveTimeouts, type HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { hooklineQueue } from './queues';
import {
  grantKeyReads,
  grantOnIndex,
  grantOnTable,
  grantTableReadWrite,
  KEY_READ_ACTIONS,
} from './storage';

export interface ReplayProps {
  /** The replay function timeout and the jobs queue visibility are derived from these. */
  readonly settings: HooklineSettings;
  /** The tables from {@link Storage}; the replay function gets access to the ones it needs. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** Where replayed and redriven deliveries go. */
  readonly deliveryQueue: IQueue;
  /** The delivery dead-letter queue that redrive moves messages out of. */
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
    const { tables } = props;
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
    this.replayFunction.addEventSource(
      new SqsEventSource(this.jobsQueue, {
        // A page is a unit of work that may run for minutes: never batch two together.
        batchSize: 1,
        reportBatchItemFailures: true,
      }),
    );

    // Replay reads one tenant's events by time from the index, then each event by id.
    grantOnTable(tables.events, this.replayFunction, ...KEY_READ_ACTIONS);
    grantOnIndex(tables, 'events', 'byTenantTime', this.replayFunction, 'dynamodb:Query');
    // Requeued deliveries get fresh attempts; redrive finds dead letters on the sparse index,
    // by endpoint (Query) or all of them (Scan).
    grantTableReadWrite(tables.deliveries, this.replayFunction);
    grantOnIndex(
      tables,
      'deliveries',
      'deadLetters',
      this.replayFunction,
      'dynamodb:Query',
      'dynamodb:Scan',
    );
    grantKeyReads(tables.endpoints, this.replayFunction);
    // Job progress: pages done, deliveries enqueued, the cursor of the next page.
    tables.jobs.grantReadWriteData(this.replayFunction);

    props.deliveryQueue.grantSendMessages(this.replayFunction);
    // Redrive moves messages out of the DLQ (receive, delete, change visibility) and may
    // write one back to it.
    props.deadLetterQueue.grantConsumeMessages(this.replayFunction);
    props.deadLetterQueue.grantSendMessages(this.replayFunction);
    // A page that stops before the function timeout enqueues the next page of its job.
    this.jobsQueue.grantSendMessages(this.replayFunction);
  }
}

import { Duration } from 'aws-cdk-lib';
import { EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventBus, ingestRulePattern } from '#shared/bus';
import { hooklineQueue } from './queues';

export interface IngressProps {
  /** The function that publishes each matching bus entry like `POST /v1/events`. */
  readonly ingestFunction: IFunction;
  /** @default 'hookline' */
  readonly eventBusName?: string;
  /**
   * Principals allowed to put Hookline's operational events (`hookline.*`) on the bus.
   * @default - none
   */
  readonly publishers?: readonly IGrantable[];
  /**
   * Retries of a failed ingest, both by EventBridge (invoking the function) and by Lambda
   * (running it); Lambda allows 0-2. Ingest is idempotent on the event id, so a retry
   * cannot publish twice.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long an entry may wait for a successful ingest before it goes to the dead-letter
   * queue; an hour of retries covers a throttling burst without hiding a real outage.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/**
 * The custom bus producers publish to, the rule that sends their entries to ingest, and the
 * `ingest-dlq` queue that keeps every entry that could not be ingested.
 */
export class Ingress extends Construct {
  readonly eventBus: EventBus;
  readonly rule: Rule;
  /** Entries that EventBridge could not deliver, or that ingest failed on, after all retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);

    this.eventBus = new EventBus(this, 'EventBus', {
      eventBusName: props.eventBusName ?? eventBus.defaultName,
    });
    this.deadLetterQueue = hooklineQueue(this, 'IngestDlq', 'ingestDeadLetter');

    this.rule = new Rule(this, 'IngestRule', {
      eventBus: this.eventBus,
      description: 'Producer entries (every detail-type but hookline.*) to the ingest function',
      eventPattern: toEventPattern(ingestRulePattern),
    });
    // The queue catches what EventBridge cannot hand to Lambda (throttling, permissions).
    this.rule.addTarget(
      new LambdaFunction(props.ingestFunction, {
        retryAttempts,
        maxEventAge,
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
    // EventBridge invokes asynchronously, so entries that ingest itself fails on end up here.
    props.ingestFunction.configureAsyncInvoke({
      retryAttempts,
      maxEventAge,
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    for (const publisher of props.publishers ?? []) {
      this.eventBus.grantPutEventsTo(publisher);
    }
  }
}

/**
 * `#shared/bus` holds the pattern in EventBridge's JSON form; the CDK names `detail-type`
 * `detailType` and passes every other key through as written.
 */
function toEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [
      key === 'detail-type' ? 'detailType' : key,
      value,
    ]),
  ) as EventPattern;
}

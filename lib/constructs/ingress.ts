import { Duration } from 'aws-cdk-lib';
import { EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AnyPrincipal, Effect, Grant, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventBus, ingestRulePattern, operationalEvents, operationsBus } from '#shared/bus';
import { OPERATIONS_BUS_SUFFIX } from '../settings';
import { hooklineQueue, otherPrincipalThan, QueueDestination } from './queues';

export interface IngressProps {
  /** The function that publishes each matching bus entry like `POST /v1/events`. */
  readonly ingestFunction: LambdaFn;
  /**
   * The producers' bus; the operations bus is named after it (`<name>-operations`).
   * @default 'hookline'
   */
  readonly eventBusName?: string;
  /**
   * The functions that put Hookline's operational events (`hookline.*`, source `hookline`)
   * on the operations bus; each is told the bus name and may put events of that source on it
   * only. No other principal may put events on it.
   * @default - none
   */
  readonly operationalPublishers?: readonly LambdaFn[];
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
 * The custom bus producers publish to, the rule that sends their entries to ingest, the
 * `ingest-dlq` queue that keeps every entry that could not be ingested, and the operations bus
 * that carries Hookline's own operational events. Nothing of Hookline puts events on the
 * producers' bus: anyone allowed to put there could forge a `hookline.*` event, whereas on the
 * operations bus only Hookline's roles can.
 */
export class Ingress extends Construct {
  readonly eventBus: EventBus;
  /** Hookline's operational events (dead letters, endpoint disabled and recovered). */
  readonly operationsBus: EventBus;
  readonly rule: Rule;
  /** Entries that EventBridge could not deliver, or that ingest failed on, after all retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);

    const busName = props.eventBusName ?? eventBus.defaultName;
    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: busName });
    this.operationsBus = new EventBus(this, 'OperationsBus', {
      eventBusName: `${busName}${OPERATIONS_BUS_SUFFIX}`,
      description: 'Hookline operational events (source hookline); only Hookline puts events here',
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
      onFailure: new QueueDestination(this.deadLetterQueue),
    });

    this.admitPublishers(props.operationalPublishers ?? []);
  }

  /**
   * Lets `publishers` put events of source `hookline` on the operations bus, and no one else
   * put anything there. The identity policies are the control relied on: the bus has no Allow
   * for anyone. The bus policy's Deny guards against a principal of the account whose own
   * policy is broad (`events:PutEvents` on `*`): IAM's evaluation logic lets an explicit Deny
   * in any applicable policy, resource policies included, win within one account, and AWS
   * documents Deny statements in bus policies, though not this same-account case explicitly.
   */
  private admitPublishers(publishers: readonly LambdaFn[]): void {
    for (const publisher of publishers) {
      Grant.addToPrincipal({
        grantee: publisher,
        actions: ['events:PutEvents'],
        resourceArns: [this.operationsBus.eventBusArn],
        conditions: { StringEquals: { 'events:source': operationalEvents.source } },
      });
      publisher.addEnvironment(operationsBus.envVar, this.operationsBus.eventBusName);
    }
    this.operationsBus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyHooklineRolesPutEvents',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.operationsBus.eventBusArn],
        conditions: otherPrincipalThan(publishers),
      }),
    );
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

import { Duration, Names } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type {
  DestinationConfig,
  EventSourceMapping,
  EventSourceMappingOptions,
  IDestination,
  IFunction,
  Function as LambdaFunction,
} from 'aws-cdk-lib/aws-lambda';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type QueueName, queueAttributes } from '#shared/queues';
import type { HooklineSettings } from '#shared/settings';

/**
 * One of Hookline's queues as `#shared/queues` defines it (retention, visibility, redrive),
 * encrypted with the SQS-managed key and reachable over TLS only. The local stand-ins create
 * the same queues from the same definitions.
 */
export function hooklineQueue(
  scope: Construct,
  id: string,
  name: QueueName,
  options: {
    /** The deployment's settings; they set visibility and redrive where the queue has them. */
    readonly settings?: HooklineSettings;
    /** Where messages received too often go; required exactly when the queue has a redrive. */
    readonly deadLetterQueue?: IQueue;
  } = {},
): Queue {
  const { deadLetterQueue } = options;
  const attributes = queueAttributes(name, 'aws', options.settings);
  if ((attributes.redrive === undefined) !== (deadLetterQueue === undefined)) {
    throw new Error(`queue ${name}: pass its dead-letter queue exactly when it has a redrive`);
  }
  const { visibilityTimeoutSeconds, redrive } = attributes;
  return new Queue(scope, id, {
    retentionPeriod: Duration.seconds(attributes.retentionSeconds),
    ...(visibilityTimeoutSeconds !== undefined && {
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds),
    }),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    ...(redrive &&
      deadLetterQueue && {
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: redrive.maxReceiveCount },
      }),
  });
}

/** The SQS actions Hookline's functions call (SendMessageBatch is authorized as SendMessage). */
export type QueueAction =
  | 'sqs:SendMessage'
  | 'sqs:ReceiveMessage'
  | 'sqs:DeleteMessage'
  | 'sqs:ChangeMessageVisibility'
  | 'sqs:GetQueueAttributes';

/** What the Lambda event source mapping calls on the queue it polls, in the function's name. */
export const EVENT_SOURCE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const satisfies readonly QueueAction[];

/**
 * Grants exactly `actions` on the queue. `Queue.grantSendMessages` adds GetQueueAttributes and
 * GetQueueUrl, `grantConsumeMessages` GetQueueUrl, which no function calls (each is given the
 * URL). No KMS grant: the queues use the SQS-managed key.
 */
export function grantOnQueue(queue: IQueue, grantee: IGrantable, ...actions: QueueAction[]): Grant {
  return Grant.addToPrincipal({ grantee, actions, resourceArns: [queue.queueArn] });
}

/**
 * The SQS event source of `fn` on `queue`, granting the mapping exactly what it calls
 * ({@link EVENT_SOURCE_ACTIONS}). Same construct id as `SqsEventSource`, so the mapping of a
 * deployed stack keeps its logical id.
 */
export function pollQueue(
  fn: LambdaFunction,
  queue: IQueue,
  options: Omit<EventSourceMappingOptions, 'eventSourceArn'>,
): EventSourceMapping {
  const mapping = fn.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
    ...options,
    eventSourceArn: queue.queueArn,
  });
  grantOnQueue(queue, fn, ...EVENT_SOURCE_ACTIONS);
  return mapping;
}

/**
 * An on-failure destination of asynchronous invocations that grants the function
 * `sqs:SendMessage` only (`SqsDestination` adds GetQueueAttributes and GetQueueUrl).
 */
export class QueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    grantOnQueue(this.queue, fn, 'sqs:SendMessage');
    return { destination: this.queue.queueArn };
  }
}

/**
 * Admits `sqs:SendMessage` on the queue from the roles of `senders` only: an explicit Deny for
 * every other IAM principal, whatever its identity policy allows (an administrator included),
 * so nobody else can inject a message that a Hookline function would then act on. Service
 * principals are exempt (`aws:PrincipalIsAWSService`), so SQS's own redrive into a dead-letter
 * queue and EventBridge's dead-lettering of the ingest rule keep working; a service still
 * needs an Allow of the queue policy, which only the ingest rule has (on the ingest DLQ).
 * With no senders, no IAM principal may send at all.
 */
export function admitSendersOnly(queue: IQueue, senders: readonly IFunction[]): void {
  queue.addToResourcePolicy(
    new PolicyStatement({
      sid: 'OnlyHooklineRolesSend',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: {
        ...otherPrincipalThan(senders),
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
}

/**
 * The condition matching every principal but the execution roles of `functions` (an empty
 * condition when there are none: every principal). `aws:PrincipalArn` is the role's ARN for
 * each of its sessions.
 */
export function otherPrincipalThan(
  functions: readonly IFunction[],
): Record<string, Record<string, unknown>> {
  if (functions.length === 0) return {};
  const roleArns = functions.map((fn) => {
    if (!fn.role) throw new Error(`function ${fn.node.path} has no role to admit`);
    return fn.role.roleArn;
  });
  return { ArnNotEquals: { 'aws:PrincipalArn': roleArns } };
}

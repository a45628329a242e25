import { Duration } from 'aws-cdk-lib';
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

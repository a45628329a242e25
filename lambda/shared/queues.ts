/**
 * Hookline's SQS queues with their retention, visibility and dead-letter settings, read by
 * the CDK stack and by the local stand-ins so the two create the same queues.
 */
import { deriveTimeouts, type HooklineSettings } from './settings';

export interface QueueDefinition {
  /** The local queue's name (after `hookline-`), and its label in alarms and dashboards. */
  readonly name: string;
  /** Environment variable through which functions learn the queue URL; absent if none needs it. */
  readonly envVar?: string;
  /** How long SQS keeps a message. */
  readonly retentionDays: number;
  /** The function that consumes the queue: its timeout sets the queue's visibility timeout. */
  readonly consumer?: 'dispatcher' | 'replay';
  /**
   * Where SQS moves a message received this often without being deleted: a message that keeps
   * crashing its consumer. `maxReceiveCount: 'setting'` follows the `maxReceiveCount` setting.
   */
  readonly redrive?: {
    readonly deadLetterQueue: string;
    readonly maxReceiveCount: number | 'setting';
  };
}

// 14 days, the SQS maximum, gives operators the longest time to inspect and redrive.
const DEAD_LETTER_RETENTION_DAYS = 14;

export const queues = {
  /**
   * Deliveries, and their waits: a delivery waiting for its next try is sent again with a
   * delay (hopping for waits beyond SQS's 15 min), so it is never in flight while it waits.
   */
  delivery: {
    name: 'delivery',
    envVar: 'DELIVERY_QUEUE_URL',
    retentionDays: 14,
    consumer: 'dispatcher',
    // The dispatcher counts attempts itself; this only catches messages that crash it.
    redrive: { deadLetterQueue: 'deadLetter', maxReceiveCount: 'setting' },
  },
  /**
   * The slow lane: deliveries to endpoints that answer slowly or hang, with the full delivery
   * timeout and their own concurrency, so they cost the main lane no time.
   */
  slowDelivery: {
    name: 'delivery-slow',
    envVar: 'SLOW_DELIVERY_QUEUE_URL',
    retentionDays: 14,
    consumer: 'dispatcher',
    redrive: { deadLetterQueue: 'deadLetter', maxReceiveCount: 'setting' },
  },
  deadLetter: {
    name: 'delivery-dlq',
    envVar: 'DEAD_LETTER_QUEUE_URL',
    retentionDays: DEAD_LETTER_RETENTION_DAYS,
  },
  /** Pages of replay and redrive work; the replay function consumes it one page at a time. */
  jobs: {
    name: 'replay-jobs',
    envVar: 'JOBS_QUEUE_URL',
    // A page is picked up within seconds; four days (the SQS default) covers a long outage.
    retentionDays: 4,
    consumer: 'replay',
    // A page that crashes the replay function this often is kept for an operator.
    redrive: { deadLetterQueue: 'jobsDeadLetter', maxReceiveCount: 5 },
  },
  /** Job pages that crashed the replay function five times. */
  jobsDeadLetter: {
    name: 'replay-jobs-dlq',
    envVar: 'JOBS_DEAD_LETTER_QUEUE_URL',
    retentionDays: DEAD_LETTER_RETENTION_DAYS,
  },
  /** Bus entries that EventBridge could not hand to ingest, or that ingest failed on. */
  ingestDeadLetter: { name: 'ingest-dlq', retentionDays: DEAD_LETTER_RETENTION_DAYS },
} as const satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof queues;

/** The dead-letter queues, in the order alarms and dashboards list them. */
export const deadLetterQueueNames = [
  'deadLetter',
  'ingestDeadLetter',
  'jobsDeadLetter',
] as const satisfies readonly QueueName[];

/** Where a queue's definitions run: in AWS, or on the local stand-ins. */
export type QueueHost = 'aws' | 'local';

export interface QueueAttributes {
  readonly retentionSeconds: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly redrive?: { readonly deadLetterQueue: QueueName; readonly maxReceiveCount: number };
}

/**
 * A queue's attributes for the given settings. Visibility outlasts the consumer's timeout:
 * six times in AWS, as AWS advises for event source mappings that may be throttled; locally
 * only by 5 s, where nothing throttles, so a crashed local dispatcher's deliveries come back
 * within seconds.
 */
export function queueAttributes(
  name: QueueName,
  host: QueueHost,
  settings?: HooklineSettings,
): QueueAttributes {
  const queue: QueueDefinition = queues[name];
  if (settings === undefined) {
    if (queue.consumer !== undefined || queue.redrive !== undefined) {
      throw new Error(`the ${queue.name} queue follows the settings: pass them`);
    }
    return { retentionSeconds: queue.retentionDays * 86_400 };
  }
  const timeouts = deriveTimeouts(settings);
  const visibility = {
    dispatcher: {
      aws: timeouts.queueVisibilityTimeoutSeconds,
      local: timeouts.dispatcherTimeoutSeconds + 5,
    },
    replay: {
      aws: timeouts.jobsVisibilityTimeoutSeconds,
      local: timeouts.replayTimeoutSeconds + 5,
    },
  };
  const redrive = queue.redrive;
  return {
    retentionSeconds: queue.retentionDays * 86_400,
    ...(queue.consumer !== undefined && {
      visibilityTimeoutSeconds: visibility[queue.consumer][host],
    }),
    ...(redrive && {
      redrive: {
        deadLetterQueue: redrive.deadLetterQueue as QueueName,
        maxReceiveCount:
          redrive.maxReceiveCount === 'setting'
            ? settings.maxReceiveCount
            : redrive.maxReceiveCount,
      },
    }),
  };
}

/**
 * The worker: your code. It reads the deliveries the WebhookReceiver has verified and queued,
 * a batch at a time, and reports the ones it failed on so that only those are received again
 * (and dead-lettered after the receiver's maxReceiveCount).
 *
 * Each message body is the delivery body as Hookline sent it, `{type, timestamp, data}`; the
 * message attributes `webhook-id` and `webhook-type` repeat its id and type. The receiver
 * already dropped repeated deliveries, but SQS itself may hand a message over twice: make
 * what you do with a `webhook-id` safe to do twice.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

const logger = new Logger({ serviceName: 'webhook-worker' });
const processor = new BatchProcessor(EventType.SQS);

/** One verified delivery. */
export interface Delivery {
  /** `webhook-id`: the same on every retry and replay of this event. */
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** The delivery a queued message carries; throws when it is not one. */
export function deliveryOf(record: SQSRecord): Delivery {
  const id = record.messageAttributes['webhook-id']?.stringValue;
  if (!id) throw new Error('the message has no webhook-id attribute');
  const body = JSON.parse(record.body) as Partial<Omit<Delivery, 'id'>>;
  if (typeof body.type !== 'string' || typeof body.timestamp !== 'string') {
    throw new Error('the message body is not a Hookline delivery {type, timestamp, data}');
  }
  return { id, type: body.type, timestamp: body.timestamp, data: body.data ?? {} };
}

/** What to do per event type. Replace the logging with your business logic. */
const handlers: Record<string, (delivery: Delivery) => Promise<void>> = {
  'invoice.paid': async ({ id, data }) => {
    logger.info('invoice paid', { webhookId: id, invoiceId: data.invoiceId, amount: data.amount });
  },
  'invoice.payment_failed': async ({ id, data }) => {
    logger.warn('invoice payment failed', { webhookId: id, invoiceId: data.invoiceId });
  },
};

export async function handleDelivery(delivery: Delivery): Promise<void> {
  const handle = handlers[delivery.type];
  if (!handle) {
    // Not an error: the endpoint may subscribe to more types than this worker acts on.
    logger.info('ignored a delivery of an unhandled type', {
      webhookId: delivery.id,
      type: delivery.type,
    });
    return;
  }
  await handle(delivery);
}

const recordHandler = async (record: SQSRecord): Promise<void> => {
  await handleDelivery(deliveryOf(record));
};

/** Answers `{batchItemFailures}` naming the messages to receive again. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, recordHandler, processor, { context });

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../adapters/logger';
import { AttemptCollector, dispatchDelivery } from '../domain/dispatch';
import type { DeliveryMessage } from '../domain/ports';
import { attemptLog, dispatchDependencies } from './dispatch-wiring';
import { deliveryQueue } from './wiring';

/** Thrown for a delivery whose retry is scheduled: the message must stay in the queue. */
class DeliveryDeferred extends Error {}

const processor = new BatchProcessor(EventType.SQS);

function parseMessage(record: SQSRecord): DeliveryMessage {
  return JSON.parse(record.body) as DeliveryMessage;
}

/**
 * Delivers a batch concurrently. A failed attempt hides its message until the next retry is
 * due and is reported as a batch item failure, so SQS keeps it; everything else is acked.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const deps = dispatchDependencies();
  const collector = new AttemptCollector(deps.now);

  const deliver = async (record: SQSRecord) => {
    const message = parseMessage(record);
    const firstReceive = record.attributes.ApproximateReceiveCount === '1';
    const decision = await dispatchDelivery(deps, message, !firstReceive, collector);
    if (decision.action === 'retry') {
      await deliveryQueue().postpone(record.receiptHandle, decision.delaySeconds);
      throw new DeliveryDeferred(`retry in ${decision.delaySeconds}s`);
    }
    if (decision.reason !== 'delivered') {
      logger.info('delivery finished without success', {
        eventId: message.eventId,
        endpointId: message.endpointId,
        reason: decision.reason,
      });
    }
  };

  const response = await processPartialResponse(event, deliver, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
  try {
    await collector.flush(attemptLog());
  } catch (error) {
    // The deliveries themselves are done; failing the batch now would only send them twice.
    logger.error('attempt log not written', { error: error as Error });
  }
  return response;
};

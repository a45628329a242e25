import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../adapters/logger';
import { BatchDeliveryObserver } from '../adapters/observability/delivery-observer';
import { AttemptCollector, dispatchDelivery } from '../domain/dispatch';
import type { DeliveryMessage } from '../domain/ports';
import { dispatchDependencies, operationalEventPublisher } from './dispatch-wiring';
import { attemptLog, deliveryQueue } from './wiring';

/** Thrown for a delivery whose retry is scheduled: the message must stay in the queue. */
class DeliveryDeferred extends Error {}

function parseMessage(record: SQSRecord): DeliveryMessage {
  return JSON.parse(record.body) as DeliveryMessage;
}

/**
 * Delivers a batch concurrently. The batch processor is made per invocation: it keeps the
 * batch's results as state, and the local runtime runs several invocations at once.
 * A failed attempt hides its message until the next retry is
 * due and is reported as a batch item failure, so SQS keeps it; everything else is acked.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const observer = new BatchDeliveryObserver(operationalEventPublisher());
  const deps = { ...dispatchDependencies(), observer };
  const collector = new AttemptCollector(deps.now);

  const deliver = async (record: SQSRecord) => {
    try {
      await deliverRecord(record);
    } catch (error) {
      if (!(error instanceof DeliveryDeferred)) {
        // The message stays in the queue and comes back after its visibility timeout.
        logger.error('delivery failed unexpectedly', {
          messageId: record.messageId,
          error: error as Error,
        });
      }
      throw error;
    }
  };

  const deliverRecord = async (record: SQSRecord) => {
    const message = parseMessage(record);
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const decision = await dispatchDelivery(deps, message, { receiveCount }, collector);
    if (decision.action === 'retry') {
      await deliveryQueue().postpone(record.receiptHandle, decision.delaySeconds);
      throw new DeliveryDeferred(`${decision.cause}: next try in ${decision.delaySeconds}s`);
    }
    if (decision.reason !== 'delivered') {
      logger.info('delivery finished without success', {
        eventId: message.eventId,
        endpointId: message.endpointId,
        reason: decision.reason,
      });
    }
  };

  const response = await processPartialResponse(event, deliver, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  });
  observer.flush();
  try {
    await collector.flush(attemptLog());
  } catch (error) {
    // The deliveries themselves are done; failing the batch now would only send them twice.
    logger.error('attempt log not written', { error: error as Error });
  }
  return response;
};

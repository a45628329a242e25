import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../adapters/logger';
import { AttemptCollector } from '../domain/attempt-collector';
import { type DispatchDependencies, dispatchDelivery } from '../domain/dispatch';
import type {
  AttemptLog,
  BatchObserver,
  DeliveryMessage,
  DeliveryRetryQueue,
} from '../domain/ports';
import { dispatcherDependencies } from '../wiring/dispatcher';
import { configFromEnvironment } from '../wiring/environment';
import { lazyHandler } from '../wiring/lazy-handler';

export interface DispatcherDependencies {
  /** What one delivery needs, but the observer: that holds one invocation's figures. */
  readonly delivery: Omit<DispatchDependencies, 'observer'>;
  /** A fresh observer per invocation; flushed (metrics written) when the batch is done. */
  readonly newObserver: () => BatchObserver;
  readonly attemptLog: AttemptLog;
  /** Hides a delivery that must be tried again until its next try is due. */
  readonly retryQueue: DeliveryRetryQueue;
}

/** Thrown for a delivery whose retry is scheduled: the message must stay in the queue. */
class DeliveryDeferred extends Error {}

function parseMessage(record: SQSRecord): DeliveryMessage {
  return JSON.parse(record.body) as DeliveryMessage;
}

/**
 * Delivers a batch concurrently. The batch processor is made per invocation: it keeps the
 * batch's results as state, and the local runtime runs several invocations at once. A
 * delivery to retry hides its message until the next try is due and is reported as a batch
 * item failure, so SQS keeps it; everything else is acked.
 */
export function createDispatcherHandler(deps: DispatcherDependencies) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const observer = deps.newObserver();
    const delivery = { ...deps.delivery, observer };
    const collector = new AttemptCollector(delivery.now);

    const deliverRecord = async (record: SQSRecord) => {
      const message = parseMessage(record);
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const decision = await dispatchDelivery(delivery, message, { receiveCount }, collector);
      if (decision.action === 'retry') {
        await deps.retryQueue.postpone(record.receiptHandle, decision.delaySeconds);
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

    const response = await processPartialResponse(
      event,
      deliver,
      new BatchProcessor(EventType.SQS),
      { context, throwOnFullBatchFailure: false },
    );
    observer.flush();
    try {
      await collector.flush(deps.attemptLog);
    } catch (error) {
      // The deliveries themselves are done; failing the batch now would only send them twice.
      logger.error('attempt log not written', { error: error as Error });
    }
    return response;
  };
}

export const handler = lazyHandler(() =>
  createDispatcherHandler(dispatcherDependencies(configFromEnvironment())),
);

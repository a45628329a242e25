import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../adapters/logger';
import { AttemptCollector } from '../domain/attempt-collector';
import { recordDelivered } from '../domain/delivery-outcomes';
import { type DispatchDependencies, dispatchDelivery } from '../domain/dispatch';
import type {
  AttemptLog,
  BatchObserver,
  DeliveredNote,
  DeliveryWaits,
  QueueMessage,
} from '../domain/ports';
import { SuccessTally } from '../domain/success-tally';
import { dispatcherDependencies } from '../wiring/dispatcher';
import { configFromEnvironment } from '../wiring/environment';
import { lazyHandler } from '../wiring/lazy-handler';

export interface DispatcherDependencies {
  /** What one delivery needs, but the observer: that holds one invocation's figures. */
  readonly delivery: Omit<DispatchDependencies, 'observer'>;
  /** A fresh observer per invocation; flushed (metrics written) when the batch is done. */
  readonly newObserver: () => BatchObserver;
  readonly attemptLog: AttemptLog;
  /** Where a delivery that must wait is sent again (and a note of failed bookkeeping). */
  readonly waits: DeliveryWaits;
}

/** A failed delivery record after a 2xx is retried this much later, as a note of its own. */
const NOTE_DELAY_SECONDS = 5;

const isNote = (message: QueueMessage): message is DeliveredNote => 'note' in message;

/**
 * Delivers a batch concurrently. The batch processor is made per invocation: it keeps the
 * batch's results as state, and the local runtime runs several invocations at once. A
 * delivery that must wait is sent again with a delay and its received message acked, so
 * nothing waits in flight; only an unexpected error leaves a message to SQS's visibility
 * timeout (a batch item failure).
 */
export function createDispatcherHandler(deps: DispatcherDependencies) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const observer = deps.newObserver();
    const health = new SuccessTally(deps.delivery.health);
    const delivery = { ...deps.delivery, observer, health };
    const collector = new AttemptCollector(delivery.now);

    const handOnNote = async (note: DeliveredNote) => {
      try {
        await deps.waits.resend(note, NOTE_DELAY_SECONDS, 'main');
      } catch (error) {
        // The webhook was delivered; only its record stays behind, and it is never resent.
        logger.error('delivery record not updated after a 2xx', {
          eventId: note.eventId,
          endpointId: note.endpointId,
          error: error as Error,
        });
      }
    };

    const deliverRecord = async (record: SQSRecord) => {
      const message = JSON.parse(record.body) as QueueMessage;
      if (isNote(message)) {
        await recordDelivered(delivery, message, true);
        if (message.countSuccess) health.delivered(message.endpointId, delivery.now());
        return;
      }
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const decision = await dispatchDelivery(delivery, message, { receiveCount }, collector);
      if (decision.action === 'wait') {
        await deps.waits.resend(decision.message, decision.delaySeconds, decision.lane);
        return;
      }
      if (decision.reason === 'delivered') health.delivered(message.endpointId, delivery.now());
      if (decision.followUp) await handOnNote(decision.followUp);
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
        // The message stays in the queue and comes back after its visibility timeout.
        logger.error('delivery failed unexpectedly', {
          messageId: record.messageId,
          error: error as Error,
        });
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
    // The deliveries themselves are done; failing the batch now would only send them twice.
    const [attempts, successes] = await Promise.allSettled([
      collector.flush(deps.attemptLog),
      health.flush(),
    ]);
    if (attempts.status === 'rejected') {
      logger.error('attempt log not written', { error: attempts.reason as Error });
    }
    if (successes.status === 'rejected') {
      // Only the failure-rate window misses them: it errs towards opening, never hides failures.
      logger.warn('endpoint successes not counted', { error: successes.reason as Error });
    }
    return response;
  };
}

export const handler = lazyHandler(() =>
  createDispatcherHandler(dispatcherDependencies(configFromEnvironment())),
);

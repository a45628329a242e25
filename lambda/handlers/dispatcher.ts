import type {
  Context,
  SQSBatchItemFailure,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
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
 * Runs `deliver` on every record at once and reports the ones that threw as batch item
 * failures, in record order: what Powertools' `BatchProcessor` did for SQS here, without its
 * per-record store lookups (each reads the environment), which cost several µs a delivery.
 */
async function processBatch(
  records: readonly SQSRecord[],
  deliver: (record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const settled = await Promise.allSettled(records.map(deliver));
  const batchItemFailures: SQSBatchItemFailure[] = [];
  settled.forEach((result, index) => {
    const record = records[index];
    if (result.status === 'rejected' && record) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  });
  return { batchItemFailures };
}

/** What one invocation's deliveries share. */
interface Invocation {
  readonly deps: DispatcherDependencies;
  readonly delivery: DispatchDependencies;
  /** The batch's successes per endpoint, written once at its end. */
  readonly health: SuccessTally;
  readonly collector: AttemptCollector;
}

async function handOnNote(deps: DispatcherDependencies, note: DeliveredNote): Promise<void> {
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
}

/** One record of the batch; made a module function so a record costs no closures. */
async function deliverRecord(
  { deps, delivery, health, collector }: Invocation,
  record: SQSRecord,
): Promise<void> {
  try {
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
    if (decision.followUp) await handOnNote(deps, decision.followUp);
    if (decision.reason !== 'delivered') {
      logger.info('delivery finished without success', {
        eventId: message.eventId,
        endpointId: message.endpointId,
        reason: decision.reason,
      });
    }
  } catch (error) {
    // The message stays in the queue and comes back after its visibility timeout.
    logger.error('delivery failed unexpectedly', {
      messageId: record.messageId,
      error: error as Error,
    });
    throw error;
  }
}

/**
 * Delivers a batch concurrently. A delivery that must wait is sent again with a delay and its
 * received message acked, so nothing waits in flight; only an unexpected error leaves a
 * message to SQS's visibility timeout (a batch item failure).
 */
export function createDispatcherHandler(deps: DispatcherDependencies) {
  return async (event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => {
    const observer = deps.newObserver();
    const health = new SuccessTally(deps.delivery.health);
    const delivery = { ...deps.delivery, observer, health };
    const invocation: Invocation = {
      deps,
      delivery,
      health,
      collector: new AttemptCollector(delivery.now),
    };
    if (!Array.isArray(event.Records)) throw new Error('not an SQS event: no Records');
    const response = await processBatch(event.Records, (record) =>
      deliverRecord(invocation, record),
    );
    observer.flush();
    // The deliveries themselves are done; failing the batch now would only send them twice.
    const [attempts, successes] = await Promise.allSettled([
      invocation.collector.flush(deps.attemptLog),
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

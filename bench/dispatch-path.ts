import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CachedEndpointReader } from '../lambda/adapters/dynamo/endpoint-store';
import type { UndiciWebhookSender } from '../lambda/adapters/http/webhook-sender';
import {
  AttemptCollector,
  type DispatchDependencies,
  dispatchDelivery,
} from '../lambda/domain/dispatch';
import type { Endpoint } from '../lambda/domain/endpoint';
import type { DeliveryMessage } from '../lambda/domain/ports';
import {
  MemoryAttemptLog,
  MemoryDeadLetters,
  MemoryDeliveryState,
  MemoryEndpoints,
  MemoryHealth,
  MemoryObserver,
} from '../test/support/memory';

/**
 * The dispatcher handler's path (lambda/handlers/dispatcher.ts) with storage and queues in
 * memory: parse each record, `dispatchDelivery` for all records of the batch at once under
 * Powertools' BatchProcessor, then write the batch's attempt records. The handler itself
 * builds its adapters from the environment, so its body is mirrored here line for line.
 */
export class DispatcherPath {
  readonly endpoints = new MemoryEndpoints();
  readonly attemptLog = new MemoryAttemptLog();
  private readonly deps: Omit<DispatchDependencies, 'observer'>;
  private sequence = 0;

  constructor(sender: UndiciWebhookSender, timeoutMs = 15_000) {
    this.deps = {
      // Same wrapper as dispatch-wiring.ts, with the deployment's default cache time.
      endpoints: new CachedEndpointReader(this.endpoints, 5000),
      sender,
      deliveries: new MemoryDeliveryState(),
      health: new MemoryHealth(),
      deadLetters: new MemoryDeadLetters(),
      now: Date.now,
      settings: {
        scheduleMs: [60_000, 300_000, 1_800_000, 7_200_000, 43_200_000],
        maxAttempts: 6,
        timeoutMs,
        userAgent: 'Hookline/0.1.0',
        circuit: { threshold: 5, cooldownMs: 30_000 },
        autoDisableAfterMs: 5 * 86_400_000,
      },
    };
  }

  get settings() {
    return this.deps.settings;
  }

  /** A delivery message as ingest queues it, with a fresh event id. */
  message(endpoint: Endpoint): DeliveryMessage {
    const eventId = `msg_BENCH${String(this.sequence++).padStart(21, '0')}`;
    const timestamp = new Date().toISOString();
    const data = {
      invoiceId: `in_${this.sequence}`,
      customerId: 'cus_8ZQ3',
      amount: 4900,
      currency: 'EUR',
      paidAt: timestamp,
      paymentMethod: 'card',
    };
    return {
      eventId,
      endpointId: endpoint.id,
      tenant: endpoint.tenant,
      type: 'invoice.paid',
      body: JSON.stringify({ type: 'invoice.paid', timestamp, data }),
    };
  }

  /** An SQS event as the event source mapping delivers it. */
  event(messages: readonly DeliveryMessage[]): SQSEvent {
    const now = String(Date.now());
    return {
      Records: messages.map(
        (message, index): SQSRecord => ({
          messageId: `${message.eventId}-${index}`,
          receiptHandle: `rh-${message.eventId}`,
          body: JSON.stringify(message),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: now,
            SenderId: 'bench',
            ApproximateFirstReceiveTimestamp: now,
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:hookline-delivery',
          awsRegion: 'us-east-1',
        }),
      ),
    };
  }

  /** One invocation's worth of work, as the handler does it. */
  async handle(event: SQSEvent): Promise<SQSBatchResponse> {
    const observer = new MemoryObserver();
    const deps = { ...this.deps, observer };
    const collector = new AttemptCollector(deps.now);
    const deliver = async (record: SQSRecord) => {
      const message = JSON.parse(record.body) as DeliveryMessage;
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const decision = await dispatchDelivery(deps, message, { receiveCount }, collector);
      if (decision.action === 'retry') throw new Error(`${decision.cause}: deferred`);
    };
    const response = await processPartialResponse(
      event,
      deliver,
      new BatchProcessor(EventType.SQS),
      {
        throwOnFullBatchFailure: false,
      },
    );
    await collector.flush(this.attemptLog);
    // The log is only a sink here; keep memory flat over thousands of batches.
    this.attemptLog.entries.length = 0;
    return response;
  }

  /** `dispatchDelivery` for one message outside a batch; the caller flushes the collector. */
  async deliverOne(message: DeliveryMessage, collector: AttemptCollector): Promise<boolean> {
    const decision = await dispatchDelivery(
      { ...this.deps, observer: new MemoryObserver() },
      message,
      { receiveCount: 1 },
      collector,
    );
    return decision.action === 'ack' && decision.reason === 'delivered';
  }

  collector(): AttemptCollector {
    return new AttemptCollector(this.deps.now);
  }
}

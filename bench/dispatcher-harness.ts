import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { defaultSettings, deriveTimeouts } from '#shared/settings';
import { CachedEndpointReader } from '../lambda/adapters/dynamo/endpoint-store';
import type { UndiciWebhookSender } from '../lambda/adapters/http/webhook-sender';
import {
  MemoryAttemptLog,
  MemoryDeadLetters,
  MemoryDeliveryState,
  MemoryEndpoints,
  MemoryFeeds,
  MemoryHealth,
  MemoryOperationalEvents,
  MemoryQueue,
} from '../lambda/adapters/memory/stores';
import { BatchDeliveryObserver } from '../lambda/adapters/observability/delivery-observer';
import { dispatchSettings } from '../lambda/domain/dispatch';
import { type Endpoint, newEndpoint, type PushEndpoint } from '../lambda/domain/endpoint';
import { newEndpointId } from '../lambda/domain/ids';
import type { DeliveryMessage } from '../lambda/domain/ports';
import { generateSecret } from '../lambda/domain/signing';
import {
  createDispatcherHandler,
  type DispatcherDependencies,
} from '../lambda/handlers/dispatcher';
import { DEFAULT_ENDPOINT_CACHE_MS } from '../lambda/wiring/config';
import { localContext } from '../lib/local/lambda-context';
import { sqsRecord } from '../lib/local/sqs-records';

const DELIVERY_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:hookline-delivery';

/**
 * The dispatcher handler as it ships (`createDispatcherHandler`), with storage and queues in
 * memory and the real sender, observer and metrics: what a throughput figure measures is what
 * a dispatcher Lambda does per batch, but the AWS calls.
 */
export class DispatcherHarness {
  readonly endpoints = new MemoryEndpoints();
  readonly attemptLog = new MemoryAttemptLog();
  readonly waits = new MemoryQueue();
  readonly operationalEvents = new MemoryOperationalEvents();
  readonly deps: DispatcherDependencies;
  readonly handle: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  private readonly functionTimeoutMs: number;
  private sequence = 0;

  constructor(sender: UndiciWebhookSender, deliveryTimeoutSeconds?: number) {
    const settings = {
      ...defaultSettings,
      ...(deliveryTimeoutSeconds !== undefined && { deliveryTimeoutSeconds }),
    };
    this.functionTimeoutMs = deriveTimeouts(settings).dispatcherTimeoutSeconds * 1000;
    this.deps = {
      delivery: {
        // The same cache in front of the endpoints as in AWS, with the deployment's default.
        endpoints: new CachedEndpointReader(this.endpoints, DEFAULT_ENDPOINT_CACHE_MS),
        sender,
        deliveries: new MemoryDeliveryState(),
        health: new MemoryHealth(),
        deadLetters: new MemoryDeadLetters(),
        feeds: new MemoryFeeds(),
        now: Date.now,
        settings: dispatchSettings(settings),
      },
      newObserver: () => new BatchDeliveryObserver(this.operationalEvents),
      attemptLog: this.attemptLog,
      waits: this.waits,
    };
    this.handle = createDispatcherHandler(this.deps);
  }

  /** Registers an endpoint at `url` with a fresh secret, as `POST /v1/endpoints` would. */
  async endpoint(url: string): Promise<PushEndpoint> {
    const endpoint = {
      ...newEndpoint(
        { url, tenant: 'default' },
        { id: newEndpointId(), secret: generateSecret() },
        new Date(),
      ),
      url,
    };
    await this.endpoints.create(endpoint);
    return endpoint;
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
    return {
      Records: messages.map((message, index) =>
        sqsRecord(
          {
            messageId: `${message.eventId}-${index}`,
            receiptHandle: `rh-${message.eventId}`,
            body: JSON.stringify(message),
          },
          DELIVERY_QUEUE_ARN,
        ),
      ),
    };
  }

  /** One invocation, with a Lambda context of the dispatcher's timeout. */
  invoke(event: SQSEvent): Promise<SQSBatchResponse> {
    return this.handle(event, localContext('dispatcher', this.functionTimeoutMs));
  }

  /** The attempt log is only a sink here: keeps memory flat over thousands of batches. */
  forgetAttempts(): void {
    this.attemptLog.entries.length = 0;
  }
}

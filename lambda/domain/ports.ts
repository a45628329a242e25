/** Interfaces the domain needs from storage and queues; adapters/ implements them. */
import type { OperationalDetailType } from '#shared/bus';
import type { Endpoint } from './endpoint';
import type { CircuitSettings, CircuitState } from './endpoint-health';
import type { StoredEvent } from './event';

export interface EndpointRepository {
  create(endpoint: Endpoint): Promise<void>;
  get(id: string): Promise<Endpoint | undefined>;
  /** Strongly consistent read of one tenant's endpoints (fan-out reads by key). */
  listByTenant(tenant: string): Promise<Endpoint[]>;
  /** Reads one endpoint by its full key, strongly consistent. */
  getInTenant(tenant: string, id: string): Promise<Endpoint | undefined>;
  delete(endpoint: Pick<Endpoint, 'tenant' | 'id'>): Promise<void>;
}

export interface EventRepository {
  /**
   * Stores each event unless its id is already taken in its tenant (never overwrites);
   * returns the ids that were taken.
   */
  putNew(events: readonly StoredEvent[]): Promise<string[]>;
  /** The event with this id in `tenant`; an id Hookline generated is found in its own tenant. */
  get(id: string, tenant: string): Promise<StoredEvent | undefined>;
  /** Like {@link get} for many events at once (reading each page once); in the order asked. */
  getMany(
    refs: readonly { readonly id: string; readonly tenant: string }[],
  ): Promise<(StoredEvent | undefined)[]>;
}

export interface IdempotencyRecord {
  readonly key: string;
  readonly eventId: string;
  /** A batch request's record: the id of each event it accepted, in request order. */
  readonly eventIds?: readonly string[];
  readonly requestHash: string;
  /** Epoch ms; while in the future another request holds the key. */
  readonly lockedUntil: number;
}

export interface IdempotencyRepository {
  /** Creates the record unless the key exists; returns the existing record otherwise. */
  claim(record: IdempotencyRecord, ttlSeconds: number): Promise<IdempotencyRecord | undefined>;
  /** Takes over an expired lock; false if someone else changed it first. */
  takeOver(key: string, expectedLockedUntil: number, lockedUntil: number): Promise<boolean>;
  /** Lets a retry take the key at once after a failed publish. */
  release(key: string): Promise<void>;
}

/** What the dispatcher needs to make one delivery without reading the event log. */
export interface DeliveryMessage {
  readonly eventId: string;
  readonly endpointId: string;
  readonly tenant: string;
  readonly type: string;
  /** The exact request body, `{"type","timestamp","data"}`. */
  readonly body: string;
  /** Set by replay and redrive: a delivery record exists and must learn the outcome. */
  readonly requeued?: boolean;
  /**
   * The rest is the delivery's progress, carried from message to message: every wait sends
   * the delivery again, so none of it depends on SQS's receive count.
   */
  /** Epoch ms before which the delivery is not tried: a wait beyond SQS's 15-min delay hops. */
  readonly notBefore?: number;
  /** Epoch ms by which the delivery is delivered or dead-lettered: its retry schedule's end. */
  readonly settleBy?: number;
  /** Attempts made (failed) so far, as the delivery record counts them. */
  readonly attempts?: number;
  /** Tries the endpoint's open circuit held back. */
  readonly skipped?: number;
  /** Times a rate limit turned the delivery away; spreads its next try wider. */
  readonly rateLimited?: number;
  /** The lane the delivery travels in: the slow lane holds slow and hanging endpoints. */
  readonly lane?: Lane;
}

export type Lane = 'main' | 'slow';

/**
 * Bookkeeping that failed right after a 2xx, carried on the queue to be retried on its own:
 * the webhook itself is never sent again for it.
 */
export interface DeliveredNote {
  readonly note: 'delivered';
  readonly eventId: string;
  readonly endpointId: string;
  readonly tenant: string;
  readonly at: string;
  /** The delivery had failed before: its record must learn it was delivered. */
  readonly markRecord: boolean;
  /** The endpoint's circuit remembered failures: the success must be counted. */
  readonly countSuccess: boolean;
}

export type QueueMessage = DeliveryMessage | DeliveredNote;

export interface DeliveryQueue {
  /** Sends every message or throws; partial batch failures are retried inside. */
  enqueue(messages: readonly DeliveryMessage[]): Promise<void>;
}

/**
 * Waiting without holding a message in flight: the received message is acked and this one
 * sent in its place, to be received after `delaySeconds` (at most SQS's 15 minutes).
 */
export interface DeliveryWaits {
  resend(message: QueueMessage, delaySeconds: number, lane: Lane): Promise<void>;
}

/** What a webhook POST came back with; `status` is absent when no answer arrived. */
export interface HttpAnswer {
  readonly status?: number;
  readonly durationMs: number;
  /** At most 4 KiB of the response body. */
  readonly excerpt?: string;
  readonly error?: string;
  readonly retryAfter?: string;
  /** No answer came within the time allowed. */
  readonly timedOut?: boolean;
}

export interface WebhookSender {
  send(request: {
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly body: string;
    readonly timeoutMs: number;
  }): Promise<HttpAnswer>;
}

export interface EndpointReader {
  /** May answer from a short-lived cache: the dispatcher reads endpoints on every delivery. */
  getForDelivery(tenant: string, id: string): Promise<Endpoint | undefined>;
}

export interface FailureDetail {
  readonly status?: number;
  readonly error?: string;
  readonly at: string;
}

export type DeliveryStatus = 'retrying' | 'delivered' | 'dead_lettered' | 'requeued';

export interface DeliveryRecord {
  readonly eventId: string;
  readonly endpointId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastAttemptAt?: string;
  readonly lastStatus?: number | null;
  readonly lastError?: string | null;
  readonly eventType?: string;
  readonly reason?: string;
  readonly deadLetteredAt?: string;
  readonly finishedAt?: string;
}

export interface DeadLetterMark {
  readonly at: string;
  /** The delivery's tenant, so tenant-scoped keys list only their own dead letters. */
  readonly tenant: string;
  readonly eventType: string;
  readonly reason: DeadLetterReason['reason'];
  readonly attempts: number;
}

export interface DeliveryStateRepository {
  /** Counts a failed attempt and returns the attempts made so far. */
  recordFailure(eventId: string, endpointId: string, detail: FailureDetail): Promise<number>;
  /** Marks a delivery that had failed before as delivered; no-op when none was recorded. */
  markDelivered(eventId: string, endpointId: string, at: string): Promise<void>;
  /** Records the dead letter; the record then shows in the dead-letter list. */
  markDeadLettered(eventId: string, endpointId: string, mark: DeadLetterMark): Promise<void>;
}

export interface EndpointHealthRepository {
  /** The shared circuit state; may be a second old. */
  circuit(endpointId: string): Promise<CircuitState | undefined>;
  /**
   * Counts a failed attempt, and `successesBefore` successes not counted yet, and opens the
   * circuit when {@link shouldOpen} says so.
   */
  recordFailure(
    endpointId: string,
    now: number,
    settings: CircuitSettings,
    timedOut: boolean,
    successesBefore?: number,
  ): Promise<CircuitState>;
  /**
   * Counts a success of an endpoint that had failures: closes an open or half-open circuit
   * (`close`), else counts it (`count` successes at once) in the window and ends the failure
   * streak.
   */
  recordSuccess(endpointId: string, now: number, close: boolean, count?: number): Promise<void>;
  /** Lets up to `maxProbes` deliveries at once through a half-open circuit. */
  acquireProbe(
    endpointId: string,
    now: number,
    leaseMs: number,
    maxProbes: number,
  ): Promise<boolean>;
  /** Takes one delivery from this second's allowance; false when it is used up. */
  acquireRate(endpointId: string, limitPerSecond: number, now: number): Promise<boolean>;
  /** Sends the endpoint's deliveries to the slow lane until `until` (epoch ms). */
  markSlow(endpointId: string, until: number): Promise<void>;
  /** The endpoint answers in time again: back to the main lane. */
  clearSlow(endpointId: string): Promise<void>;
}

export interface EndpointControl {
  /** Switches an endpoint off, e.g. after it answered 410 Gone. */
  disable(endpoint: Pick<Endpoint, 'tenant' | 'id'>, reason: string, at: string): Promise<void>;
}

/** One row of an endpoint's attempt log; successes of one batch share a row. */
export interface AttemptLogEntry {
  readonly endpointId: string;
  readonly attemptId: string;
  readonly outcome: 'delivered' | 'failed';
  readonly at: string;
  readonly attempts: readonly {
    readonly eventId: string;
    readonly type: string;
    readonly attempt?: number;
    readonly status?: number;
    readonly durationMs: number;
    readonly error?: string;
    readonly excerpt?: string;
  }[];
}

export interface AttemptLog {
  append(entries: readonly AttemptLogEntry[]): Promise<void>;
}

export interface DeadLetterReason {
  /**
   * Why the delivery stopped: retries ran out, its schedule ended while the endpoint's circuit
   * was open, the endpoint is gone or switched off, or the message kept crashing the dispatcher.
   */
  readonly reason:
    | 'max_attempts'
    | 'circuit_open'
    | 'endpoint_gone'
    | 'endpoint_disabled'
    | 'dispatcher_failed';
  readonly attempts: number;
  /** Tries the open circuit held back. */
  readonly skipped?: number;
  readonly lastStatus?: number;
  readonly error?: string;
}

export interface DeadLetterQueue {
  send(message: DeliveryMessage, reason: DeadLetterReason): Promise<void>;
}

/** Hookline's own events on its bus (`hookline.*`), which operators route with rules. */
export interface OperationalEvents {
  /** Never throws: an event that cannot be put is logged, the delivery goes on. */
  publish(detailType: OperationalDetailType, detail: Record<string, unknown>): Promise<void>;
}

/**
 * `publish` publishes; `admin` manages; `portal` is a tenant portal session's token: it manages
 * its one tenant's endpoints through the management routes, until it expires, and nothing else.
 */
export type ApiKeyScope = 'publish' | 'admin' | 'portal';

/**
 * Who a request acts for. Without `tenant` an operator (every tenant); with one, every route is
 * confined to that tenant.
 */
export interface ApiPrincipal {
  readonly scope: ApiKeyScope;
  readonly tenant?: string;
  /** Epoch seconds after which the credential is refused (portal sessions). */
  readonly expiresAt?: number;
}

export interface KeyLookup {
  /** Scope and tenant of a presented key, or undefined when the key is unknown. */
  principalOf(key: string): Promise<ApiPrincipal | undefined>;
}

/**
 * What the dispatcher reports as it works: metrics for every attempt, operational events for
 * the things an operator must act on. Reporting never changes a delivery's fate.
 */
export interface DeliveryObserver {
  attempted(
    endpointId: string,
    outcome: { readonly ok: boolean; readonly latencyMs: number },
  ): void;
  deadLettered(message: DeliveryMessage, reason: DeadLetterReason): Promise<void>;
  endpointDisabled(
    endpoint: Pick<Endpoint, 'id' | 'tenant' | 'url'>,
    detail: {
      readonly reason: string;
      readonly failingSince?: string;
      readonly lastError?: string;
      readonly lastStatus?: number;
      readonly eventId?: string;
    },
  ): Promise<void>;
  endpointRecovered(
    endpoint: Pick<Endpoint, 'id' | 'tenant' | 'url'>,
    detail: { readonly failingSince?: string },
  ): Promise<void>;
}

/** A {@link DeliveryObserver} for one invocation, which writes its figures when flushed. */
export interface BatchObserver extends DeliveryObserver {
  flush(): void;
}

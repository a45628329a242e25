import type { Endpoint } from './endpoint';
import type { StoredEvent } from './event';

/** Interfaces the domain needs from storage and queues; adapters/ implements them. */

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
  putMany(events: readonly StoredEvent[]): Promise<void>;
  get(id: string): Promise<StoredEvent | undefined>;
}

export interface IdempotencyRecord {
  readonly key: string;
  readonly eventId: string;
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
}

export interface DeliveryQueue {
  /** Sends every message or throws; partial batch failures are retried inside. */
  enqueue(messages: readonly DeliveryMessage[]): Promise<void>;
}

/** What a webhook POST came back with; `status` is absent when no answer arrived. */
export interface HttpAnswer {
  readonly status?: number;
  readonly durationMs: number;
  /** At most 4 KiB of the response body. */
  readonly excerpt?: string;
  readonly error?: string;
  readonly retryAfter?: string;
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

export interface DeliveryStateRepository {
  /** Counts a failed attempt and returns the attempts made so far. */
  recordFailure(eventId: string, endpointId: string, detail: FailureDetail): Promise<number>;
  /** Marks a delivery that had failed before as delivered; no-op when none was recorded. */
  markDelivered(eventId: string, endpointId: string, at: string): Promise<void>;
  markDeadLettered(eventId: string, endpointId: string, at: string): Promise<void>;
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
  readonly attempts: number;
  readonly lastStatus?: number;
  readonly error?: string;
}

export interface DeadLetterQueue {
  send(message: DeliveryMessage, reason: DeadLetterReason): Promise<void>;
}

/**
 * The in-memory adapters of lambda/adapters/memory, wrapped to count what each call would
 * cost in AWS, following the DynamoDB and SQS adapters call by call: write units (1 per
 * started KB per item, again per GSI entry; a failed conditional write costs its unit too),
 * read units (strongly consistent 1, eventually consistent 0.5 per 4 KB), SQS requests and
 * EventBridge entries. Items are small (< 1 KB) but for the attempt log, sized field by field.
 */
import { SQS_MAX_DELAY_SECONDS } from '#shared/limits';
import type {
  MemoryDeliveryState,
  MemoryEndpoints,
  MemoryHealth,
} from '../../lambda/adapters/memory/stores';
import type { Endpoint } from '../../lambda/domain/endpoint';
import {
  type CircuitSettings,
  type CircuitState,
  windowCurrent,
} from '../../lambda/domain/endpoint-health';
import type {
  AttemptLog,
  AttemptLogEntry,
  BatchObserver,
  DeadLetterMark,
  DeadLetterQueue,
  DeadLetterReason,
  DeliveryMessage,
  DeliveryStateRepository,
  DeliveryWaits,
  EndpointControl,
  EndpointHealthRepository,
  EndpointReader,
  FailureDetail,
  Lane,
  QueueMessage,
} from '../../lambda/domain/ports';

/** Waits past SQS's 15-minute delay go out with `notBefore` and hop, whatever their cause. */
export const HOPS = 'any of the above, waiting > 15 min (hops)';

export class Meter {
  readonly rru: Record<string, number> = {};
  readonly wru: Record<string, number> = {};
  readonly sqs: Record<string, number> = {};
  readonly eventBridge: Record<string, number> = {};
  readonly deadLetters: Record<string, number> = {};
  /** `<endpoint kind> <reason>` → dead letters, attempts made and tries skipped, summed. */
  readonly deadLettersByKind: Record<string, number> = {};
  readonly deadLetterAttempts: Record<string, number> = {};
  readonly deadLetterSkips: Record<string, number> = {};
  /** `<endpoint kind>|<cause>` → messages sent again to wait. */
  readonly waitsByKind: Record<string, number> = {};
  readonly waits: Record<string, number> = {};
  attemptsOk = 0;
  attemptsFailed = 0;

  read(what: string, units: number): void {
    this.rru[what] = (this.rru[what] ?? 0) + units;
  }
  write(what: string, units: number): void {
    this.wru[what] = (this.wru[what] ?? 0) + units;
  }
  request(what: string, count = 1): void {
    this.sqs[what] = (this.sqs[what] ?? 0) + count;
  }
  event(what: string): void {
    this.eventBridge[what] = (this.eventBridge[what] ?? 0) + 1;
  }
  count(table: Record<string, number>, what: string): void {
    table[what] = (table[what] ?? 0) + 1;
  }
}

/** Endpoint reads: GetItem, strongly consistent (1 RRU); a disable writes the item and byId. */
export class MeteredEndpoints implements EndpointReader, EndpointControl {
  constructor(
    private readonly inner: MemoryEndpoints,
    private readonly meter: Meter,
  ) {}
  getForDelivery(tenant: string, id: string): Promise<Endpoint | undefined> {
    this.meter.read('endpoints GetItem (consistent)', 1);
    return this.inner.getForDelivery(tenant, id);
  }
  disable(endpoint: Pick<Endpoint, 'tenant' | 'id'>, reason: string, at: string): Promise<void> {
    this.meter.write('endpoints UpdateItem (disable, + byId index)', 2);
    return this.inner.disable(endpoint, reason, at);
  }
}

const CIRCUIT_CACHE_MS = 1000;

/**
 * Circuit state as DynamoEndpointHealth would bill it. One per simulated container, like the
 * adapter's 1-s read cache, which is modelled for counting only: the state itself is always
 * read fresh from the shared MemoryHealth.
 */
export class MeteredHealth implements EndpointHealthRepository {
  private readonly cachedUntil = new Map<string, number>();

  constructor(
    private readonly inner: MemoryHealth,
    private readonly meter: Meter,
    private readonly now: () => number,
  ) {}

  circuit(endpointId: string): Promise<CircuitState | undefined> {
    const now = this.now();
    if ((this.cachedUntil.get(endpointId) ?? 0) <= now) {
      this.meter.read('endpoint-state GetItem (circuit, eventual)', 0.5);
      this.cachedUntil.set(endpointId, now + CIRCUIT_CACHE_MS);
    }
    return this.inner.circuit(endpointId);
  }

  async recordFailure(
    endpointId: string,
    now: number,
    settings: CircuitSettings,
    timedOut: boolean,
    successesBefore = 0,
  ): Promise<CircuitState> {
    const before = this.inner.circuits.get(endpointId);
    // A conditional ADD in the current window; else it fails (1 WRU) and a SET starts one.
    this.meter.write('endpoint-state UpdateItem (failure)', windowCurrent(before, now) ? 1 : 2);
    const after = await this.inner.recordFailure(
      endpointId,
      now,
      settings,
      timedOut,
      successesBefore,
    );
    if ((after.opens ?? 0) > (before?.opens ?? 0)) {
      this.meter.write('endpoint-state UpdateItem (open circuit)', 1);
    }
    this.cachedUntil.set(endpointId, this.now() + CIRCUIT_CACHE_MS);
    return after;
  }

  recordSuccess(endpointId: string, now: number, close: boolean, count = 1): Promise<void> {
    const current = windowCurrent(this.inner.circuits.get(endpointId), now);
    this.meter.write('endpoint-state UpdateItem (success)', close || current ? 1 : 2);
    if (close) this.cachedUntil.set(endpointId, this.now() + CIRCUIT_CACHE_MS);
    else this.cachedUntil.delete(endpointId);
    return this.inner.recordSuccess(endpointId, now, close, count);
  }

  acquireProbe(endpointId: string, now: number, leaseMs: number, maxProbes: number) {
    const { probeUntil } = this.inner.circuits.get(endpointId) ?? {};
    const fresh = probeUntil === undefined || probeUntil < now;
    this.meter.write('endpoint-state UpdateItem (probe)', fresh ? 1 : 2);
    return this.inner.acquireProbe(endpointId, now, leaseMs, maxProbes);
  }

  acquireRate(endpointId: string, limitPerSecond: number, now: number): Promise<boolean> {
    this.meter.write('endpoint-state UpdateItem (rate)', 1);
    return this.inner.acquireRate(endpointId, limitPerSecond, now);
  }

  markSlow(endpointId: string, until: number): Promise<void> {
    this.meter.write('endpoint-state UpdateItem (slow lane)', 1);
    this.cachedUntil.delete(endpointId);
    return this.inner.markSlow(endpointId, until);
  }

  clearSlow(endpointId: string): Promise<void> {
    this.meter.write('endpoint-state UpdateItem (slow lane)', 1);
    this.cachedUntil.delete(endpointId);
    return this.inner.clearSlow(endpointId);
  }
}

/**
 * Delivery records: every call is one UpdateItem; a dead letter also lands in the sparse
 * deadLetters index. A settled record is dropped from memory (it is never read again by the
 * dispatcher; in DynamoDB it stays until its TTL), so 24 h of failures fit in memory.
 */
export class MeteredDeliveries implements DeliveryStateRepository {
  constructor(
    private readonly inner: MemoryDeliveryState,
    private readonly meter: Meter,
  ) {}
  recordFailure(eventId: string, endpointId: string, _detail: FailureDetail): Promise<number> {
    this.meter.write('deliveries UpdateItem (failure)', 1);
    return this.inner.recordFailure(eventId, endpointId);
  }
  async markDelivered(eventId: string, endpointId: string, _at: string): Promise<void> {
    this.meter.write('deliveries UpdateItem (delivered)', 1);
    await this.inner.markDelivered(eventId, endpointId);
    this.inner.items.delete(`${eventId}|${endpointId}`);
  }
  async markDeadLettered(eventId: string, endpointId: string, mark: DeadLetterMark) {
    this.meter.write('deliveries UpdateItem (dead letter, + deadLetters index)', 2);
    await this.inner.markDeadLettered(eventId, endpointId, mark);
    this.inner.items.delete(`${eventId}|${endpointId}`);
  }
}

/** The attempt log: BatchWriteItem, each row billed by its size (JSON as the estimate). */
export class MeteredAttemptLog implements AttemptLog {
  constructor(private readonly meter: Meter) {}
  async append(entries: readonly AttemptLogEntry[]): Promise<void> {
    for (const entry of entries) {
      // Attribute names and values of the row as DynamoAttemptLog writes it (with its
      // eventIds and TTL): successes packed (an id and `t:ms:status` each), a failure as a map.
      let bytes = 190;
      if (entry.outcome === 'delivered') {
        bytes += 30 + [...new Set(entry.attempts.map((a) => a.type))].join('').length;
        bytes += 41 * entry.attempts.length;
      } else {
        for (const attempt of entry.attempts) {
          bytes += 110 + attempt.type.length + (attempt.error?.length ?? 0);
          bytes += attempt.excerpt === undefined ? 0 : 8 + attempt.excerpt.length;
        }
      }
      this.meter.write(`attempts BatchWriteItem (${entry.outcome} rows)`, Math.ceil(bytes / 1024));
    }
  }
}

/** Counts what the real observer would report; each operational event is one PutEvents entry. */
export class CountingObserver implements BatchObserver {
  constructor(private readonly meter: Meter) {}
  flush(): void {}
  attempted(_endpointId: string, outcome: { readonly ok: boolean }): void {
    if (outcome.ok) this.meter.attemptsOk += 1;
    else this.meter.attemptsFailed += 1;
  }
  async deadLettered(_message: DeliveryMessage, _reason: DeadLetterReason): Promise<void> {
    this.meter.event('hookline.delivery.dead_lettered');
  }
  async endpointDisabled(): Promise<void> {
    this.meter.event('hookline.endpoint.disabled');
  }
  async endpointRecovered(): Promise<void> {
    this.meter.event('hookline.endpoint.recovered');
  }
}

/**
 * Waits as SqsDeliveryWaits sends them (the same body and DelaySeconds arithmetic), without
 * building an AWS SDK command per message: SendMessage to the lane's simulated queue.
 */
export class SimulatedWaits implements DeliveryWaits {
  constructor(
    private readonly send: (lane: Lane, body: string, delaySeconds: number) => void,
    private readonly meter: Meter,
  ) {}
  async resend(message: QueueMessage, delaySeconds: number, lane: Lane): Promise<void> {
    this.meter.request(lane === 'slow' ? 'SendMessage delivery-slow' : 'SendMessage delivery');
    const delay = Math.max(0, Math.min(SQS_MAX_DELAY_SECONDS, Math.round(delaySeconds)));
    this.send(lane, JSON.stringify(message), delay);
  }
}

/** The DLQ as SqsDeadLetterQueue fills it: one SendMessage, the reason as an attribute. */
export class SimulatedDeadLetters implements DeadLetterQueue {
  constructor(
    private readonly received: (message: DeliveryMessage, reason: DeadLetterReason) => void,
    private readonly meter: Meter,
  ) {}
  async send(message: DeliveryMessage, reason: DeadLetterReason): Promise<void> {
    this.meter.request('SendMessage delivery-dlq');
    this.meter.count(this.meter.deadLetters, reason.reason);
    this.received(message, reason);
  }
}

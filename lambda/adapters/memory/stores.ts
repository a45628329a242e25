/*
 * In-memory adapters of the domain ports. The bench drives the real handlers on them, and
 * domain and handler tests use them where no protocol stand-in is needed; the DynamoDB and SQS
 * adapters have their own tests against the stand-ins.
 */
import type { OperationalDetailType } from '#shared/bus';
import type { Endpoint } from '../../domain/endpoint';
import {
  type CircuitSettings,
  type CircuitState,
  cooldownMs,
  countAttempt,
  shouldOpen,
  windowCurrent,
} from '../../domain/endpoint-health';
import type { StoredEvent } from '../../domain/event';
import type { FeedEntry, FeedStore, StoredFeedItem } from '../../domain/feed';
import type {
  AttemptLog,
  AttemptLogEntry,
  BatchObserver,
  DeadLetterMark,
  DeadLetterQueue,
  DeadLetterReason,
  DeliveryMessage,
  DeliveryQueue,
  DeliveryStateRepository,
  DeliveryWaits,
  EndpointHealthRepository,
  EndpointReader,
  EndpointRepository,
  EventRepository,
  IdempotencyRecord,
  IdempotencyRepository,
  Lane,
  OperationalEvents,
  QueueMessage,
} from '../../domain/ports';

export class MemoryEndpoints implements EndpointRepository, EndpointReader {
  readonly items = new Map<string, Endpoint>();
  reads = 0;
  async create(endpoint: Endpoint) {
    this.items.set(endpoint.id, endpoint);
  }
  async get(id: string) {
    return this.items.get(id);
  }
  async getInTenant(tenant: string, id: string) {
    const found = this.items.get(id);
    return found?.tenant === tenant ? found : undefined;
  }
  async getForDelivery(tenant: string, id: string) {
    this.reads++;
    return this.getInTenant(tenant, id);
  }
  async listByTenant(tenant: string) {
    this.reads++;
    return [...this.items.values()].filter((e) => e.tenant === tenant);
  }
  async delete(endpoint: Pick<Endpoint, 'id'>) {
    this.items.delete(endpoint.id);
  }
  async disable(endpoint: Pick<Endpoint, 'id'>, reason: string, at: string) {
    const found = this.items.get(endpoint.id);
    if (found) {
      this.items.set(endpoint.id, {
        ...found,
        enabled: false,
        disabledReason: reason,
        disabledAt: at,
      });
    }
  }
}

/** Endpoint health with the same arithmetic as the DynamoDB adapter, in memory. */
export class MemoryHealth implements EndpointHealthRepository {
  readonly circuits = new Map<string, CircuitState & { probeUntil?: number; probes?: number }>();
  readonly used = new Map<string, number>();
  async circuit(endpointId: string) {
    return this.circuits.get(endpointId);
  }
  async recordFailure(
    endpointId: string,
    now: number,
    settings: CircuitSettings,
    timedOut: boolean,
    successesBefore = 0,
  ) {
    const { probeUntil: _, probes: __, ...before } = this.circuits.get(endpointId) ?? {};
    let counted: CircuitState = before;
    for (let i = 0; i < successesBefore; i++) counted = countAttempt(counted, now, 'success');
    let state: CircuitState = {
      ...countAttempt(counted, now, timedOut ? 'timeout' : 'failure'),
      failingSince: before.failingSince ?? now,
    };
    if (shouldOpen(state, settings, now)) {
      state = {
        ...state,
        openUntil: now + cooldownMs(state.opens ?? 0, settings),
        opens: (state.opens ?? 0) + 1,
      };
    }
    this.circuits.set(endpointId, state);
    return state;
  }
  async recordSuccess(endpointId: string, now: number, close: boolean, count = 1) {
    const before = this.circuits.get(endpointId) ?? {};
    if (close) {
      this.circuits.set(
        endpointId,
        before.slowUntil === undefined ? {} : { slowUntil: before.slowUntil },
      );
      return;
    }
    let counted = before;
    for (let i = 0; i < count && windowCurrent(before, now); i++) {
      counted = countAttempt(counted, now, 'success');
    }
    const { failingSince: _, ...rest } = counted;
    this.circuits.set(endpointId, rest);
  }
  async acquireProbe(endpointId: string, now: number, leaseMs: number, maxProbes: number) {
    const state = this.circuits.get(endpointId) ?? {};
    if (state.probeUntil === undefined || state.probeUntil < now) {
      this.circuits.set(endpointId, { ...state, probeUntil: now + leaseMs, probes: 1 });
      return true;
    }
    if ((state.probes ?? 0) >= maxProbes) return false;
    this.circuits.set(endpointId, { ...state, probes: (state.probes ?? 0) + 1 });
    return true;
  }
  async markSlow(endpointId: string, until: number) {
    this.circuits.set(endpointId, { ...this.circuits.get(endpointId), slowUntil: until });
  }
  async clearSlow(endpointId: string) {
    const { slowUntil: _, ...rest } = this.circuits.get(endpointId) ?? {};
    this.circuits.set(endpointId, rest);
  }
  async acquireRate(endpointId: string, limit: number, now: number) {
    const key = `${endpointId}|${Math.floor(now / 1000)}`;
    const used = this.used.get(key) ?? 0;
    if (used >= limit) return false;
    this.used.set(key, used + 1);
    return true;
  }
}

export class MemoryEvents implements EventRepository {
  readonly items = new Map<string, StoredEvent>();
  failNextPut = false;
  async putNew(events: readonly StoredEvent[]) {
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error('storage unavailable');
    }
    const taken: string[] = [];
    for (const event of events) {
      const key = `${event.tenant}#${event.id}`;
      if (this.items.has(key)) taken.push(event.id);
      else this.items.set(key, event);
    }
    return taken;
  }
  async get(id: string, tenant: string) {
    return this.items.get(`${tenant}#${id}`);
  }
  async getMany(refs: readonly { id: string; tenant: string }[]) {
    return refs.map((ref) => this.items.get(`${ref.tenant}#${ref.id}`));
  }
}

export class MemoryIdempotency implements IdempotencyRepository {
  readonly items = new Map<string, IdempotencyRecord>();
  async claim(record: IdempotencyRecord) {
    const existing = this.items.get(record.key);
    if (existing) return existing;
    this.items.set(record.key, record);
    return undefined;
  }
  async takeOver(key: string, expected: number, lockedUntil: number) {
    const existing = this.items.get(key);
    if (existing?.lockedUntil !== expected) return false;
    this.items.set(key, { ...existing, lockedUntil });
    return true;
  }
  async release(key: string) {
    const existing = this.items.get(key);
    if (existing) this.items.set(key, { ...existing, lockedUntil: 0 });
  }
}

export class MemoryQueue implements DeliveryQueue, DeliveryWaits {
  readonly messages: DeliveryMessage[] = [];
  /** Messages sent again to wait, in order. */
  readonly resent: { message: QueueMessage; delaySeconds: number; lane: Lane }[] = [];
  async enqueue(messages: readonly DeliveryMessage[]) {
    this.messages.push(...messages);
  }
  async resend(message: QueueMessage, delaySeconds: number, lane: Lane) {
    this.resent.push({ message, delaySeconds, lane });
  }
}

export class MemoryDeliveryState implements DeliveryStateRepository {
  readonly items = new Map<string, { attempts: number; status: string }>();
  async recordFailure(eventId: string, endpointId: string) {
    const key = `${eventId}|${endpointId}`;
    const attempts = (this.items.get(key)?.attempts ?? 0) + 1;
    this.items.set(key, { attempts, status: 'retrying' });
    return attempts;
  }
  private set(eventId: string, endpointId: string, status: string) {
    const key = `${eventId}|${endpointId}`;
    const existing = this.items.get(key);
    if (existing) this.items.set(key, { ...existing, status });
  }
  async markDelivered(eventId: string, endpointId: string) {
    this.set(eventId, endpointId, 'delivered');
  }
  async markDeadLettered(eventId: string, endpointId: string, mark: DeadLetterMark) {
    const key = `${eventId}|${endpointId}`;
    this.items.set(key, { attempts: mark.attempts, status: 'dead_lettered' });
  }
}

export class MemoryDeadLetters implements DeadLetterQueue {
  readonly sent: { message: DeliveryMessage; reason: DeadLetterReason }[] = [];
  async send(message: DeliveryMessage, reason: DeadLetterReason) {
    this.sent.push({ message, reason });
  }
}

export class MemoryAttemptLog implements AttemptLog {
  readonly entries: AttemptLogEntry[] = [];
  /** Rows appended so far; `entries` may be emptied by a long-running caller. */
  appended = 0;
  async append(entries: readonly AttemptLogEntry[]) {
    this.appended += entries.length;
    this.entries.push(...entries);
  }
}

/** Keeps what would have gone on the bus. */
export class MemoryOperationalEvents implements OperationalEvents {
  readonly published: { detailType: OperationalDetailType; detail: Record<string, unknown> }[] = [];
  async publish(detailType: OperationalDetailType, detail: Record<string, unknown>) {
    this.published.push({ detailType, detail });
  }
}

/** Records what the dispatcher reported, in order. */
export class MemoryObserver implements BatchObserver {
  readonly attempts: { endpointId: string; ok: boolean; latencyMs: number }[] = [];
  readonly events: { type: string; detail: Record<string, unknown> }[] = [];
  flushes = 0;
  flush() {
    this.flushes++;
  }
  attempted(endpointId: string, outcome: { ok: boolean; latencyMs: number }) {
    this.attempts.push({ endpointId, ...outcome });
  }
  async deadLettered(message: DeliveryMessage, reason: DeadLetterReason) {
    this.events.push({ type: 'dead_lettered', detail: { eventId: message.eventId, ...reason } });
  }
  async endpointDisabled(endpoint: Pick<Endpoint, 'id'>, detail: Record<string, unknown>) {
    this.events.push({ type: 'disabled', detail: { endpointId: endpoint.id, ...detail } });
  }
  async endpointRecovered(endpoint: Pick<Endpoint, 'id'>, detail: Record<string, unknown>) {
    this.events.push({ type: 'recovered', detail: { endpointId: endpoint.id, ...detail } });
  }
}

/** Feeds of polling endpoints, in order; an append wakes readers waiting on the feed. */
export class MemoryFeeds implements FeedStore {
  private readonly items = new Map<string, StoredFeedItem[]>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly now: () => number = Date.now) {}

  async append(endpointId: string, entries: readonly FeedEntry[]): Promise<void> {
    const feed = this.items.get(endpointId) ?? [];
    const claimedAt = this.now();
    for (const entry of entries) feed.push({ ...entry, seq: feed.length + 1, claimedAt });
    this.items.set(endpointId, feed);
    for (const wake of this.waiting.get(endpointId) ?? []) wake();
    this.waiting.delete(endpointId);
  }

  async read(endpointId: string, after: number, limit: number): Promise<StoredFeedItem[]> {
    return (this.items.get(endpointId) ?? []).filter((i) => i.seq > after).slice(0, limit);
  }

  appended(endpointId: string, ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, ms);
      const list = this.waiting.get(endpointId) ?? [];
      list.push(() => {
        clearTimeout(timer);
        done();
      });
      this.waiting.set(endpointId, list);
    });
  }

  /** Everything appended to one feed, for tests and the bench. */
  all(endpointId: string): readonly StoredFeedItem[] {
    return this.items.get(endpointId) ?? [];
  }
}

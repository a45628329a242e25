import type { Endpoint } from '../../lambda/domain/endpoint';
import {
  type CircuitSettings,
  type CircuitState,
  cooldownMs,
  shouldOpen,
} from '../../lambda/domain/endpoint-health';
import type { StoredEvent } from '../../lambda/domain/event';
import type {
  AttemptLog,
  AttemptLogEntry,
  DeadLetterMark,
  DeadLetterQueue,
  DeadLetterReason,
  DeliveryMessage,
  DeliveryObserver,
  DeliveryQueue,
  DeliveryStateRepository,
  EndpointHealthRepository,
  EndpointReader,
  EndpointRepository,
  EventRepository,
  IdempotencyRecord,
  IdempotencyRepository,
} from '../../lambda/domain/ports';

/** In-memory ports for domain tests; the adapters have their own tests against stand-ins. */

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
  readonly circuits = new Map<string, CircuitState & { probeUntil?: number }>();
  readonly used = new Map<string, number>();
  async circuit(endpointId: string) {
    return this.circuits.get(endpointId);
  }
  async recordFailure(endpointId: string, now: number, settings: CircuitSettings) {
    const before = this.circuits.get(endpointId);
    const { probeUntil: _, ...rest } = before ?? { consecutiveFailures: 0 };
    let state: CircuitState = {
      ...rest,
      consecutiveFailures: (before?.consecutiveFailures ?? 0) + 1,
      failingSince: before?.failingSince ?? now,
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
  async recordSuccess(endpointId: string) {
    this.circuits.set(endpointId, { consecutiveFailures: 0 });
  }
  async acquireProbe(endpointId: string, now: number, leaseMs: number) {
    const state = this.circuits.get(endpointId);
    if (state?.probeUntil !== undefined && state.probeUntil >= now) return false;
    this.circuits.set(endpointId, { consecutiveFailures: 0, ...state, probeUntil: now + leaseMs });
    return true;
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
  async putMany(events: readonly StoredEvent[]) {
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error('storage unavailable');
    }
    for (const event of events) this.items.set(event.id, event);
  }
  async get(id: string) {
    return this.items.get(id);
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

export class MemoryQueue implements DeliveryQueue {
  readonly messages: DeliveryMessage[] = [];
  async enqueue(messages: readonly DeliveryMessage[]) {
    this.messages.push(...messages);
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
  async append(entries: readonly AttemptLogEntry[]) {
    this.entries.push(...entries);
  }
}

let counter = 0;

/** A small endpoint record; override what the test is about. */
export function anEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  counter++;
  return {
    id: `ep_TEST${String(counter).padStart(22, '0')}`,
    tenant: 'default',
    url: `http://127.0.0.1:9/hook-${counter}`,
    enabled: true,
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    createdAt: '2026-11-27T00:00:00.000Z',
    updatedAt: '2026-11-27T00:00:00.000Z',
    ...overrides,
  };
}

/** Records what the dispatcher reported, in order. */
export class MemoryObserver implements DeliveryObserver {
  readonly attempts: { endpointId: string; ok: boolean; latencyMs: number }[] = [];
  readonly events: { type: string; detail: Record<string, unknown> }[] = [];
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

/**
 * The simulated outside world: the endpoints and how each kind answers, the webhook sender
 * that makes them answer on the simulated clock, and the ledger of every delivery's fate.
 */
import { createHash } from 'node:crypto';
import { newEndpoint, type PushEndpoint } from '../../lambda/domain/endpoint';
import type { HttpAnswer, WebhookSender } from '../../lambda/domain/ports';
import type { SimClock } from './clock';
import { Histogram } from './histogram';
import { lognormal, mulberry32, subSeed } from './random';

export const KINDS = ['healthy', 'flaky', 'slow', 'dead'] as const;
export type EndpointKind = (typeof KINDS)[number];

export interface Scenario {
  readonly hours: number;
  readonly endpoints: number;
  readonly ratePerSecond: number;
  readonly deadShare: number;
  readonly flakyShare: number;
  readonly slowShare: number;
  readonly slowAnswerMs: number;
  readonly seed: number;
  readonly quantumMs: number;
  readonly startMs: number;
}

export interface SimEndpoint {
  readonly index: number;
  readonly kind: EndpointKind;
  readonly endpoint: PushEndpoint;
}

/** A stable per-endpoint signing secret, so runs with one seed sign the same bytes. */
const secretOf = (seed: number, index: number) =>
  `whsec_${createHash('sha256').update(`${seed}/${index}`).digest('base64')}`;

export const endpointId = (index: number) => `ep_${String(index).padStart(26, '0')}`;
export const eventId = (seq: number) => `msg_${String(seq).padStart(26, '0')}`;
export const seqOf = (id: string) => Number(id.slice(4));
const ID_FIELD = '"eventId":"';
/** The event id of a queued message body, read without parsing it. */
export const idIn = (body: string) => {
  const at = body.indexOf(ID_FIELD) + ID_FIELD.length;
  return body.slice(at, at + 30);
};

/**
 * Every endpoint's kind, drawn for the whole deployment with the seed (so shards agree),
 * then the endpoints of this shard.
 */
export function shardEndpoints(scenario: Scenario, shard: number, shards: number): SimEndpoint[] {
  const random = mulberry32(subSeed(scenario.seed, 1));
  const order = Array.from({ length: scenario.endpoints }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const dead = Math.round(scenario.endpoints * scenario.deadShare);
  const flaky = Math.round(scenario.endpoints * scenario.flakyShare);
  const slow = Math.round(scenario.endpoints * scenario.slowShare);
  const kinds = new Array<EndpointKind>(scenario.endpoints).fill('healthy');
  order.forEach((index, rank) => {
    if (rank < dead) kinds[index] = 'dead';
    else if (rank < dead + flaky) kinds[index] = 'flaky';
    else if (rank < dead + flaky + slow) kinds[index] = 'slow';
  });
  // Dealt to the shards kind by kind, so each shard gets the same mix as far as counts allow.
  const byKind = (['dead', 'flaky', 'slow', 'healthy'] as const).flatMap((kind) =>
    Array.from(kinds.keys()).filter((index) => kinds[index] === kind),
  );
  const created = new Date(scenario.startMs - 86_400_000);
  const mine: SimEndpoint[] = [];
  byKind.forEach((index, rank) => {
    if (rank % shards !== shard) return;
    const url = `https://ep${index}.receiver.example/webhooks`;
    const endpoint = {
      ...newEndpoint(
        { url, tenant: 'default' },
        { id: endpointId(index), secret: secretOf(scenario.seed, index) },
        created,
      ),
      url,
    };
    mine.push({ index, kind: kinds[index] as EndpointKind, endpoint });
  });
  return mine;
}

const histograms = (): Record<EndpointKind, Histogram> => ({
  healthy: new Histogram(),
  flaky: new Histogram(),
  slow: new Histogram(),
  dead: new Histogram(),
});

const DELIVERED = 1;
const DEAD_LETTERED = 2;
const PENDING = 4;

/** Each delivery's fate by sequence number, and publish→delivery latency by endpoint kind. */
export class Ledger {
  published = 0;
  duplicateDeliveries = 0;
  duplicateDeadLetters = 0;
  deadLetteredAfterDelivery = 0;
  readonly latency = histograms();
  /** The same, less the wait for a batch to fill that only this scale's lower rate causes. */
  readonly latencyFullBatches = histograms();
  private flags = new Uint8Array(1 << 20);
  private publishedAt = new Uint32Array(1 << 20);

  constructor(private readonly startMs: number) {}

  /** A new delivery published at `atMs`; returns its sequence number. */
  publish(atMs: number): number {
    const seq = this.published++;
    if (seq >= this.flags.length) {
      const flags = new Uint8Array(this.flags.length * 2);
      flags.set(this.flags);
      this.flags = flags;
      const at = new Uint32Array(this.publishedAt.length * 2);
      at.set(this.publishedAt);
      this.publishedAt = at;
    }
    this.publishedAt[seq] = atMs - this.startMs;
    return seq;
  }

  delivered(seq: number, kind: EndpointKind, atMs: number, batchWaitMs: number): void {
    const flags = this.flags[seq] ?? 0;
    this.flags[seq] = flags | DELIVERED;
    if (flags & DELIVERED) {
      this.duplicateDeliveries += 1;
      return;
    }
    const latency = atMs - this.startMs - (this.publishedAt[seq] ?? 0);
    this.latency[kind].add(latency);
    this.latencyFullBatches[kind].add(latency - batchWaitMs);
  }

  deadLettered(seq: number): void {
    const flags = this.flags[seq] ?? 0;
    if (flags & DEAD_LETTERED) this.duplicateDeadLetters += 1;
    if (flags & DELIVERED) this.deadLetteredAfterDelivery += 1;
    this.flags[seq] = flags | DEAD_LETTERED;
  }

  /** Marks a delivery still in a queue at the end; returns its age in ms. */
  pending(seq: number, nowMs: number): number {
    this.flags[seq] = (this.flags[seq] ?? 0) | PENDING;
    return nowMs - this.startMs - (this.publishedAt[seq] ?? 0);
  }

  /** Deliveries by fate: each counted once, settled fates first. */
  tally() {
    let delivered = 0;
    let deadLettered = 0;
    let pending = 0;
    let lost = 0;
    for (let seq = 0; seq < this.published; seq++) {
      const flags = this.flags[seq] ?? 0;
      if (flags & DELIVERED) delivered += 1;
      else if (flags & DEAD_LETTERED) deadLettered += 1;
      else if (flags & PENDING) pending += 1;
      else lost += 1;
    }
    return { delivered, deadLettered, pending, lost };
  }
}

const OK_BODY = 'ok';
const ERROR_BODY = 'Internal Server Error';

/** How the endpoints answer: drawn from the shard's seeded stream, one answer per request. */
export class Receivers {
  readonly byUrl = new Map<string, SimEndpoint>();
  readonly requests: Record<EndpointKind, number> = { healthy: 0, flaky: 0, slow: 0, dead: 0 };
  private readonly random: () => number;

  constructor(
    endpoints: readonly SimEndpoint[],
    readonly scenario: Scenario,
    seed: number,
  ) {
    for (const endpoint of endpoints) this.byUrl.set(endpoint.endpoint.url, endpoint);
    this.random = mulberry32(seed);
  }

  /** Status and latency of one request to an endpoint of `kind`. */
  answer(kind: EndpointKind): { status: number; latencyMs: number } {
    this.requests[kind] += 1;
    const random = this.random;
    switch (kind) {
      case 'dead':
        return { status: 500, latencyMs: lognormal(random, 8, 0.3) };
      case 'flaky':
        return random() < 0.5
          ? { status: 500, latencyMs: lognormal(random, 50, 0.2) }
          : { status: 200, latencyMs: lognormal(random, 45, 0.35) };
      case 'slow':
        return { status: 200, latencyMs: this.scenario.slowAnswerMs };
      default:
        return { status: 200, latencyMs: lognormal(random, 45, 0.35) };
    }
  }
}

/**
 * The webhook sender of one simulated Lambda container: answers after the simulated latency,
 * or times out at `timeoutMs` like the undici sender. Keeps the longest wait of the current
 * invocation, which is the invocation's duration (everything else is instant here).
 */
export class SimSender implements WebhookSender {
  longestMs = 0;
  /** Per event id of the current batch: its wait for the batch to fill (see Lane). */
  readonly batchWaits = new Map<string, number>();

  constructor(
    private readonly receivers: Receivers,
    private readonly ledger: Ledger,
    private readonly clock: SimClock,
  ) {}

  async send(request: {
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly timeoutMs: number;
  }): Promise<HttpAnswer> {
    const target = this.receivers.byUrl.get(request.url);
    if (!target) return { durationMs: 1, error: 'ENOTFOUND' };
    const { status, latencyMs } = this.receivers.answer(target.kind);
    const startedAt = this.clock.now;
    const waitedMs = Math.min(latencyMs, request.timeoutMs);
    if (waitedMs > this.longestMs) this.longestMs = waitedMs;
    await this.clock.sleep(waitedMs);
    if (latencyMs > request.timeoutMs) {
      return { durationMs: request.timeoutMs, error: 'timeout', timedOut: true };
    }
    const ok = status >= 200 && status < 300;
    if (ok) {
      const id = request.headers['webhook-id'] ?? '';
      const batchWait = this.batchWaits.get(id) ?? 0;
      this.ledger.delivered(seqOf(id), target.kind, startedAt + latencyMs, batchWait);
    }
    return {
      status,
      durationMs: Math.round(latencyMs),
      ...(!ok && { excerpt: status >= 500 ? ERROR_BODY : OK_BODY }),
    };
  }
}

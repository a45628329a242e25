/**
 * One delivery through the dispatcher: whether it may go now (due, lane, circuit, rate limit),
 * the signed attempt, and its outcome (see `./delivery-outcomes`). A wait never holds the
 * queue message: the delivery is sent again with its progress, so waits cost no receives and
 * no in-flight slot, whatever an endpoint does.
 */
import { USER_AGENT } from '#shared/functions';
import type { HooklineSettings } from '#shared/settings';
import type { AttemptCollector } from './attempt-collector';
import {
  type Delivery,
  type DispatchDecision,
  deadLetter,
  delivered,
  failed,
  type OutcomeDependencies,
  type RetryPolicy,
  waitFor,
} from './delivery-outcomes';
import { type Endpoint, isPushEndpoint, liveSecrets, type PushEndpoint } from './endpoint';
import {
  type CircuitSettings,
  type CircuitState,
  circuitGate,
  HALF_OPEN_PROBES,
  inSlowLane,
  SLOW_LANE_HOLD_MS,
} from './endpoint-health';
import type { FeedStore } from './feed';
import type {
  DeliveryMessage,
  EndpointControl,
  EndpointReader,
  HttpAnswer,
  WebhookSender,
} from './ports';
import {
  classifyResponse,
  parseSchedule,
  rateLimitDelaySeconds,
  retryDelaySeconds,
  settleSpanMs,
} from './retry-policy';
import { signatureHeader } from './signing';

export type { DispatchDecision } from './delivery-outcomes';

export interface DispatchSettings {
  readonly scheduleMs: readonly number[];
  readonly maxAttempts: number;
  /** The full per-attempt timeout, which the slow lane allows. */
  readonly timeoutMs: number;
  /** How long the main lane waits for an answer before handing the delivery to the slow lane. */
  readonly slowAfterMs: number;
  readonly userAgent: string;
  readonly circuit: Omit<CircuitSettings, 'maxCooldownMs'>;
  /** An endpoint failing this long without one success is disabled. */
  readonly autoDisableAfterMs: number;
  /** SQS's redrive receive count: on the last receive the dispatcher dead-letters itself. */
  readonly maxReceiveCount: number;
}

/** What the dispatcher takes from the deployment's settings. */
export function dispatchSettings(settings: HooklineSettings): DispatchSettings {
  return {
    scheduleMs: parseSchedule(settings.retrySchedule),
    maxAttempts: settings.maxAttempts,
    timeoutMs: settings.deliveryTimeoutSeconds * 1000,
    slowAfterMs: settings.slowEndpointSeconds * 1000,
    userAgent: USER_AGENT,
    circuit: {
      threshold: settings.circuitBreakerThreshold,
      failureRatePercent: settings.circuitBreakerFailureRatePercent,
      cooldownMs: settings.circuitBreakerCooldownSeconds * 1000,
    },
    autoDisableAfterMs: settings.autoDisableAfterSeconds * 1000,
    maxReceiveCount: settings.maxReceiveCount,
  };
}

export interface DispatchDependencies extends OutcomeDependencies {
  readonly endpoints: EndpointReader & EndpointControl;
  readonly sender: WebhookSender;
  /** Where deliveries to polling endpoints go (replays and redrives come by the queue). */
  readonly feeds: Pick<FeedStore, 'append'>;
  readonly settings: DispatchSettings;
}

/** What SQS tells about the message besides its body. */
export interface Receipt {
  /** SQS's ApproximateReceiveCount: 1 on the first receive. */
  readonly receiveCount: number;
}

export function webhookHeaders(
  endpoint: Pick<Endpoint, 'secrets'>,
  message: Pick<DeliveryMessage, 'eventId' | 'body'>,
  nowMs: number,
  userAgent: string,
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  const secrets = liveSecrets(endpoint, nowMs);
  // Read without its sealed secrets (a function not given the key): never send unsigned.
  if (secrets.length === 0) throw new Error('the endpoint has no live signing secret');
  return {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': message.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, message.eventId, timestamp, message.body),
  };
}

/** The endpoint's own retry policy where it has one, else the deployment's. */
function policyFor(endpoint: Endpoint, settings: DispatchSettings): RetryPolicy {
  return {
    scheduleMs: endpoint.retrySchedule
      ? parseSchedule(endpoint.retrySchedule)
      : settings.scheduleMs,
    maxAttempts: endpoint.maxAttempts ?? settings.maxAttempts,
  };
}

/** The circuit for this endpoint: cool-downs never outlast its shortest retry delay. */
const circuitFor = (settings: DispatchSettings, policy: RetryPolicy): CircuitSettings => ({
  ...settings.circuit,
  maxCooldownMs: Math.min(...policy.scheduleMs),
});

/** Time past the schedule's end for the attempts themselves and the queue's own delays. */
const SETTLE_GRACE_MS = 60_000;

/** The delivery with its progress: a first receive starts the clock of its retry schedule. */
function progressOf(message: DeliveryMessage, policy: RetryPolicy, now: number): Delivery {
  const settleBy =
    message.settleBy ?? now + settleSpanMs(policy.scheduleMs, policy.maxAttempts) + SETTLE_GRACE_MS;
  return {
    message: { ...message, settleBy },
    attempts: message.attempts ?? 0,
    skipped: message.skipped ?? 0,
    lane: message.lane ?? 'main',
  };
}

/**
 * Held back, a try counts as skipped and the delivery waits what a failed try would have:
 * the circuit never holds it longer than its own schedule, and a long outage costs few hops.
 */
async function holdBack(
  deps: DispatchDependencies,
  delivery: Delivery,
  policy: RetryPolicy,
  now: number,
): Promise<DispatchDecision> {
  const { message, attempts, skipped, lane } = delivery;
  const secondsLeft = Math.floor((message.settleBy - now) / 1000);
  if (secondsLeft < 1) {
    return deadLetter(deps, message, {
      reason: 'circuit_open',
      attempts,
      skipped: skipped + 1,
      error: 'the endpoint circuit was open when the retry schedule ended',
    });
  }
  const random = deps.random ?? Math.random;
  const ownDelay = retryDelaySeconds(attempts + skipped + 1, policy.scheduleMs, random);
  const delay = Math.min(ownDelay, secondsLeft);
  return waitFor(now, { ...message, skipped: skipped + 1 }, delay, 'circuit_open', lane);
}

/**
 * Whether the endpoint's shared health lets this delivery go out now. An open circuit holds
 * the delivery back as if its try had failed (counted as skipped, not as an attempt) and
 * dead-letters it once its schedule has run out; a rate limit only spreads it.
 */
async function gateDelivery(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  delivery: Delivery,
  circuit: CircuitState | undefined,
  policy: RetryPolicy,
): Promise<DispatchDecision | undefined> {
  const now = deps.now();
  const { message, lane } = delivery;
  const gate = circuitGate(circuit, now);
  if (!gate.allow) return holdBack(deps, delivery, policy, now);
  if (gate.probe) {
    const leaseMs = attemptTimeoutMs(deps.settings, lane) + 5000;
    if (!(await deps.health.acquireProbe(message.endpointId, now, leaseMs, HALF_OPEN_PROBES))) {
      return holdBack(deps, delivery, policy, now);
    }
  }
  const limit = endpoint.rateLimitPerSecond;
  if (limit !== undefined && !(await deps.health.acquireRate(endpoint.id, limit, now))) {
    const turnedAway = (message.rateLimited ?? 0) + 1;
    const delay = rateLimitDelaySeconds(turnedAway, deps.random ?? Math.random);
    return waitFor(now, { ...message, rateLimited: turnedAway }, delay, 'rate_limited', lane);
  }
  return undefined;
}

/** The main lane answers fast or hands on; the slow lane waits the full timeout. */
const attemptTimeoutMs = (settings: DispatchSettings, lane: Delivery['lane']): number =>
  lane === 'slow' ? settings.timeoutMs : Math.min(settings.timeoutMs, settings.slowAfterMs);

/** Sends the signed request; the answer decides nothing yet. */
async function attempt(
  deps: DispatchDependencies,
  endpoint: PushEndpoint,
  delivery: Delivery,
): Promise<HttpAnswer> {
  const { settings } = deps;
  return deps.sender.send({
    url: endpoint.url,
    headers: webhookHeaders(endpoint, delivery.message, deps.now(), settings.userAgent),
    body: delivery.message.body,
    timeoutMs: attemptTimeoutMs(settings, delivery.lane),
  });
}

/**
 * A delivery to a polling endpoint: appended to its feed, which counts as delivered. No
 * circuit or rate limit applies: nothing is sent anywhere. A failed append throws, and the
 * queue brings the message back.
 */
async function appendToFeed(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  delivery: Delivery,
  receipt: Receipt,
  collector: AttemptCollector,
): Promise<DispatchDecision> {
  const { message } = delivery;
  const started = deps.now();
  await deps.feeds.append(endpoint.id, [
    { endpointId: endpoint.id, eventId: message.eventId, type: message.type, body: message.body },
  ]);
  const durationMs = deps.now() - started;
  deps.observer.attempted(endpoint.id, { ok: true, latencyMs: durationMs });
  collector.success(endpoint.id, { eventId: message.eventId, type: message.type, durationMs });
  return delivered(deps, endpoint, delivery, undefined, receipt.receiveCount);
}

/** An answer the main lane gave up on: the endpoint is slow, not (yet) failing. */
const overran = (settings: DispatchSettings, lane: Delivery['lane'], answer: HttpAnswer) =>
  lane === 'main' && answer.timedOut === true && settings.slowAfterMs < settings.timeoutMs;

/**
 * Makes one delivery attempt, unless it is not due yet, belongs in the slow lane, or the
 * endpoint's circuit or rate limit holds it back, and decides the delivery's fate. A first
 * receive that succeeds writes no delivery record.
 */
export async function dispatchDelivery(
  deps: DispatchDependencies,
  message: DeliveryMessage,
  receipt: Receipt,
  collector: AttemptCollector,
): Promise<DispatchDecision> {
  const { settings } = deps;
  const now = deps.now();
  const lane = message.lane ?? 'main';
  // A long wait hops: not an attempt, and nothing to read.
  if (message.notBefore !== undefined && message.notBefore - now >= 1000) {
    return waitFor(now, message, Math.ceil((message.notBefore - now) / 1000), 'not_due', lane);
  }
  if (receipt.receiveCount >= settings.maxReceiveCount) {
    // SQS would move it on the next receive, with no reason: do it here, with one.
    return deadLetter(deps, message, {
      reason: 'dispatcher_failed',
      attempts: message.attempts ?? 0,
      error: `the dispatcher failed on this delivery ${receipt.receiveCount} times`,
    });
  }
  const endpoint = await deps.endpoints.getForDelivery(message.tenant, message.endpointId);
  if (!endpoint) return { action: 'ack', reason: 'endpoint_deleted' };
  if (!endpoint.enabled) {
    return deadLetter(deps, message, { reason: 'endpoint_disabled', attempts: 0 });
  }
  const policy = policyFor(endpoint, settings);
  const delivery = progressOf(message, policy, now);
  if (!isPushEndpoint(endpoint)) return appendToFeed(deps, endpoint, delivery, receipt, collector);
  const circuit = await deps.health.circuit(endpoint.id);
  if (lane === 'main' && inSlowLane(circuit, now)) {
    return waitFor(now, delivery.message, 0, 'slow_endpoint', 'slow');
  }
  const deferred = await gateDelivery(deps, endpoint, delivery, circuit, policy);
  if (deferred) return deferred;

  const answer = await attempt(deps, endpoint, delivery);
  if (overran(settings, lane, answer)) {
    await deps.health.markSlow(endpoint.id, deps.now() + SLOW_LANE_HOLD_MS);
    return waitFor(deps.now(), delivery.message, 0, 'slow_endpoint', 'slow');
  }
  if (lane === 'slow' && inSlowLane(circuit, now) && answer.durationMs < settings.slowAfterMs) {
    await deps.health.clearSlow(endpoint.id);
  }
  const outcome = classifyResponse(answer.status, answer.retryAfter);
  deps.observer.attempted(endpoint.id, {
    ok: outcome.kind === 'delivered',
    latencyMs: answer.durationMs,
  });
  const detail = {
    eventId: message.eventId,
    type: message.type,
    durationMs: answer.durationMs,
    ...(answer.status !== undefined && { status: answer.status }),
  };
  if (outcome.kind === 'delivered') {
    collector.success(endpoint.id, detail);
    return delivered(deps, endpoint, delivery, circuit, receipt.receiveCount);
  }
  const failSettings = {
    circuit: circuitFor(settings, policy),
    autoDisableAfterMs: settings.autoDisableAfterMs,
  };
  return failed(
    deps,
    failSettings,
    endpoint,
    delivery,
    policy,
    { answer, outcome, detail },
    collector,
  );
}

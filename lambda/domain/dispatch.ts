import { USER_AGENT } from '#shared/functions';
import type { HooklineSettings } from '#shared/settings';
import type { AttemptCollector } from './attempt-collector';
import { type Endpoint, liveSecrets } from './endpoint';
import { type CircuitSettings, circuitGate, hasFailures } from './endpoint-health';
import type {
  AttemptLogEntry,
  DeadLetterQueue,
  DeadLetterReason,
  DeliveryMessage,
  DeliveryObserver,
  DeliveryStateRepository,
  EndpointControl,
  EndpointHealthRepository,
  EndpointReader,
  HttpAnswer,
  WebhookSender,
} from './ports';
import {
  type AttemptOutcome,
  circuitWaitDelaySeconds,
  classifyResponse,
  failedAttemptDelaySeconds,
  parseSchedule,
  rateLimitDelaySeconds,
} from './retry-policy';
import { signatureHeader } from './signing';

export interface DispatchSettings {
  readonly scheduleMs: readonly number[];
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly circuit: CircuitSettings;
  /** An endpoint failing this long without one success is disabled. */
  readonly autoDisableAfterMs: number;
}

/** What the dispatcher takes from the deployment's settings. */
export function dispatchSettings(settings: HooklineSettings): DispatchSettings {
  return {
    scheduleMs: parseSchedule(settings.retrySchedule),
    maxAttempts: settings.maxAttempts,
    timeoutMs: settings.deliveryTimeoutSeconds * 1000,
    userAgent: USER_AGENT,
    circuit: {
      threshold: settings.circuitBreakerThreshold,
      cooldownMs: settings.circuitBreakerCooldownSeconds * 1000,
    },
    autoDisableAfterMs: settings.autoDisableAfterSeconds * 1000,
  };
}

export interface DispatchDependencies {
  readonly endpoints: EndpointReader & EndpointControl;
  readonly sender: WebhookSender;
  readonly deliveries: DeliveryStateRepository;
  readonly health: EndpointHealthRepository;
  readonly deadLetters: DeadLetterQueue;
  readonly observer: DeliveryObserver;
  readonly now: () => number;
  readonly random?: () => number;
  readonly settings: DispatchSettings;
}

/** What SQS tells about the message besides its body. */
export interface Receipt {
  /** SQS's ApproximateReceiveCount: 1 on the first receive. */
  readonly receiveCount: number;
}

/** What to do with the queue message once the attempt is over. */
export type DispatchDecision =
  | {
      readonly action: 'ack';
      readonly reason: 'delivered' | 'dead_lettered' | 'endpoint_deleted';
    }
  | {
      readonly action: 'retry';
      readonly delaySeconds: number;
      /** Deferrals (open circuit, rate limit) are not attempts and use none up. */
      readonly cause: 'failed' | 'circuit_open' | 'rate_limited';
    };

type AttemptDetail = AttemptLogEntry['attempts'][number];

/** What a failed attempt leaves behind for the dead letter and the operational events. */
interface Failure {
  readonly attempts: number;
  readonly error: string;
  readonly lastStatus?: number;
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

interface RetryPolicy {
  readonly scheduleMs: readonly number[];
  readonly maxAttempts: number;
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

const isoAt = (epochMs: number) => new Date(epochMs).toISOString();

async function deadLetter(
  deps: DispatchDependencies,
  message: DeliveryMessage,
  reason: DeadLetterReason,
): Promise<DispatchDecision> {
  await deps.deadLetters.send(message, reason);
  await deps.observer.deadLettered(message, reason);
  await deps.deliveries.markDeadLettered(message.eventId, message.endpointId, {
    at: isoAt(deps.now()),
    tenant: message.tenant,
    eventType: message.type,
    reason: reason.reason,
    attempts: reason.attempts,
  });
  return { action: 'ack', reason: 'dead_lettered' };
}

/** Switches the endpoint off, says so on the bus, and dead-letters the delivery at hand. */
async function disableAndDeadLetter(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  message: DeliveryMessage,
  why: { readonly disabled: 'gone' | 'failing'; readonly failingSince?: number },
  failure: Failure & { readonly at: string },
): Promise<DispatchDecision> {
  const { attempts, error, at, ...lastStatus } = failure;
  await deps.endpoints.disable(endpoint, why.disabled, at);
  await deps.observer.endpointDisabled(endpoint, {
    reason: why.disabled,
    ...(why.failingSince !== undefined && { failingSince: isoAt(why.failingSince) }),
    eventId: message.eventId,
    lastError: error,
    ...lastStatus,
  });
  const reason = why.disabled === 'gone' ? 'endpoint_gone' : 'endpoint_disabled';
  return deadLetter(deps, message, { reason, attempts, error, ...lastStatus });
}

/**
 * Decides whether the endpoint's shared health lets this delivery go out now. Deferrals keep
 * the message's own backoff (by receive count) so a long outage costs few receives.
 */
async function gateDelivery(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  receipt: Receipt,
  scheduleMs: readonly number[],
): Promise<DispatchDecision | undefined> {
  const random = deps.random ?? Math.random;
  const now = deps.now();
  const waitForCircuit = (waitMs: number): DispatchDecision => ({
    action: 'retry',
    cause: 'circuit_open',
    delaySeconds: circuitWaitDelaySeconds(waitMs, receipt.receiveCount, scheduleMs, random),
  });
  const gate = circuitGate(await deps.health.circuit(endpoint.id), now);
  if (!gate.allow) return waitForCircuit(gate.waitMs);
  if (gate.probe) {
    const leaseMs = deps.settings.timeoutMs + 5000;
    if (!(await deps.health.acquireProbe(endpoint.id, now, leaseMs))) {
      return waitForCircuit(leaseMs);
    }
  }
  if (
    endpoint.rateLimitPerSecond !== undefined &&
    !(await deps.health.acquireRate(endpoint.id, endpoint.rateLimitPerSecond, now))
  ) {
    return {
      action: 'retry',
      cause: 'rate_limited',
      delaySeconds: rateLimitDelaySeconds(receipt.receiveCount, random),
    };
  }
  return undefined;
}

interface AttemptResult {
  readonly answer: HttpAnswer;
  readonly outcome: AttemptOutcome;
  readonly detail: AttemptDetail;
}

/** Sends the signed request and reports the attempt; the answer decides nothing yet. */
async function attempt(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  message: DeliveryMessage,
): Promise<AttemptResult> {
  const { settings } = deps;
  const answer: HttpAnswer = await deps.sender.send({
    url: endpoint.url,
    headers: webhookHeaders(endpoint, message, deps.now(), settings.userAgent),
    body: message.body,
    timeoutMs: settings.timeoutMs,
  });
  const outcome = classifyResponse(answer.status, answer.retryAfter);
  deps.observer.attempted(endpoint.id, {
    ok: outcome.kind === 'delivered',
    latencyMs: answer.durationMs,
  });
  const detail: AttemptDetail = {
    eventId: message.eventId,
    type: message.type,
    durationMs: answer.durationMs,
    ...(answer.status !== undefined && { status: answer.status }),
  };
  return { answer, outcome, detail };
}

/**
 * A 2xx: the delivery is done. Only a delivery that had failed before has a record to close;
 * a success after failures closes the circuit and, if it had opened, reports the recovery.
 */
async function delivered(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  message: DeliveryMessage,
  receipt: Receipt,
): Promise<DispatchDecision> {
  if (receipt.receiveCount > 1 || message.requeued) {
    await deps.deliveries.markDelivered(message.eventId, endpoint.id, isoAt(deps.now()));
  }
  const circuit = await deps.health.circuit(endpoint.id);
  if (hasFailures(circuit)) {
    await deps.health.recordSuccess(endpoint.id);
    if (circuit?.openUntil !== undefined) {
      await deps.observer.endpointRecovered(endpoint, {
        ...(circuit.failingSince !== undefined && { failingSince: isoAt(circuit.failingSince) }),
      });
    }
  }
  return { action: 'ack', reason: 'delivered' };
}

/**
 * A failed attempt: counted in the delivery record, then, in this order, the endpoint is gone
 * (410), has failed too long to keep, the delivery is out of attempts, or it waits to retry.
 */
async function failed(
  deps: DispatchDependencies,
  endpoint: Endpoint,
  message: DeliveryMessage,
  policy: RetryPolicy,
  { answer, outcome, detail }: AttemptResult,
  collector: AttemptCollector,
): Promise<DispatchDecision> {
  const { settings } = deps;
  const at = isoAt(deps.now());
  const error = answer.error ?? `HTTP ${answer.status}`;
  const attempts = await deps.deliveries.recordFailure(message.eventId, endpoint.id, {
    at,
    error,
    ...(answer.status !== undefined && { status: answer.status }),
  });
  collector.failure(endpoint.id, {
    ...detail,
    attempt: attempts,
    error,
    ...(answer.excerpt !== undefined && { excerpt: answer.excerpt }),
  });
  const failure = {
    at,
    attempts,
    error,
    ...(answer.status !== undefined && { lastStatus: answer.status }),
  };
  if (outcome.kind === 'gone') {
    return disableAndDeadLetter(deps, endpoint, message, { disabled: 'gone' }, failure);
  }
  const health = await deps.health.recordFailure(endpoint.id, deps.now(), settings.circuit);
  const { failingSince } = health;
  if (failingSince !== undefined && deps.now() - failingSince >= settings.autoDisableAfterMs) {
    const why = { disabled: 'failing', failingSince } as const;
    return disableAndDeadLetter(deps, endpoint, message, why, failure);
  }
  if (attempts >= policy.maxAttempts) {
    const { at: _, ...reason } = failure;
    return deadLetter(deps, message, { reason: 'max_attempts', ...reason });
  }
  return {
    action: 'retry',
    cause: 'failed',
    delaySeconds: failedAttemptDelaySeconds(
      attempts,
      policy.scheduleMs,
      outcome.kind === 'retry' ? outcome.notBeforeSeconds : undefined,
      deps.random,
    ),
  };
}

/**
 * Makes one delivery attempt, unless the endpoint's circuit or rate limit defers it, and
 * decides the message's fate. A first receive that succeeds writes no delivery record.
 */
export async function dispatchDelivery(
  deps: DispatchDependencies,
  message: DeliveryMessage,
  receipt: Receipt,
  collector: AttemptCollector,
): Promise<DispatchDecision> {
  const endpoint = await deps.endpoints.getForDelivery(message.tenant, message.endpointId);
  if (!endpoint) return { action: 'ack', reason: 'endpoint_deleted' };
  if (!endpoint.enabled) {
    return deadLetter(deps, message, { reason: 'endpoint_disabled', attempts: 0 });
  }
  const policy = policyFor(endpoint, deps.settings);
  const deferred = await gateDelivery(deps, endpoint, receipt, policy.scheduleMs);
  if (deferred) return deferred;

  const result = await attempt(deps, endpoint, message);
  if (result.outcome.kind === 'delivered') {
    collector.success(endpoint.id, result.detail);
    return delivered(deps, endpoint, message, receipt);
  }
  return failed(deps, endpoint, message, policy, result, collector);
}

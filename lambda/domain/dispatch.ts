import { type Endpoint, liveSecrets } from './endpoint';
import {
  type CircuitSettings,
  circuitGate,
  hasFailures,
  rateLimitDelaySeconds,
} from './endpoint-health';
import { newUlid } from './ids';
import type {
  AttemptLog,
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
  classifyResponse,
  MAX_VISIBILITY_SECONDS,
  parseDuration,
  retryDelaySeconds,
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

/** Collects one batch's attempt records so they are written together, cheaply. */
export class AttemptCollector {
  private readonly delivered = new Map<string, AttemptDetail[]>();
  private readonly failed: AttemptLogEntry[] = [];

  constructor(private readonly now: () => number) {}

  success(endpointId: string, detail: AttemptDetail): void {
    const list = this.delivered.get(endpointId) ?? [];
    list.push(detail);
    this.delivered.set(endpointId, list);
  }

  failure(endpointId: string, detail: AttemptDetail): void {
    const at = new Date(this.now()).toISOString();
    this.failed.push({
      endpointId,
      attemptId: newUlid(),
      outcome: 'failed',
      at,
      attempts: [detail],
    });
  }

  entries(): AttemptLogEntry[] {
    const at = new Date(this.now()).toISOString();
    const successes = [...this.delivered].map(([endpointId, attempts]) => ({
      endpointId,
      attemptId: newUlid(),
      outcome: 'delivered' as const,
      at,
      attempts,
    }));
    return [...successes, ...this.failed];
  }

  async flush(log: AttemptLog): Promise<void> {
    const entries = this.entries();
    if (entries.length > 0) await log.append(entries);
  }
}

export function webhookHeaders(
  endpoint: Pick<Endpoint, 'secrets'>,
  message: Pick<DeliveryMessage, 'eventId' | 'body'>,
  nowMs: number,
  userAgent: string,
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': message.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(
      liveSecrets(endpoint, nowMs),
      message.eventId,
      timestamp,
      message.body,
    ),
  };
}

/** The endpoint's own retry policy where it has one, else the deployment's. */
function policyFor(endpoint: Endpoint, settings: DispatchSettings) {
  return {
    scheduleMs: endpoint.retrySchedule?.map(parseDuration) ?? settings.scheduleMs,
    maxAttempts: endpoint.maxAttempts ?? settings.maxAttempts,
  };
}

const clampDelay = (seconds: number) => Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, seconds));

async function deadLetter(
  deps: DispatchDependencies,
  message: DeliveryMessage,
  reason: DeadLetterReason,
): Promise<DispatchDecision> {
  await deps.deadLetters.send(message, reason);
  await deps.observer.deadLettered(message, reason);
  await deps.deliveries.markDeadLettered(message.eventId, message.endpointId, {
    at: new Date(deps.now()).toISOString(),
    eventType: message.type,
    reason: reason.reason,
    attempts: reason.attempts,
  });
  return { action: 'ack', reason: 'dead_lettered' };
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
  const gate = circuitGate(await deps.health.circuit(endpoint.id), now);
  const waitForCircuit = (waitMs: number): DispatchDecision => ({
    action: 'retry',
    cause: 'circuit_open',
    delaySeconds: clampDelay(
      Math.max(
        Math.ceil(waitMs / 1000) + Math.floor(random() * 5),
        retryDelaySeconds(receipt.receiveCount, scheduleMs, random),
      ),
    ),
  });
  if (!gate.allow) return waitForCircuit(gate.waitMs);
  if (gate.probe) {
    const leaseMs = deps.settings.timeoutMs + 5000;
    if (!(await deps.health.acquireProbe(endpoint.id, now, leaseMs)))
      return waitForCircuit(leaseMs);
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
  const { settings } = deps;
  const policy = policyFor(endpoint, settings);
  const deferred = await gateDelivery(deps, endpoint, receipt, policy.scheduleMs);
  if (deferred) return deferred;

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
  const at = new Date(deps.now()).toISOString();
  const detail = {
    eventId: message.eventId,
    type: message.type,
    durationMs: answer.durationMs,
    ...(answer.status !== undefined && { status: answer.status }),
  };

  if (outcome.kind === 'delivered') {
    collector.success(endpoint.id, detail);
    if (receipt.receiveCount > 1 || message.requeued) {
      await deps.deliveries.markDelivered(message.eventId, endpoint.id, at);
    }
    const circuit = await deps.health.circuit(endpoint.id);
    if (hasFailures(circuit)) {
      await deps.health.recordSuccess(endpoint.id);
      if (circuit?.openUntil !== undefined) {
        await deps.observer.endpointRecovered(endpoint, {
          ...(circuit.failingSince !== undefined && {
            failingSince: new Date(circuit.failingSince).toISOString(),
          }),
        });
      }
    }
    return { action: 'ack', reason: 'delivered' };
  }

  const error = answer.error ?? `HTTP ${answer.status}`;
  const lastStatus = answer.status !== undefined ? { lastStatus: answer.status } : {};
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
  if (outcome.kind === 'gone') {
    await deps.endpoints.disable(endpoint, 'gone', at);
    await deps.observer.endpointDisabled(endpoint, {
      reason: 'gone',
      eventId: message.eventId,
      lastError: error,
      ...lastStatus,
    });
    return deadLetter(deps, message, { reason: 'endpoint_gone', attempts, error, ...lastStatus });
  }
  const health = await deps.health.recordFailure(endpoint.id, deps.now(), settings.circuit);
  if (
    health.failingSince !== undefined &&
    deps.now() - health.failingSince >= settings.autoDisableAfterMs
  ) {
    await deps.endpoints.disable(endpoint, 'failing', at);
    await deps.observer.endpointDisabled(endpoint, {
      reason: 'failing',
      failingSince: new Date(health.failingSince).toISOString(),
      eventId: message.eventId,
      lastError: error,
      ...lastStatus,
    });
    return deadLetter(deps, message, {
      reason: 'endpoint_disabled',
      attempts,
      error,
      ...lastStatus,
    });
  }
  if (attempts >= policy.maxAttempts) {
    return deadLetter(deps, message, { reason: 'max_attempts', attempts, error, ...lastStatus });
  }
  const scheduled = retryDelaySeconds(attempts, policy.scheduleMs, deps.random);
  return {
    action: 'retry',
    cause: 'failed',
    delaySeconds: clampDelay(Math.max(scheduled, outcome.notBeforeSeconds ?? 0)),
  };
}

/**
 * What happens after an attempt: a 2xx closes the delivery, a failure counts toward the
 * circuit and the retry schedule, and the end of either dead-letters it.
 */
import type { AttemptCollector } from './attempt-collector';
import type { Endpoint } from './endpoint';
import { type CircuitSettings, type CircuitState, hasFailures } from './endpoint-health';
import type {
  AttemptLogEntry,
  DeadLetterQueue,
  DeadLetterReason,
  DeliveredNote,
  DeliveryMessage,
  DeliveryObserver,
  DeliveryStateRepository,
  EndpointControl,
  EndpointHealthRepository,
  HttpAnswer,
  Lane,
} from './ports';
import { type AttemptOutcome, failedAttemptDelaySeconds } from './retry-policy';

/** What the outcomes need of the dispatcher's dependencies. */
export interface OutcomeDependencies {
  readonly endpoints: EndpointControl;
  readonly deliveries: DeliveryStateRepository;
  readonly health: EndpointHealthRepository;
  readonly deadLetters: DeadLetterQueue;
  readonly observer: DeliveryObserver;
  readonly now: () => number;
  readonly random?: () => number;
}

/** What to do with the queue message once the attempt is over. */
export type DispatchDecision =
  | {
      readonly action: 'ack';
      readonly reason: 'delivered' | 'dead_lettered' | 'endpoint_deleted';
      /** Bookkeeping that failed after a 2xx, to be sent on and retried on its own. */
      readonly followUp?: DeliveredNote;
    }
  | {
      /** Send `message` again to `lane`, to arrive after `delaySeconds`, and ack this one. */
      readonly action: 'wait';
      readonly delaySeconds: number;
      readonly lane: Lane;
      readonly message: DeliveryMessage;
      /** Only `failed` follows an attempt; the others use up no attempt. */
      readonly cause: 'failed' | 'circuit_open' | 'rate_limited' | 'not_due' | 'slow_endpoint';
    };

/** The delivery being worked on, with its progress filled in. */
export interface Delivery {
  readonly message: DeliveryMessage & { readonly settleBy: number };
  readonly attempts: number;
  readonly skipped: number;
  readonly lane: Lane;
}

export interface RetryPolicy {
  readonly scheduleMs: readonly number[];
  readonly maxAttempts: number;
}

/** Past SQS's longest delay, a wait hops: the next message carries when it is due. */
const MAX_HOP_SECONDS = 900;

/** A wait as the handler carries it out: the message to send again, due after `delaySeconds`. */
export function waitFor(
  now: number,
  message: DeliveryMessage,
  delaySeconds: number,
  cause: Extract<DispatchDecision, { action: 'wait' }>['cause'],
  lane: Lane,
): DispatchDecision {
  const { notBefore: _, ...rest } = message;
  const hops = delaySeconds > MAX_HOP_SECONDS;
  return {
    action: 'wait',
    cause,
    lane,
    delaySeconds,
    message: {
      ...rest,
      ...(lane === 'slow' && { lane }),
      ...(hops && { notBefore: now + delaySeconds * 1000 }),
    },
  };
}

const isoAt = (epochMs: number) => new Date(epochMs).toISOString();

export async function deadLetter(
  deps: OutcomeDependencies,
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
  deps: OutcomeDependencies,
  endpoint: Endpoint,
  message: DeliveryMessage,
  why: { readonly disabled: 'gone' | 'failing'; readonly failingSince?: number },
  failure: {
    readonly at: string;
    readonly attempts: number;
    readonly error: string;
    readonly lastStatus?: number;
  },
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
 * A 2xx: the delivery is done, whatever happens next. A delivery that had failed before has a
 * record to close, and an endpoint with failures a success to count (closing an open circuit).
 * If that bookkeeping fails, it goes on as a note of its own: the webhook is not sent again.
 */
export async function delivered(
  deps: OutcomeDependencies,
  endpoint: Endpoint,
  delivery: Delivery,
  circuit: CircuitState | undefined,
  receiveCount: number,
): Promise<DispatchDecision> {
  const { message } = delivery;
  const now = deps.now();
  // Messages queued before attempts were carried in the message count receives instead.
  const markRecord = delivery.attempts > 0 || receiveCount > 1 || message.requeued === true;
  const countSuccess = hasFailures(circuit, now);
  // The common case, a first try to a healthy endpoint, has nothing to write down (an open
  // circuit counts as failures, so a recovery is never skipped here).
  if (!markRecord && !countSuccess) return DELIVERED;
  const note: DeliveredNote = {
    note: 'delivered',
    eventId: message.eventId,
    endpointId: endpoint.id,
    tenant: message.tenant,
    at: isoAt(now),
    markRecord,
    countSuccess,
  };
  try {
    await recordDelivered(deps, note, circuit?.openUntil !== undefined);
    if (circuit?.openUntil !== undefined) {
      await deps.observer.endpointRecovered(endpoint, {
        ...(circuit.failingSince !== undefined && { failingSince: isoAt(circuit.failingSince) }),
      });
    }
  } catch {
    return { action: 'ack', reason: 'delivered', followUp: note };
  }
  return DELIVERED;
}

const DELIVERED: DispatchDecision = Object.freeze({ action: 'ack', reason: 'delivered' });

/** The bookkeeping of a 2xx, done at once or later from a {@link DeliveredNote}. */
export async function recordDelivered(
  deps: Pick<OutcomeDependencies, 'deliveries' | 'health' | 'now'>,
  note: DeliveredNote,
  closeCircuit: boolean,
): Promise<void> {
  if (note.markRecord) await deps.deliveries.markDelivered(note.eventId, note.endpointId, note.at);
  if (note.countSuccess) await deps.health.recordSuccess(note.endpointId, deps.now(), closeCircuit);
}

type AttemptDetail = AttemptLogEntry['attempts'][number];

export interface FailedAttempt {
  readonly answer: HttpAnswer;
  readonly outcome: AttemptOutcome;
  readonly detail: AttemptDetail;
}

/**
 * A failed attempt: counted in the delivery record and the circuit, then, in this order, the
 * endpoint is gone (410), has failed too long to keep, the delivery is out of attempts or out
 * of time, or it waits for its next try (never past the end of its schedule).
 */
export async function failed(
  deps: OutcomeDependencies,
  settings: { readonly circuit: CircuitSettings; readonly autoDisableAfterMs: number },
  endpoint: Endpoint,
  delivery: Delivery,
  policy: RetryPolicy,
  { answer, outcome, detail }: FailedAttempt,
  collector: AttemptCollector,
): Promise<DispatchDecision> {
  const { message, skipped } = delivery;
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
  const now = deps.now();
  const health = await deps.health.recordFailure(
    endpoint.id,
    now,
    settings.circuit,
    answer.timedOut === true,
  );
  const { failingSince } = health;
  if (failingSince !== undefined && now - failingSince >= settings.autoDisableAfterMs) {
    const why = { disabled: 'failing', failingSince } as const;
    return disableAndDeadLetter(deps, endpoint, message, why, failure);
  }
  const { at: _, ...reason } = failure;
  const withSkips = { ...reason, ...(skipped > 0 && { skipped }) };
  if (attempts >= policy.maxAttempts) {
    return deadLetter(deps, message, { reason: 'max_attempts', ...withSkips });
  }
  const secondsLeft = Math.floor((message.settleBy - now) / 1000);
  if (secondsLeft < 1) {
    const why = skipped > 0 ? 'circuit_open' : 'max_attempts';
    return deadLetter(deps, message, { reason: why, ...withSkips });
  }
  const askedSeconds = outcome.kind === 'retry' ? outcome.notBeforeSeconds : undefined;
  const scheduled = failedAttemptDelaySeconds(
    attempts + skipped,
    policy.scheduleMs,
    askedSeconds,
    deps.random,
  );
  // A Retry-After beyond the schedule's end is honoured, and its try is the last.
  const delay = (askedSeconds ?? 0) > secondsLeft ? scheduled : Math.min(scheduled, secondsLeft);
  const settleBy = Math.max(message.settleBy, now + delay * 1000);
  return waitFor(now, { ...message, attempts, settleBy }, delay, 'failed', delivery.lane);
}

import { type Endpoint, liveSecrets } from './endpoint';
import { newUlid } from './ids';
import type {
  AttemptLog,
  AttemptLogEntry,
  DeadLetterQueue,
  DeliveryMessage,
  DeliveryStateRepository,
  EndpointReader,
  HttpAnswer,
  WebhookSender,
} from './ports';
import { classifyResponse, MAX_VISIBILITY_SECONDS, retryDelaySeconds } from './retry-policy';
import { signatureHeader } from './signing';

export interface DispatchSettings {
  readonly scheduleMs: readonly number[];
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly userAgent: string;
}

export interface DispatchDependencies {
  readonly endpoints: EndpointReader;
  readonly sender: WebhookSender;
  readonly deliveries: DeliveryStateRepository;
  readonly deadLetters: DeadLetterQueue;
  readonly now: () => number;
  readonly random?: () => number;
  readonly settings: DispatchSettings;
}

/** What to do with the queue message once the attempt is over. */
export type DispatchDecision =
  | { readonly action: 'ack'; readonly reason: 'delivered' | 'dead_lettered' | 'endpoint_missing' }
  | { readonly action: 'retry'; readonly delaySeconds: number };

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

/**
 * Makes one delivery attempt and decides its fate. `mayHaveFailedBefore` is false only when
 * SQS says this is the first receive, which spares a state write on the common first success.
 */
export async function dispatchDelivery(
  deps: DispatchDependencies,
  message: DeliveryMessage,
  mayHaveFailedBefore: boolean,
  collector: AttemptCollector,
): Promise<DispatchDecision> {
  const endpoint = await deps.endpoints.getForDelivery(message.tenant, message.endpointId);
  if (!endpoint?.enabled) return { action: 'ack', reason: 'endpoint_missing' };

  const { settings } = deps;
  const answer: HttpAnswer = await deps.sender.send({
    url: endpoint.url,
    headers: webhookHeaders(endpoint, message, deps.now(), settings.userAgent),
    body: message.body,
    timeoutMs: settings.timeoutMs,
  });
  const outcome = classifyResponse(answer.status, answer.retryAfter);
  const at = new Date(deps.now()).toISOString();
  const detail = {
    eventId: message.eventId,
    type: message.type,
    durationMs: answer.durationMs,
    ...(answer.status !== undefined && { status: answer.status }),
  };

  if (outcome.kind === 'delivered') {
    collector.success(endpoint.id, detail);
    if (mayHaveFailedBefore) await deps.deliveries.markDelivered(message.eventId, endpoint.id, at);
    return { action: 'ack', reason: 'delivered' };
  }

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
  if (attempts >= settings.maxAttempts) {
    await deps.deadLetters.send(message, {
      attempts,
      error,
      ...(answer.status !== undefined && { lastStatus: answer.status }),
    });
    await deps.deliveries.markDeadLettered(message.eventId, endpoint.id, at);
    return { action: 'ack', reason: 'dead_lettered' };
  }
  const scheduled = retryDelaySeconds(attempts, settings.scheduleMs, deps.random);
  const notBefore = outcome.kind === 'retry' ? (outcome.notBeforeSeconds ?? 0) : 0;
  return {
    action: 'retry',
    delaySeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(scheduled, notBefore)),
  };
}

/**
 * Makes fauxqs refuse what Amazon SQS refuses where fauxqs is kinder (DESIGN §6 "Stand-ins are
 * strict"), so a bug that only AWS would show fails locally too:
 *
 * - visibility at most 12 h counted from the receive: fauxqs checks each
 *   `ChangeMessageVisibility` against 0..43200 s only, AWS against what is left of the 12 h
 *   since the receive that issued the receipt handle;
 * - the in-flight limit (about 120,000 per standard queue): fauxqs has none, AWS fails
 *   `ReceiveMessage` with `OverLimit`;
 * - `DelaySeconds` 0..900 on `SendMessage(Batch)`: fauxqs takes any delay.
 *
 * fauxqs speaks SQS over the AWS JSON protocol only (the one `@aws-sdk/client-sqs` v3 uses;
 * a query-protocol SQS request goes to its SNS router and fails), so its JSON router is the one
 * door to guard. fauxqs exposes neither router nor store, so {@link strictFauxqs} catches the
 * router as `startFauxqs` builds it and wraps that instance's `handle`; the in-flight count is
 * fauxqs's own (`inflightMessages` of the queue), read where it hands messages out (`dequeue`).
 * All patches are on instances at run time: an edit under node_modules does not survive `npm ci`.
 * If fauxqs changes shape, starting fails loudly rather than running kind.
 */

import {
  SQS_MAX_DELAY_SECONDS as MAX_DELAY_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS as MAX_VISIBILITY_SECONDS,
  SQS_IN_FLIGHT_LIMIT,
} from '#shared/limits';

export interface StrictSqsOptions {
  /** In-flight messages each queue may hold before `ReceiveMessage` fails with `OverLimit`. */
  readonly inFlightLimit?: number;
  /** Milliseconds since the epoch: the 12-hour rule counts from receives on this clock. */
  readonly clock?: () => number;
}

/** The parts of fauxqs 2.x this module relies on; {@link assertShape} checks them. */
interface FauxqsInFlight {
  readonly message: {
    readonly messageId: string;
    readonly approximateReceiveCount: number;
    readonly approximateFirstReceiveTimestamp?: number;
  };
}
interface FauxqsPersistence {
  updateMessageReady(messageId: string): void;
  updateMessageInflight(
    messageId: string,
    receiptHandle: null,
    visibilityDeadline: null,
    receiveCount: number,
    firstReceiveTimestamp: number | undefined,
  ): void;
}
interface FauxqsQueue {
  readonly inflightMessages: Map<string, FauxqsInFlight>;
  persistence?: FauxqsPersistence;
  processTimers(): void;
  dequeue(wanted: number, ...rest: unknown[]): Array<{ ReceiptHandle?: unknown }>;
  changeVisibility(receiptHandle: string, seconds: number): void;
}
interface FauxqsRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}
interface FauxqsReply {
  readonly statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
}
type Handle = (request: FauxqsRequest, reply: FauxqsReply) => Promise<unknown>;
interface FauxqsRouter {
  readonly store: { getQueue(url: string): FauxqsQueue | undefined };
  handle: Handle;
}
type Body = Record<string, unknown>;

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
/** AWS's rule for batch entry ids; a batch that breaks it is left whole for fauxqs to refuse. */
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Runs `start` (a `startFauxqs` call) and makes the server it starts strict. The router is
 * caught as `startFauxqs` registers its actions, which it does before its first `await`, so
 * patching `register` only for the synchronous part of `start` catches this server's router
 * and no other.
 */
export async function strictFauxqs<T extends { stop(): Promise<void> }>(
  start: () => Promise<T>,
  options: StrictSqsOptions = {},
): Promise<T> {
  const limit = options.inFlightLimit ?? SQS_IN_FLIGHT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`the SQS in-flight limit must be a positive integer, not ${limit}`);
  }
  // Not among fauxqs's exports; the same file URL is the same module instance as its own.
  const routerModule = new URL('./sqs/sqsRouter.js', import.meta.resolve('fauxqs')).href;
  const { SqsRouter } = (await import(routerModule)) as {
    SqsRouter?: { prototype: { register?: (...args: unknown[]) => unknown } };
  };
  const prototype = SqsRouter?.prototype;
  const register = prototype?.register;
  if (!prototype || typeof register !== 'function') {
    throw new Error(`fauxqs has no SqsRouter#register in ${routerModule}: cannot make it strict`);
  }
  const routers = new Set<FauxqsRouter>();
  prototype.register = function (this: FauxqsRouter, ...args: unknown[]) {
    routers.add(this);
    return register.apply(this, args);
  };
  let started: Promise<T>;
  try {
    started = start();
  } finally {
    prototype.register = register;
  }
  const server = await started;
  const [router] = routers;
  if (
    routers.size !== 1 ||
    typeof router?.handle !== 'function' ||
    typeof router.store?.getQueue !== 'function'
  ) {
    await server.stop();
    throw new Error(
      `fauxqs built ${routers.size} SQS routers of an unknown shape while starting: ` +
        'cannot make it strict (see lib/local/strict-sqs.ts)',
    );
  }
  const strict = new StrictSqs(router.store, limit, options.clock ?? Date.now);
  const next = router.handle.bind(router);
  router.handle = (request, reply) => strict.handle(request, reply, next);
  return server;
}

/** Thrown from a queue's `dequeue`: fauxqs rethrows what is not its own error, we answer it. */
class OverLimitError extends Error {}

class StrictSqs {
  /** When the receive behind each in-flight entry (fauxqs's object) happened, on `clock`. */
  private readonly receivedAt = new WeakMap<object, number>();
  private readonly guarded = new WeakSet<FauxqsQueue>();
  /**
   * Where the 12 h count starts for entries this process did not hand out (fauxqs reloads
   * in-flight messages from its data dir): they were received before now, so counting from now
   * may let through a little that AWS would refuse, but never refuses what AWS accepts.
   */
  private readonly startedAt: number;

  constructor(
    private readonly store: FauxqsRouter['store'],
    private readonly limit: number,
    private readonly clock: () => number,
  ) {
    this.startedAt = clock();
  }

  async handle(request: FauxqsRequest, reply: FauxqsReply, next: Handle): Promise<unknown> {
    const result = await this.act(request, reply, next);
    if (reply.statusCode >= 400) nameErrorLikeAws(reply);
    return result;
  }

  private async act(request: FauxqsRequest, reply: FauxqsReply, next: Handle): Promise<unknown> {
    const target = request.headers['x-amz-target'];
    const action = typeof target === 'string' ? target.replace('AmazonSQS.', '') : undefined;
    const body: Body = isRecord(request.body) ? request.body : {};
    const queue =
      typeof body.QueueUrl === 'string' ? this.store.getQueue(body.QueueUrl) : undefined;
    // Each check applies only where fauxqs would go ahead, so its own errors keep their order.
    if (!queue) return next(request, reply);
    this.guard(queue);
    switch (action) {
      case 'ReceiveMessage':
        try {
          return await next(request, reply);
        } catch (error) {
          if (!(error instanceof OverLimitError)) throw error;
          return refuse(reply, 403, 'OverLimit', error.message);
        }
      case 'ChangeMessageVisibility': {
        const refusal = this.beyondTwelveHours(queue, body.ReceiptHandle, body.VisibilityTimeout);
        if (refusal) return refuse(reply, 400, 'InvalidParameterValue', refusal);
        return next(request, reply);
      }
      case 'ChangeMessageVisibilityBatch':
        return withoutRefused(request, reply, next, body, (entry) =>
          this.beyondTwelveHours(queue, entry.ReceiptHandle, entry.VisibilityTimeout),
        );
      case 'SendMessage': {
        const refusal = invalidDelay(body.DelaySeconds);
        if (refusal) return refuse(reply, 400, 'InvalidParameterValue', refusal);
        return next(request, reply);
      }
      case 'SendMessageBatch':
        return withoutRefused(request, reply, next, body, (entry) =>
          invalidDelay(entry.DelaySeconds),
        );
      default:
        return next(request, reply);
    }
  }

  /** Why AWS would refuse this visibility change as reaching past 12 h from the receive. */
  private beyondTwelveHours(queue: FauxqsQueue, handle: unknown, seconds: unknown) {
    // Out of 0..43200 or not in flight: fauxqs's own checks answer as AWS does.
    if (typeof seconds !== 'number' || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) return;
    const entry = typeof handle === 'string' ? queue.inflightMessages.get(handle) : undefined;
    if (!entry) return;
    const receivedAt = this.receivedAt.get(entry) ?? this.startedAt;
    // Whole seconds, as AWS counts: 43200 s asked for just after the receive is accepted.
    const elapsed = Math.floor((this.clock() - receivedAt) / 1000);
    if (elapsed + seconds <= MAX_VISIBILITY_SECONDS) return;
    return (
      `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total ` +
      `VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds].`
    );
  }

  /**
   * Wraps the queue's `dequeue`, where fauxqs hands out messages (after its parameter checks,
   * and again after a long poll's wait), so no receive takes the queue past the limit, even
   * concurrent ones, and each receipt handle's receive time is noted as it is issued. Done on
   * first sight of each queue object, since fauxqs makes a new one per CreateQueue.
   */
  private guard(queue: FauxqsQueue): void {
    if (this.guarded.has(queue)) return;
    assertShape(queue);
    const dequeue = queue.dequeue.bind(queue);
    queue.dequeue = (wanted: number, ...rest: unknown[]) => {
      const room = this.roomIn(queue, wanted);
      if (room <= 0) {
        throw new OverLimitError(
          `The queue has ${this.limit} messages in flight (received, neither deleted nor visible ` +
            'again): the maximum. Delete messages or let them become visible before receiving more.',
        );
      }
      const received = dequeue(Math.min(wanted, room), ...rest);
      const now = this.clock();
      for (const message of received) {
        const entry =
          typeof message.ReceiptHandle === 'string'
            ? queue.inflightMessages.get(message.ReceiptHandle)
            : undefined;
        if (entry) this.receivedAt.set(entry, now);
      }
      return received;
    };
    this.persistVisibleAgainSafely(queue);
    this.guarded.add(queue);
  }

  /**
   * fauxqs 2.4 persists a visibility changed to 0 by writing NULL into the NOT NULL receive
   * count of its SQLite store: the call fails with a 500 after the message has left the
   * in-flight map and before it is back among the ready ones, so it is lost until a restart.
   * Here the write keeps the receive count, as a message made visible again has in AWS.
   */
  private persistVisibleAgainSafely(queue: FauxqsQueue): void {
    const changeVisibility = queue.changeVisibility.bind(queue);
    queue.changeVisibility = (receiptHandle, seconds) => {
      const entry = queue.inflightMessages.get(receiptHandle);
      const persistence = queue.persistence;
      if (seconds !== 0 || !entry || !persistence) return changeVisibility(receiptHandle, seconds);
      const { approximateReceiveCount, approximateFirstReceiveTimestamp } = entry.message;
      queue.persistence = Object.create(persistence, {
        updateMessageReady: {
          value: (messageId: string) =>
            persistence.updateMessageInflight(
              messageId,
              null,
              null,
              approximateReceiveCount,
              approximateFirstReceiveTimestamp,
            ),
        },
      }) as FauxqsPersistence;
      try {
        changeVisibility(receiptHandle, 0);
      } finally {
        queue.persistence = persistence;
      }
    };
  }

  private roomIn(queue: FauxqsQueue, wanted: number): number {
    // fauxqs drops entries whose visibility ran out only when it sweeps; sweep before counting
    // when the count matters (a sweep walks every in-flight entry).
    if (queue.inflightMessages.size + wanted > this.limit) queue.processTimers();
    return this.limit - queue.inflightMessages.size;
  }
}

function assertShape(queue: FauxqsQueue): void {
  if (
    !(queue.inflightMessages instanceof Map) ||
    typeof queue.processTimers !== 'function' ||
    typeof queue.dequeue !== 'function' ||
    typeof queue.changeVisibility !== 'function' ||
    (queue.persistence !== undefined &&
      typeof queue.persistence.updateMessageInflight !== 'function')
  ) {
    throw new Error('fauxqs queues changed shape: cannot make them as strict as SQS');
  }
}

function invalidDelay(seconds: unknown): string | undefined {
  if (seconds === undefined) return;
  if (typeof seconds === 'number' && Number.isInteger(seconds)) {
    if (seconds >= 0 && seconds <= MAX_DELAY_SECONDS) return;
  }
  return (
    `Value ${String(seconds)} for parameter DelaySeconds is invalid. ` +
    `Reason: DelaySeconds must be >= 0 and <= ${MAX_DELAY_SECONDS}.`
  );
}

/**
 * A batch call where AWS refuses some entries and does the rest: the refused entries go in
 * `Failed` (`SenderFault`, `InvalidParameterValue`), the rest to fauxqs. A batch AWS would
 * refuse whole (empty, over 10 entries, bad or repeated ids) goes to fauxqs as it came.
 */
async function withoutRefused(
  request: FauxqsRequest,
  reply: FauxqsReply,
  next: Handle,
  body: Body,
  refusalOf: (entry: Body) => string | undefined,
): Promise<unknown> {
  const entries = body.Entries;
  if (!isWellFormedBatch(entries)) return next(request, reply);
  const failed: Body[] = [];
  const kept: Body[] = [];
  for (const entry of entries) {
    const Message = refusalOf(entry);
    if (Message === undefined) kept.push(entry);
    else failed.push({ Id: entry.Id, SenderFault: true, Code: 'InvalidParameterValue', Message });
  }
  if (failed.length === 0) return next(request, reply);
  if (kept.length === 0) {
    reply.header('content-type', JSON_CONTENT_TYPE);
    return { Successful: [], Failed: failed };
  }
  body.Entries = kept;
  const result = await next(request, reply);
  if (reply.statusCode >= 300 || !isRecord(result) || !Array.isArray(result.Failed)) return result;
  return { ...result, Failed: [...result.Failed, ...failed] };
}

function isWellFormedBatch(entries: unknown): entries is Array<Body & { Id: string }> {
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) return false;
  const ids = new Set<string>();
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry.Id !== 'string' || !BATCH_ENTRY_ID.test(entry.Id)) {
      return false;
    }
    ids.add(entry.Id);
  }
  return ids.size === entries.length;
}

/**
 * An error as SQS sends it over the JSON protocol. The SDK (query-compatible mode) names the
 * error after `x-amzn-query-error`; AWS sends these two codes without the
 * `AWS.SimpleQueueService.` prefix, so the SDK throws `InvalidParameterValue` / `OverLimit`.
 */
function refuse(reply: FauxqsReply, status: number, code: string, message: string) {
  reply.status(status);
  reply.header('content-type', JSON_CONTENT_TYPE);
  reply.header('x-amzn-query-error', `${code};Sender`);
  return { __type: `com.amazonaws.sqs#${code}`, message };
}

/**
 * The error codes AWS sends with the `AWS.SimpleQueueService.` prefix in `x-amzn-query-error`
 * (the `awsQueryError` traits of the SQS model in `@aws-sdk/client-sqs`). fauxqs prefixes every
 * code, so the SDK would throw e.g. `AWS.SimpleQueueService.InvalidParameterValue` where AWS
 * gives `InvalidParameterValue`: code matching on names would pass here and fail in AWS.
 */
const PREFIXED_QUERY_ERRORS = new Set([
  'BatchEntryIdsNotDistinct',
  'BatchRequestTooLong',
  'EmptyBatchRequest',
  'InvalidBatchEntryId',
  'MessageNotInflight',
  'NonExistentQueue',
  'PurgeQueueInProgress',
  'QueueDeletedRecently',
  'TooManyEntriesInBatchRequest',
  'UnsupportedOperation',
]);
const QUERY_ERROR_PREFIX = 'AWS.SimpleQueueService.';

function nameErrorLikeAws(reply: FauxqsReply): void {
  const header = reply.getHeader('x-amzn-query-error');
  if (typeof header !== 'string' || !header.startsWith(QUERY_ERROR_PREFIX)) return;
  const [code = '', ...rest] = header.slice(QUERY_ERROR_PREFIX.length).split(';');
  if (PREFIXED_QUERY_ERRORS.has(code)) return;
  reply.header('x-amzn-query-error', [code, ...rest].join(';'));
}

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

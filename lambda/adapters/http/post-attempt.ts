import type { Dispatcher } from 'undici';

export const RESPONSE_EXCERPT_BYTES = 4096;
/** A success's body is read and dropped up to this much, then the connection is cut. */
const DRAIN_LIMIT_BYTES = 128 * 1024;

/** Where a URL sends its request: undici's split of it (the fragment is never sent). */
export interface Target {
  readonly origin: string;
  readonly path: string;
}

/** How one POST ended, before the sender words it as an {@link HttpAnswer}. */
export type PostResult =
  | { readonly status: number; readonly excerpt?: string; readonly retryAfter?: string }
  | { readonly failure: unknown; readonly timedOut: boolean };

/** The deadline's reason, so a late error from undici is still reported as the timeout. */
class DeadlineExceeded extends Error {
  constructor() {
    super('timeout');
  }
}

/**
 * One POST as a `Dispatcher.dispatch` handler. `request()` would wrap each answer in a
 * Readable stream, a promise handler and an async resource, and the attempt needs none of
 * them: on two cores these cost more CPU than the rest of a delivery. The handler reads what
 * the old stream reading kept: nothing of a 2xx body (drained up to 128 KiB, as undici's
 * `dump()`), the first 4 KiB of any other. Once a final status has arrived it is the result,
 * whatever happens to the body, as before.
 */
class PostHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status: number | undefined;
  private retryAfter: string | undefined;
  private chunks: Buffer[] | undefined;
  private received = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (result: PostResult) => void,
    timeoutMs: number,
  ) {
    // One plain timer per attempt, cleared when it settles: cheaper than AbortSignal.timeout,
    // whose timers stay armed (and fire) after the request is over.
    this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new DeadlineExceeded());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200 || this.settled) return; // informational answers are not the answer
    this.status = statusCode;
    const retryAfter = headers['retry-after'];
    if (typeof retryAfter === 'string') this.retryAfter = retryAfter;
    if (statusCode >= 300) this.chunks = [];
    const length = Number(headers['content-length']);
    if (statusCode < 300 && length > DRAIN_LIMIT_BYTES) this.finish(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.received += chunk.length;
    if (this.chunks === undefined) {
      if (this.received > DRAIN_LIMIT_BYTES) this.finish(controller);
      return;
    }
    this.chunks.push(chunk);
    if (this.received >= RESPONSE_EXCERPT_BYTES) this.finish(controller);
  }

  onResponseEnd(): void {
    if (!this.settled) this.settle(this.answered(true));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    // After the status, a broken or slow body only costs the excerpt.
    this.settle(
      this.status === undefined ? { failure: error, timedOut: false } : this.answered(false),
    );
  }

  /** The status is in and the rest of the body is not wanted: drop the connection. */
  private finish(controller: Dispatcher.DispatchController): void {
    this.settle(this.answered(true));
    controller.abort(new DeadlineExceeded());
  }

  private expire(): void {
    if (this.settled) return;
    this.settle(
      this.status === undefined
        ? { failure: new DeadlineExceeded(), timedOut: true }
        : this.answered(false),
    );
    this.controller?.abort(new DeadlineExceeded());
  }

  private answered(withExcerpt: boolean): PostResult {
    const excerpt =
      withExcerpt && this.chunks !== undefined && this.chunks.length > 0
        ? Buffer.concat(this.chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8')
        : '';
    return {
      status: this.status as number,
      ...(excerpt && { excerpt }),
      ...(this.retryAfter !== undefined && { retryAfter: this.retryAfter }),
    };
  }

  private settle(result: PostResult): void {
    this.settled = true;
    this.chunks = undefined;
    clearTimeout(this.timer);
    this.resolve(result);
  }
}

/**
 * POSTs `body` to `target` and settles when the answer is read or `timeoutMs` has passed since
 * the call, whichever comes first (undici's header and body timeouts alone would let a
 * trickling body run on). Never rejects.
 */
export function post(
  dispatcher: Dispatcher,
  target: Target,
  input: {
    readonly headers: Record<string, string>;
    readonly body: string;
    readonly timeoutMs: number;
  },
): Promise<PostResult> {
  return new Promise((resolve) => {
    dispatcher.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: input.headers,
        body: input.body,
        headersTimeout: input.timeoutMs,
        bodyTimeout: input.timeoutMs,
      },
      new PostHandler(resolve, input.timeoutMs),
    );
  });
}

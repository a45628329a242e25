import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One delivery read from a polling endpoint's feed: what a push would have POSTed. */
export interface FeedItem {
  readonly id: string;
  readonly headers: Record<string, string>;
  /** The exact JSON text that was signed. */
  readonly body: string;
}

export interface FeedPage {
  readonly items: FeedItem[];
  readonly cursor: string;
}

/** How one POST to the local receiver went. */
export interface ForwardOutcome {
  readonly status?: number;
  readonly error?: string;
  readonly latencyMs: number;
}

export const isSuccess = (outcome: ForwardOutcome) =>
  outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;

/** A receiver that does not answer within this long is counted as failed. */
const FORWARD_TIMEOUT_MS = 10_000;

/** POSTs an item with its own headers and body bytes, unchanged, as Hookline would have. */
export function forward(url: URL, item: FeedItem): Promise<ForwardOutcome> {
  const body = Buffer.from(item.body, 'utf8');
  const started = performance.now();
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((done) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...item.headers, 'content-length': String(body.length) },
        timeout: FORWARD_TIMEOUT_MS,
      },
      (response) => {
        // The answer's body is not needed, but it must be read for the socket to close.
        response.resume();
        response.on('end', () => done({ status: response.statusCode ?? 0, latencyMs: elapsed() }));
        response.on('error', (error) => done({ error: error.message, latencyMs: elapsed() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${FORWARD_TIMEOUT_MS / 1000} s`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ error: error.code ?? error.message, latencyMs: elapsed() }),
    );
    req.end(body);
  });
}

/** Delays before each retry of a failed forward: a few tries, then the item is skipped. */
export const RETRY_DELAYS_MS = [500, 1000, 2000] as const;

/**
 * Forwards an item until the receiver takes it or the retries run out. `report` hears every
 * try; `stopped` ends the retrying early (the item then counts as not forwarded).
 */
export async function forwardWithRetries(
  url: URL,
  item: FeedItem,
  report: (outcome: ForwardOutcome, attempt: number, retryInMs: number | undefined) => void,
  stopped: () => boolean,
): Promise<'forwarded' | 'skipped' | 'stopped'> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await forward(url, item);
    const retryInMs = isSuccess(outcome) ? undefined : RETRY_DELAYS_MS[attempt - 1];
    report(outcome, attempt, retryInMs);
    if (isSuccess(outcome)) return 'forwarded';
    if (retryInMs === undefined) return 'skipped';
    await sleep(retryInMs);
    if (stopped()) return 'stopped';
  }
}

/**
 * Where `listen` is in a feed: the cursor of the page being forwarded and the items of that
 * page already forwarded. Saved after every item, so a restart (or a crash) goes on exactly
 * where it stopped, and an item half-way through a page is neither lost nor sent twice.
 */
export interface ListenState {
  readonly cursor?: string;
  readonly forwarded: readonly string[];
}

export class StateFile {
  constructor(readonly path: string) {}

  load(): ListenState {
    try {
      const state = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<ListenState>;
      return {
        ...(typeof state.cursor === 'string' && { cursor: state.cursor }),
        forwarded: Array.isArray(state.forwarded) ? state.forwarded : [],
      };
    } catch {
      return { forwarded: [] };
    }
  }

  /** Written whole to a temporary file and renamed, so a crash never leaves half a state. */
  save(state: ListenState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(state)}\n`);
    renameSync(temporary, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/** The event type a delivery body names, for people reading the log. */
export function typeOf(item: FeedItem): string {
  try {
    const { type } = JSON.parse(item.body) as { type?: unknown };
    return typeof type === 'string' ? type : '?';
  } catch {
    return '?';
  }
}

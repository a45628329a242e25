/**
 * Polling endpoints: their deliveries are appended to a feed, in order, under sequence
 * numbers, and read by cursor. Each item is signed when it is read, as a push attempt is
 * signed when it is sent, so a consumer that reads hours later still gets a fresh
 * `webhook-timestamp` its Standard Webhooks library accepts.
 */
import { USER_AGENT } from '#shared/functions';
import { AttemptCollector } from './attempt-collector';
import { webhookHeaders } from './dispatch';
import type { Endpoint } from './endpoint';
import type { AttemptLog, BatchObserver } from './ports';

/** One delivery to a polling endpoint, as publishing hands it over. */
export interface FeedEntry {
  readonly endpointId: string;
  readonly eventId: string;
  readonly type: string;
  /** The exact body a push delivery would carry, `{"type","timestamp","data"}`. */
  readonly body: string;
}

/** An entry as the feed keeps it: its place, and when that place was claimed. */
export interface StoredFeedItem extends FeedEntry {
  readonly seq: number;
  /** Epoch ms at which the writer claimed `seq`; it writes by then + {@link FEED_WRITE_WINDOW_MS}. */
  readonly claimedAt: number;
}

/**
 * A writer that has not written the places it claimed within this long gives up (and its
 * publish fails, to be retried by the publisher); readers can then stop waiting for them.
 */
export const FEED_WRITE_WINDOW_MS = 10_000;

/**
 * How long a reader waits for a missing place before skipping it: a crashed writer leaves a
 * hole that never fills. Past the write window, with room for a request still in flight.
 */
export const FEED_GAP_WAIT_MS = 30_000;

/** The longest a read waits for an empty feed to get something (`waitSeconds`). */
export const FEED_MAX_WAIT_SECONDS = 20;

/** Between checks of the feed while a read waits, when no append in this process wakes it. */
export const FEED_POLL_INTERVAL_MS = 1000;

export interface FeedStore {
  /**
   * Claims the next places of the endpoint's feed for `entries`, in their order, and writes
   * them; throws when they could not all be written within {@link FEED_WRITE_WINDOW_MS}.
   */
  append(endpointId: string, entries: readonly FeedEntry[]): Promise<void>;
  /** Up to `limit` items after place `after`, in order; strongly consistent. */
  read(endpointId: string, after: number, limit: number): Promise<StoredFeedItem[]>;
  /**
   * Resolves when this process appends to the endpoint's feed, or after `ms`: a reader
   * in the same process (local mode) wakes at once, others look again after `ms`.
   */
  appended(endpointId: string, ms: number): Promise<void>;
}

/** Hands deliveries to polling endpoints; publishing and the dispatcher use it. */
export interface FeedWriter {
  /** Appends every entry to its endpoint's feed, each endpoint's in order; throws on failure. */
  deliver(entries: readonly FeedEntry[]): Promise<void>;
}

export interface RecordedFeedWriterDependencies {
  readonly feeds: Pick<FeedStore, 'append'>;
  readonly attemptLog: AttemptLog;
  /** A fresh observer per call: appended deliveries count as delivered attempts. */
  readonly newObserver: () => BatchObserver;
  readonly now: () => number;
  /** The deliveries are in their feeds; only their attempt-log row was not written. */
  readonly onLogFailure: (error: unknown) => void;
}

/**
 * Appends to feeds and records each append as a push success is recorded: one delivered
 * attempt-log row per endpoint and call, and the same metrics, so stats read alike.
 */
export class RecordedFeedWriter implements FeedWriter {
  constructor(private readonly deps: RecordedFeedWriterDependencies) {}

  async deliver(entries: readonly FeedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { deps } = this;
    const collector = new AttemptCollector(deps.now);
    const observer = deps.newObserver();
    const appends = await Promise.allSettled(
      [...byEndpoint(entries)].map(async ([endpointId, group]) => {
        const started = deps.now();
        await deps.feeds.append(endpointId, group);
        const durationMs = deps.now() - started;
        for (const { eventId, type } of group) {
          observer.attempted(endpointId, { ok: true, latencyMs: durationMs });
          collector.success(endpointId, { eventId, type, durationMs });
        }
      }),
    );
    observer.flush();
    try {
      await collector.flush(deps.attemptLog);
    } catch (error) {
      deps.onLogFailure(error);
    }
    const failure = appends.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failure) throw failure.reason;
  }
}

/** Entries per endpoint, each endpoint's in the order given. */
export function byEndpoint(entries: readonly FeedEntry[]): Map<string, FeedEntry[]> {
  const groups = new Map<string, FeedEntry[]>();
  for (const entry of entries) {
    const group = groups.get(entry.endpointId);
    if (group) group.push(entry);
    else groups.set(entry.endpointId, [entry]);
  }
  return groups;
}

/**
 * The items a reader at `after` may take now, and where it then stands. A missing place
 * stops the read while its writer may still write it (places are claimed before they are
 * written, and writes land in any order); once the item after the hole was claimed longer
 * than {@link FEED_GAP_WAIT_MS} ago, the hole's writer has given up and the hole is skipped.
 */
export function readablePrefix(
  items: readonly StoredFeedItem[],
  after: number,
  now: number,
): { items: StoredFeedItem[]; position: number } {
  const taken: StoredFeedItem[] = [];
  let position = after;
  for (const item of items) {
    if (item.seq <= position) continue;
    if (item.seq > position + 1 && now - item.claimedAt < FEED_GAP_WAIT_MS) break;
    taken.push(item);
    position = item.seq;
  }
  return { items: taken, position };
}

/** What the consumer gets for one item: the headers and body a push delivery would carry. */
export interface FeedDelivery {
  readonly id: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface FeedRead {
  readonly items: FeedDelivery[];
  /** The place of the last item returned (or skipped); the next read starts after it. */
  readonly position: number;
}

export interface FeedReadDependencies {
  readonly feeds: Pick<FeedStore, 'read' | 'appended'>;
  readonly now: () => number;
}

/**
 * Reads a polling endpoint's feed after `after`: what is there now, or, when nothing is,
 * the first items that arrive within `waitMs`. Items are signed with the endpoint's live
 * secrets at the moment they are returned.
 */
export async function readFeed(
  deps: FeedReadDependencies,
  endpoint: Pick<Endpoint, 'id' | 'secrets'>,
  request: { readonly after: number; readonly limit: number; readonly waitMs: number },
): Promise<FeedRead> {
  const deadline = deps.now() + request.waitMs;
  for (;;) {
    const stored = await deps.feeds.read(endpoint.id, request.after, request.limit);
    const readable = readablePrefix(stored, request.after, deps.now());
    const left = deadline - deps.now();
    if (readable.items.length > 0 || left <= 0) {
      const now = deps.now();
      return {
        items: readable.items.map((item) => ({
          id: item.eventId,
          headers: webhookHeaders(endpoint, item, now, USER_AGENT),
          body: item.body,
        })),
        position: readable.position,
      };
    }
    await deps.feeds.appended(endpoint.id, Math.min(FEED_POLL_INTERVAL_MS, left));
  }
}

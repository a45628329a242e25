/**
 * A feed's places: what a feed holds and how a reader may take it, with no dependency, so the
 * feed's storage adapter bundles nothing else of the domain.
 */

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

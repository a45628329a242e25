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
import {
  byEndpoint,
  FEED_POLL_INTERVAL_MS,
  type FeedEntry,
  type FeedStore,
  readablePrefix,
} from './feed-places';
import type { AttemptLog, BatchObserver } from './ports';

export * from './feed-places';

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

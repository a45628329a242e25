import { EventEmitter } from 'node:events';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  FEED_WRITE_WINDOW_MS,
  type FeedEntry,
  type FeedStore,
  type StoredFeedItem,
} from '../../domain/feed-places';
import { batchPut } from './batch-write';

/**
 * Appends in this process, by endpoint id: a reader waiting in the same process (local mode
 * runs every function in one) wakes at once instead of at its next look.
 */
let emitter: EventEmitter | undefined;
const appends = (): EventEmitter => {
  emitter ??= new EventEmitter().setMaxListeners(0);
  return emitter;
};

/** The place that holds a feed's counter: the last place claimed. Items start at 1. */
const COUNTER_SEQ = 0;

/**
 * Raw bytes of entries one page holds at most: deflated, a page stays far below DynamoDB's
 * 400 KB item limit, and a single entry (at most 256 KiB of event) always fits.
 */
const PAGE_RAW_BYTES = 300 * 1024;

type PageEntry = Pick<FeedEntry, 'eventId' | 'type' | 'body'>;

/**
 * A page of a feed: the entries one append put at places `first`…`seq`, deflated together.
 * Keyed by its last place, so the first page a query for places after `p` returns is the one
 * holding `p + 1`. One item per append (and per 300 KB) instead of one per delivery: a write
 * is billed per KB of item, and 100 small deliveries deflate to a few KB.
 */
interface FeedPageItem {
  readonly endpointId: string;
  readonly seq: number;
  readonly first: number;
  readonly claimedAt: number;
  readonly expiresAt: number;
  readonly entries: Uint8Array;
}

/** Consecutive runs of entries whose raw size fits a page, in order. */
function pagesOf(entries: readonly FeedEntry[]): PageEntry[][] {
  const pages: PageEntry[][] = [];
  let page: PageEntry[] = [];
  let size = 0;
  for (const { eventId, type, body } of entries) {
    const bytes = Buffer.byteLength(body) + eventId.length + type.length + 64;
    if (page.length > 0 && size + bytes > PAGE_RAW_BYTES) {
      pages.push(page);
      page = [];
      size = 0;
    }
    page.push({ eventId, type, body });
    size += bytes;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/**
 * Polling endpoints' feeds: one partition per endpoint, pages sorted by their last place
 * (`seq`). A writer claims places by adding to the feed's counter, then writes its pages;
 * pages expire with the event log.
 */
export class DynamoFeedStore implements FeedStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  async append(endpointId: string, entries: readonly FeedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const claimedAt = this.now();
    const claimed = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { endpointId, seq: COUNTER_SEQ },
        UpdateExpression: 'ADD #last :count',
        ExpressionAttributeNames: { '#last': 'last' },
        ExpressionAttributeValues: { ':count': entries.length },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const expiresAt = Math.floor(claimedAt / 1000) + this.retentionDays * 86_400;
    let first = Number(claimed.Attributes?.last) - entries.length + 1;
    const items = pagesOf(entries).map((page): FeedPageItem => {
      const item = {
        endpointId,
        seq: first + page.length - 1,
        first,
        claimedAt,
        expiresAt,
        entries: deflateRawSync(JSON.stringify(page)),
      };
      first += page.length;
      return item;
    });
    await batchPut(
      this.client,
      this.tableName,
      items as unknown as Record<string, unknown>[],
      claimedAt + FEED_WRITE_WINDOW_MS,
    );
    appends().emit(endpointId);
  }

  async read(endpointId: string, after: number, limit: number): Promise<StoredFeedItem[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'endpointId = :id AND seq > :after',
        ExpressionAttributeValues: { ':id': endpointId, ':after': Math.max(after, COUNTER_SEQ) },
        ConsistentRead: true,
        // Every page holds at least one entry: this many pages hold `limit` entries or more.
        Limit: limit,
      }),
    );
    const items: StoredFeedItem[] = [];
    for (const page of (result.Items ?? []) as FeedPageItem[]) {
      const entries = JSON.parse(inflateRawSync(page.entries).toString('utf8')) as PageEntry[];
      entries.forEach((entry, index) => {
        const seq = Number(page.first) + index;
        if (seq > after) {
          items.push({ ...entry, endpointId, seq, claimedAt: Number(page.claimedAt) });
        }
      });
      if (items.length >= limit) break;
    }
    return items.slice(0, limit);
  }

  appended(endpointId: string, ms: number): Promise<void> {
    return new Promise((done) => {
      const wake = () => {
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        appends().off(endpointId, wake);
        done();
      }, ms);
      appends().once(endpointId, wake);
    });
  }
}

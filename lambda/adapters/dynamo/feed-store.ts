import { EventEmitter } from 'node:events';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  FEED_WRITE_WINDOW_MS,
  type FeedEntry,
  type FeedStore,
  type StoredFeedItem,
} from '../../domain/feed';
import { batchPut } from './batch-write';

/**
 * Appends in this process, by endpoint id: a reader waiting in the same process (local mode
 * runs every function in one) wakes at once instead of at its next look.
 */
const appends = new EventEmitter().setMaxListeners(0);

/** The place that holds a feed's counter: the last place claimed. Items start at 1. */
const COUNTER_SEQ = 0;

/**
 * Polling endpoints' feeds: one partition per endpoint, items sorted by place (`seq`). A
 * writer claims places by adding to the feed's counter, then writes its items; items expire
 * with the event log.
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
    const first = Number(claimed.Attributes?.last) - entries.length + 1;
    const expiresAt = Math.floor(claimedAt / 1000) + this.retentionDays * 86_400;
    const items = entries.map((entry, index) => ({
      endpointId,
      seq: first + index,
      eventId: entry.eventId,
      type: entry.type,
      body: entry.body,
      claimedAt,
      expiresAt,
    }));
    await batchPut(this.client, this.tableName, items, claimedAt + FEED_WRITE_WINDOW_MS);
    appends.emit(endpointId);
  }

  async read(endpointId: string, after: number, limit: number): Promise<StoredFeedItem[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'endpointId = :id AND seq > :after',
        ExpressionAttributeValues: { ':id': endpointId, ':after': Math.max(after, COUNTER_SEQ) },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      endpointId,
      seq: Number(item.seq),
      eventId: String(item.eventId),
      type: String(item.type),
      body: String(item.body),
      claimedAt: Number(item.claimedAt),
    }));
  }

  appended(endpointId: string, ms: number): Promise<void> {
    return new Promise((done) => {
      const wake = () => {
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        appends.off(endpointId, wake);
        done();
      }, ms);
      appends.once(endpointId, wake);
    });
  }
}

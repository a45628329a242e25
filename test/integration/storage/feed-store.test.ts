/**
 * DynamoFeedStore against dynalite and DynamoDB Local: places are claimed in order, concurrent
 * writers never share one, items expire with the event log, and a reader wakes on an append.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoFeedStore } from '../../../lambda/adapters/dynamo/feed-store';
import type { FeedEntry } from '../../../lambda/domain/feed';
import { newEndpointId } from '../../../lambda/domain/ids';
import { describeOnBothStandIns, nowSeconds, RETENTION_DAYS } from '../../support/storage';

const entries = (endpointId: string, from: number, count: number): FeedEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    endpointId,
    eventId: `msg_${from + i}`,
    type: 'invoice.paid',
    body: JSON.stringify({ type: 'invoice.paid', timestamp: 't', data: { n: from + i } }),
  }));

describeOnBothStandIns('feed-store', (db) => {
  describe('DynamoFeedStore', () => {
    it('keeps entries in the order appended, by place, and reads after a place', async () => {
      // Prepare
      const feeds = new DynamoFeedStore(db.documentClient, db.tableNames.feeds, RETENTION_DAYS);
      const endpointId = newEndpointId();

      // Act
      await feeds.append(endpointId, entries(endpointId, 1, 30));
      await feeds.append(endpointId, entries(endpointId, 31, 2));
      const all = await feeds.read(endpointId, 0, 100);
      const rest = await feeds.read(endpointId, 30, 100);
      const page = await feeds.read(endpointId, 10, 5);

      // Assess
      expect(all.map((i) => [i.seq, i.eventId])).toEqual(
        Array.from({ length: 32 }, (_, i) => [i + 1, `msg_${i + 1}`]),
      );
      expect(rest.map((i) => i.eventId)).toEqual(['msg_31', 'msg_32']);
      expect(page.map((i) => i.seq)).toEqual([11, 12, 13, 14, 15]);
      expect(JSON.parse(all[0]?.body ?? '{}').data).toEqual({ n: 1 });
    });

    it('gives concurrent writers distinct places, with no hole once all are written', async () => {
      const feeds = new DynamoFeedStore(db.documentClient, db.tableNames.feeds, RETENTION_DAYS);
      const endpointId = newEndpointId();
      await Promise.all(
        Array.from({ length: 8 }, (_, w) =>
          feeds.append(endpointId, entries(endpointId, w * 3, 3)),
        ),
      );
      const all = await feeds.read(endpointId, 0, 100);
      expect(all.map((i) => i.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      expect(new Set(all.map((i) => i.eventId)).size).toBe(24);
    });

    it('stores one append as one deflated page, split only past the page size', async () => {
      // Prepare
      const feeds = new DynamoFeedStore(db.documentClient, db.tableNames.feeds, RETENTION_DAYS);
      const endpointId = newEndpointId();
      const big = (n: number): FeedEntry => ({
        endpointId,
        eventId: `msg_big${n}`,
        type: 'invoice.paid',
        body: JSON.stringify({ data: randomBytes(90 * 1024).toString('base64') }),
      });

      const bigOnes = [1, 2, 3, 4].map(big);

      // Act: 100 small deliveries, then 4 of 120 KB each (480 KB, over one page)
      await feeds.append(endpointId, entries(endpointId, 1, 100));
      await feeds.append(endpointId, bigOnes);
      const pages = await db.documentClient.send(
        new QueryCommand({
          TableName: db.tableNames.feeds,
          KeyConditionExpression: 'endpointId = :id AND seq > :zero',
          ExpressionAttributeValues: { ':id': endpointId, ':zero': 0 },
        }),
      );
      const fromInside = await feeds.read(endpointId, 57, 5);
      const acrossPages = await feeds.read(endpointId, 100, 10);

      // Assess
      const layout = (pages.Items ?? []).map((page) => [page.first, page.seq]);
      expect(layout[0]).toEqual([1, 100]);
      expect(layout.length).toBeGreaterThan(2);
      expect(layout.at(-1)?.[1]).toBe(104);
      expect(Number(pages.Items?.[0]?.entries?.length)).toBeLessThan(100 * 120);
      expect(fromInside.map((i) => [i.seq, i.eventId])).toEqual(
        [58, 59, 60, 61, 62].map((n) => [n, `msg_${n}`]),
      );
      expect(acrossPages.map((i) => i.eventId)).toEqual([
        'msg_big1',
        'msg_big2',
        'msg_big3',
        'msg_big4',
      ]);
      expect(acrossPages.map((i) => i.body)).toEqual(bigOnes.map((e) => e.body));
    });

    it('lets items expire with the event log but never the feed’s counter', async () => {
      const feeds = new DynamoFeedStore(db.documentClient, db.tableNames.feeds, RETENTION_DAYS);
      const endpointId = newEndpointId();
      await feeds.append(endpointId, entries(endpointId, 1, 1));
      const item = await db.documentClient.send(
        new GetCommand({ TableName: db.tableNames.feeds, Key: { endpointId, seq: 1 } }),
      );
      const counter = await db.documentClient.send(
        new QueryCommand({
          TableName: db.tableNames.feeds,
          KeyConditionExpression: 'endpointId = :id AND seq = :zero',
          ExpressionAttributeValues: { ':id': endpointId, ':zero': 0 },
        }),
      );
      const expected = nowSeconds() + RETENTION_DAYS * 86_400;
      expect(Math.abs(Number(item.Item?.expiresAt) - expected)).toBeLessThan(5);
      expect(counter.Items?.[0]).toMatchObject({ last: 1 });
      expect(counter.Items?.[0]?.expiresAt).toBeUndefined();
    });

    it('wakes a reader in the same process when the feed is appended to', async () => {
      const feeds = new DynamoFeedStore(db.documentClient, db.tableNames.feeds, RETENTION_DAYS);
      const endpointId = newEndpointId();
      let woke = false;
      const waiting = feeds.appended(endpointId, 20_000).then(() => {
        woke = true;
      });
      await feeds.append(endpointId, entries(endpointId, 1, 1));
      await waiting;
      expect(woke).toBe(true);
    });
  });
});

/**
 * DynamoAttemptLog against real DynamoDB protocol servers: dynalite (what `npm start` runs on) and
 * Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both stand-ins
 * (test/support/storage.ts).
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAttemptLog } from '../../../lambda/adapters/dynamo/attempt-log';
import { newEndpointId, newEventId } from '../../../lambda/domain/ids';
import {
  anAttemptEntry,
  describeOnBothStandIns,
  nowSeconds,
  RETENTION_DAYS,
} from '../../support/storage';

describeOnBothStandIns('attempt-log', (db) => {
  describe('DynamoAttemptLog', () => {
    it('lists attempts newest first, one row per attempt, filtered by outcome and paged', async () => {
      // Prepare
      const log = new DynamoAttemptLog(db.documentClient, db.tableNames.attempts, RETENTION_DAYS);
      const endpointId = newEndpointId();
      const deliveredId = newEventId();
      const failed = anAttemptEntry(endpointId);
      const delivered = anAttemptEntry(endpointId, {
        outcome: 'delivered',
        attempts: [{ eventId: deliveredId, type: 'invoice.paid', status: 200, durationMs: 7 }],
      });
      const since = new Date(Date.now() - 1000).toISOString();

      // Act
      await log.append([failed, delivered]);
      const all = await log.list(endpointId, { limit: 10 });
      const onlyFailed = await log.list(endpointId, { outcome: 'failed', limit: 10 });
      const firstPage = await log.list(endpointId, { limit: 1 });
      const secondPage = await log.list(endpointId, { limit: 1, cursor: firstPage.cursor });
      const found = await log.deliveredAt(endpointId, deliveredId, since);
      const missing = await log.deliveredAt(endpointId, newEventId(), since);

      // Assess
      expect(all.items.map((a) => a.outcome)).toEqual(['delivered', 'failed']);
      expect(onlyFailed.items.map((a) => a.eventId)).toEqual([failed.attempts[0]?.eventId]);
      expect(firstPage.cursor).toBeDefined();
      expect(secondPage.items.map((a) => a.outcome)).toEqual(['failed']);
      expect(found).toBe(delivered.at);
      expect(missing).toBeUndefined();
    });

    it('packs a batch of successes into one small row and reads rows written before 0.4', async () => {
      // Prepare
      const log = new DynamoAttemptLog(db.documentClient, db.tableNames.attempts, RETENTION_DAYS);
      const endpointId = newEndpointId();
      const attempts = Array.from({ length: 10 }, (_, i) => ({
        eventId: newEventId(),
        type: i % 2 ? 'invoice.paid' : 'customer.created',
        status: 204,
        durationMs: 10 + i,
      }));
      const packed = anAttemptEntry(endpointId, { outcome: 'delivered', attempts });
      const older = anAttemptEntry(endpointId, {
        outcome: 'delivered',
        attempts: [{ eventId: newEventId(), type: 'invoice.paid', status: 200, durationMs: 3 }],
      });
      await db.documentClient.send(
        new PutCommand({
          TableName: db.tableNames.attempts,
          Item: { ...older, eventIds: [older.attempts[0]?.eventId], expiresAt: nowSeconds() + 60 },
        }),
      );

      // Act
      await log.append([packed]);
      const listed = await log.list(endpointId, { limit: 10 });
      const row = await db.documentClient.send(
        new GetCommand({
          TableName: db.tableNames.attempts,
          Key: { endpointId, attemptId: packed.attemptId },
        }),
      );

      // Assess
      expect(Buffer.byteLength(JSON.stringify(row.Item))).toBeLessThan(1024);
      expect(listed.items).toHaveLength(11);
      expect(listed.items.filter((a) => a.at === packed.at).map((a) => a.eventId)).toEqual(
        expect.arrayContaining(attempts.map((a) => a.eventId)),
      );
      const viewOf = (eventId: string) => listed.items.find((a) => a.eventId === eventId);
      expect(viewOf(attempts[3]?.eventId as string)).toMatchObject({
        eventType: 'invoice.paid',
        status: 204,
        durationMs: 13,
        outcome: 'delivered',
      });
      expect(viewOf(older.attempts[0]?.eventId as string)).toMatchObject({
        status: 200,
        durationMs: 3,
      });
    });

    it("appends 30 entries that a Query by endpoint gives back in order, and no one else's", async () => {
      // Prepare
      const log = new DynamoAttemptLog(db.documentClient, db.tableNames.attempts, RETENTION_DAYS);
      const endpointId = newEndpointId();
      const otherEndpointId = newEndpointId();
      const entries = Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? anAttemptEntry(endpointId, {
              outcome: 'delivered',
              attempts: [
                { eventId: newEventId(), type: 'invoice.paid', status: 200, durationMs: 12 },
                { eventId: newEventId(), type: 'customer.created', status: 204, durationMs: 9 },
              ],
            })
          : anAttemptEntry(endpointId),
      );
      const unanswered = anAttemptEntry(endpointId, {
        attempts: [
          {
            eventId: newEventId(),
            type: 'invoice.paid',
            attempt: 1,
            status: undefined,
            durationMs: 15_000,
            error: 'timed out after 15000 ms',
          },
        ],
      });
      const elsewhere = anAttemptEntry(otherEndpointId);
      const before = nowSeconds();

      // Act
      await log.append([...entries.slice(0, 15), elsewhere, ...entries.slice(15), unanswered]);
      const page = await db.documentClient.send(
        new QueryCommand({
          TableName: db.tableNames.attempts,
          KeyConditionExpression: 'endpointId = :endpointId',
          ExpressionAttributeValues: { ':endpointId': endpointId },
          ConsistentRead: true,
        }),
      );

      // Assess
      const items = page.Items ?? [];
      const all = [...entries, unanswered];
      const keysOf = (row: Record<string, unknown>) => ({
        endpointId: row.endpointId,
        attemptId: row.attemptId,
        outcome: row.outcome,
        at: row.at,
      });
      expect(items.map(keysOf)).toEqual(all.map(keysOf));
      const listed = await log.list(endpointId, { limit: 100 });
      const shown = (a: (typeof all)[number]['attempts'][number]) =>
        Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined));
      expect(
        listed.items.map(({ eventId, eventType, status, durationMs, error, attempt }) =>
          shown({ eventId, type: eventType, status, durationMs, error, attempt }),
        ),
      ).toEqual(
        [...all]
          .reverse()
          .flatMap((entry) => entry.attempts.map((a) => shown({ ...a, excerpt: undefined }))),
      );
      const retention = RETENTION_DAYS * 86_400;
      for (const item of items) {
        expect(item.expiresAt).toBeGreaterThanOrEqual(before + retention);
        expect(item.expiresAt).toBeLessThanOrEqual(nowSeconds() + retention);
      }
    });
  });
});

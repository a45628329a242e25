/**
 * DynamoAttemptLog against real DynamoDB protocol servers: dynalite (what `npm start` runs on) and
 * Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both stand-ins
 * (test/support/storage.ts).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
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
      expect(items.map(({ expiresAt: _, eventIds: __, ...entry }) => entry)).toEqual(
        all.map(({ attempts, ...entry }) => ({
          ...entry,
          attempts: attempts.map((a) =>
            Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)),
          ),
        })),
      );
      const retention = RETENTION_DAYS * 86_400;
      for (const item of items) {
        expect(item.expiresAt).toBeGreaterThanOrEqual(before + retention);
        expect(item.expiresAt).toBeLessThanOrEqual(nowSeconds() + retention);
      }
    });
  });
});

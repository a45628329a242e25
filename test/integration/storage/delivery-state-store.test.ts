/**
 * DynamoDeliveryStateRepository against real DynamoDB protocol servers: dynalite (what `npm start`
 * runs on) and Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both stand-ins
 * (test/support/storage.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDeliveryStateRepository } from '../../../lambda/adapters/dynamo/delivery-state-store';
import { newEndpointId, newEventId } from '../../../lambda/domain/ids';
import {
  aFailure,
  describeOnBothStandIns,
  nowSeconds,
  RETENTION_DAYS,
} from '../../support/storage';

describeOnBothStandIns('delivery-state-store', (db) => {
  describe('DynamoDeliveryStateRepository', () => {
    const repository = () =>
      new DynamoDeliveryStateRepository(
        db.documentClient,
        db.tableNames.deliveries,
        RETENTION_DAYS,
      );
    const readRecord = async (eventId: string, endpointId: string) =>
      (
        await db.documentClient.send(
          new GetCommand({
            TableName: db.tableNames.deliveries,
            Key: { eventId, endpointId },
            ConsistentRead: true,
          }),
        )
      ).Item;

    it('counts failed attempts 1, 2, 3 and keeps the last failure', async () => {
      // Prepare
      const deliveries = repository();
      const eventId = newEventId();
      const endpointId = newEndpointId();
      const before = nowSeconds();

      // Act
      const counts = [
        await deliveries.recordFailure(eventId, endpointId, aFailure({ status: 500 })),
        await deliveries.recordFailure(eventId, endpointId, aFailure({ status: 502 })),
        await deliveries.recordFailure(
          eventId,
          endpointId,
          aFailure({ status: undefined, error: 'connect ECONNREFUSED 10.0.0.1:443' }),
        ),
      ];

      // Assess
      expect(counts).toEqual([1, 2, 3]);
      const record = await readRecord(eventId, endpointId);
      expect(record).toMatchObject({
        attempts: 3,
        status: 'retrying',
        lastError: 'connect ECONNREFUSED 10.0.0.1:443',
      });
      expect(record?.lastStatus ?? undefined).toBeUndefined();
      const retention = RETENTION_DAYS * 86_400;
      expect(record?.expiresAt).toBeGreaterThanOrEqual(before + retention);
      expect(record?.expiresAt).toBeLessThanOrEqual(nowSeconds() + retention);
    });

    it('counts each endpoint of an event separately', async () => {
      // Prepare
      const deliveries = repository();
      const eventId = newEventId();
      const [a, b] = [newEndpointId(), newEndpointId()];
      await deliveries.recordFailure(eventId, a, aFailure());
      await deliveries.recordFailure(eventId, a, aFailure());

      // Act
      const firstForB = await deliveries.recordFailure(eventId, b, aFailure());

      // Assess
      expect(firstForB).toBe(1);
      expect((await readRecord(eventId, a))?.attempts).toBe(2);
    });

    it('creates no record when a delivery that never failed is marked delivered', async () => {
      // Prepare
      const deliveries = repository();
      const eventId = newEventId();
      const delivered = newEndpointId();
      const at = new Date().toISOString();

      // Act
      await deliveries.markDelivered(eventId, delivered, at);

      // Assess
      expect(await readRecord(eventId, delivered)).toBeUndefined();
    });

    it('lists a dead letter by endpoint and type, and forgets it once requeued', async () => {
      // Prepare
      const deliveries = repository();
      const eventId = newEventId();
      const endpointId = newEndpointId();
      const at = new Date().toISOString();
      const mark = {
        at,
        tenant: 'default',
        eventType: 'invoice.paid',
        reason: 'endpoint_disabled' as const,
        attempts: 0,
      };

      // Act
      await deliveries.markDeadLettered(eventId, endpointId, mark);
      const listed = await deliveries.deadLetters({ endpointId, limit: 10 });
      const otherType = await deliveries.deadLetters({
        endpointId,
        eventType: 'customer.created',
        limit: 10,
      });
      await deliveries.requeue(eventId, endpointId, at);
      const afterRequeue = await deliveries.deadLetters({ endpointId, limit: 10 });

      // Assess
      expect(listed.items).toMatchObject([
        { eventId, endpointId, reason: 'endpoint_disabled', status: 'dead_lettered' },
      ]);
      expect(otherType.items).toEqual([]);
      expect(afterRequeue.items).toEqual([]);
      expect(await readRecord(eventId, endpointId)).toMatchObject({
        status: 'requeued',
        attempts: 0,
      });
    });

    it('marks a delivery that had failed as delivered, keeping its attempts', async () => {
      // Prepare
      const deliveries = repository();
      const eventId = newEventId();
      const endpointId = newEndpointId();
      await deliveries.recordFailure(eventId, endpointId, aFailure());
      await deliveries.recordFailure(eventId, endpointId, aFailure());
      const at = new Date().toISOString();

      // Act
      await deliveries.markDelivered(eventId, endpointId, at);

      // Assess
      expect(await readRecord(eventId, endpointId)).toMatchObject({
        status: 'delivered',
        finishedAt: at,
        attempts: 2,
      });
    });

    it('marks a delivery that kept failing as dead-lettered', async () => {
      // Prepare
      const deliveries = repository();
      const eventId = newEventId();
      const endpointId = newEndpointId();
      for (let i = 0; i < 6; i++) {
        await deliveries.recordFailure(eventId, endpointId, aFailure({ status: 503 }));
      }
      const at = new Date().toISOString();

      // Act
      await deliveries.markDeadLettered(eventId, endpointId, {
        tenant: 'default',
        at,
        eventType: 'invoice.paid',
        reason: 'max_attempts',
        attempts: 6,
      });

      // Assess
      expect(await readRecord(eventId, endpointId)).toMatchObject({
        status: 'dead_lettered',
        finishedAt: at,
        attempts: 6,
        lastStatus: 503,
      });
    });
  });
});

/**
 * DynamoIdempotencyRepository against real DynamoDB protocol servers: dynalite (what `npm start`
 * runs on) and Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both stand-ins
 * (test/support/storage.ts).
 */
import { describe, expect, it } from 'vitest';
import { DynamoIdempotencyRepository } from '../../../lambda/adapters/dynamo/idempotency-store';
import { anIdempotencyRecord, describeOnBothStandIns, unique } from '../../support/storage';

describeOnBothStandIns('idempotency-store', (db) => {
  describe('DynamoIdempotencyRepository', () => {
    const TTL_SECONDS = 24 * 60 * 60;
    const repository = () =>
      new DynamoIdempotencyRepository(db.documentClient, db.tableNames.idempotency);

    it('lets the first claim through and answers the second with the first record', async () => {
      // Prepare
      const idempotency = repository();
      const first = anIdempotencyRecord();
      const retry = anIdempotencyRecord({ key: first.key });

      // Act
      const firstAnswer = await idempotency.claim(first, TTL_SECONDS);
      const retryAnswer = await idempotency.claim(retry, TTL_SECONDS);

      // Assess
      expect(firstAnswer).toBeUndefined();
      expect(retryAnswer).toMatchObject(first);
    });

    it('lets a key whose record has expired be claimed again', async () => {
      // Prepare
      const idempotency = repository();
      const stale = anIdempotencyRecord();
      await idempotency.claim(stale, -60);
      const fresh = anIdempotencyRecord({ key: stale.key });

      // Act
      const freshAnswer = await idempotency.claim(fresh, TTL_SECONDS);
      const laterAnswer = await idempotency.claim(anIdempotencyRecord({ key: stale.key }), 60);

      // Assess
      expect(freshAnswer).toBeUndefined();
      expect(laterAnswer).toMatchObject(fresh);
      expect(laterAnswer?.eventId).not.toBe(stale.eventId);
    });

    it('takes over a lock only from the holder it expected', async () => {
      // Prepare
      const idempotency = repository();
      const record = anIdempotencyRecord({ lockedUntil: Date.now() - 1_000 });
      await idempotency.claim(record, TTL_SECONDS);
      const newLock = Date.now() + 30_000;

      // Act
      const withStaleExpectation = await idempotency.takeOver(
        record.key,
        record.lockedUntil + 1,
        newLock,
      );
      const withExpected = await idempotency.takeOver(record.key, record.lockedUntil, newLock);
      const secondTaker = await idempotency.takeOver(record.key, record.lockedUntil, newLock + 1);
      const unknownKey = await idempotency.takeOver(`key#${unique('missing')}`, 0, newLock);

      // Assess
      expect(withStaleExpectation).toBe(false);
      expect(withExpected).toBe(true);
      expect(secondTaker).toBe(false);
      expect(unknownKey).toBe(false);
      const now = await idempotency.claim(anIdempotencyRecord({ key: record.key }), 60);
      expect(now).toMatchObject({ ...record, lockedUntil: newLock });
    });

    it('releases a lock by setting lockedUntil to 0', async () => {
      // Prepare
      const idempotency = repository();
      const record = anIdempotencyRecord({ lockedUntil: Date.now() + 30_000 });
      await idempotency.claim(record, TTL_SECONDS);

      // Act
      await idempotency.release(record.key);

      // Assess
      const after = await idempotency.claim(anIdempotencyRecord({ key: record.key }), 60);
      expect(after).toMatchObject({ ...record, lockedUntil: 0 });
      expect(await idempotency.takeOver(record.key, 0, Date.now() + 30_000)).toBe(true);
    });

    it('lets exactly one of 20 concurrent claims of one key through', async () => {
      // Prepare
      const idempotency = repository();
      const key = `key#${unique('race')}`;
      const contenders = Array.from({ length: 20 }, () => anIdempotencyRecord({ key }));

      // Act
      const answers = await Promise.all(contenders.map((c) => idempotency.claim(c, TTL_SECONDS)));

      // Assess
      const winners = contenders.filter((_, i) => answers[i] === undefined);
      expect(winners).toHaveLength(1);
      const losersSaw = answers.filter((a) => a !== undefined).map((a) => a?.eventId);
      expect(losersSaw).toEqual(Array(19).fill(winners[0]?.eventId));
    });

    it('lets exactly one of 20 concurrent claims of an expired key through', async () => {
      // Prepare
      const idempotency = repository();
      const stale = anIdempotencyRecord();
      await idempotency.claim(stale, -60);
      const contenders = Array.from({ length: 20 }, () => anIdempotencyRecord({ key: stale.key }));

      // Act
      const answers = await Promise.all(contenders.map((c) => idempotency.claim(c, TTL_SECONDS)));

      // Assess
      const winners = contenders.filter((_, i) => answers[i] === undefined);
      expect(winners).toHaveLength(1);
      expect(answers.filter((a) => a?.eventId === winners[0]?.eventId)).toHaveLength(19);
    });
  });
});

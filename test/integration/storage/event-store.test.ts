/**
 * DynamoEventRepository against real DynamoDB protocol servers: dynalite (what `npm start` runs on)
 * and Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both stand-ins
 * (test/support/storage.ts).
 */
import { describe, expect, it } from 'vitest';
import { DynamoEventRepository } from '../../../lambda/adapters/dynamo/event-store';
import { deliveryBody } from '../../../lambda/domain/event';
import { newEventId } from '../../../lambda/domain/ids';
import {
  aNearLimitEvent,
  anEvent,
  awkwardData,
  describeOnBothStandIns,
  RETENTION_DAYS,
  unique,
} from '../../support/storage';

describeOnBothStandIns('event-store', (db) => {
  describe('DynamoEventRepository', () => {
    const repository = () =>
      new DynamoEventRepository(db.documentClient, db.tableNames.events, RETENTION_DAYS);

    it('stores 60 events in one call and reads each back', async () => {
      // Prepare
      const events = repository();
      const stored = Array.from({ length: 60 }, (_, i) =>
        anEvent({ data: { sequence: i, invoiceId: unique('in') } }),
      );

      // Act
      await events.putNew(stored);
      const read = await Promise.all(stored.map((event) => events.get(event.id, event.tenant)));

      // Assess
      expect(read).toEqual(stored);
    });

    it('pages one tenant’s events by time over the half-open range [since, until)', async () => {
      // Prepare
      const events = repository();
      const tenant = unique('tenant');
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
      const stored = Array.from({ length: 7 }, (_, i) => anEvent({ tenant, timestamp: at(i) }));
      await events.putNew([...stored, anEvent({ tenant: unique('other'), timestamp: at(3) })]);
      const range = { since: at(1), until: at(5) };

      // Act
      const first = await events.page(tenant, range, undefined, 2);
      const rest = await events.page(tenant, range, first.cursor, 10);

      // Assess
      expect(first.items.map((e) => e.timestamp)).toEqual([at(1), at(2)]);
      expect(rest.items).toEqual(stored.slice(3, 5));
      expect(rest.cursor).toBeUndefined();
    });

    it('gives data back exactly: large integers, nesting, unicode, key order', async () => {
      // Prepare
      const events = repository();
      const event = anEvent({ data: awkwardData });

      // Act
      await events.putNew([event]);
      const read = await events.get(event.id, event.tenant);

      // Assess
      expect(read?.data).toEqual(awkwardData);
      expect((read?.data as typeof awkwardData | undefined)?.amount).toBe(2432232314);
      expect(read && deliveryBody(read)).toBe(deliveryBody(event));
    });

    it('stores an event of no subscribers and scalar data', async () => {
      // Prepare
      const events = repository();
      const noSubscribers = anEvent({ endpointIds: [], data: 'just a string' });
      const nullData = anEvent({ endpointIds: [], data: null });

      // Act
      await events.putNew([noSubscribers, nullData]);

      // Assess
      expect(await events.get(noSubscribers.id, noSubscribers.tenant)).toEqual(noSubscribers);
      expect(await events.get(nullData.id, nullData.tenant)).toEqual(nullData);
    });

    it('stores and reads back events just under the 256 KiB limit', async () => {
      // Prepare
      const events = repository();
      const large = [aNearLimitEvent(), aNearLimitEvent(), aNearLimitEvent()];

      // Act
      await events.putNew(large);
      const read = await Promise.all(large.map((event) => events.get(event.id, event.tenant)));

      // Assess
      expect(read).toEqual(large);
    });

    it('never overwrites: a taken id is reported and the stored event stays as it was', async () => {
      // Prepare
      const events = repository();
      const original = anEvent({ tenant: unique('a'), data: { v: 'original' } });
      await events.putNew([original]);
      const hijack = { ...original, tenant: unique('b'), data: { v: 'forged' } };

      // Act
      const taken = await events.putNew([hijack]);

      // Assess
      expect(taken).toEqual([original.id]);
      expect(await events.get(original.id, original.tenant)).toEqual(original);
      expect(await events.get(original.id, hijack.tenant)).toBeUndefined();
    });

    it('keeps a publisher’s own id per tenant: two tenants may use the same id', async () => {
      // Prepare
      const events = repository();
      const id = unique('order');
      const [a, b] = [unique('a'), unique('b')].map((tenant) =>
        anEvent({ id, tenant, data: { tenant } }),
      ) as [ReturnType<typeof anEvent>, ReturnType<typeof anEvent>];

      // Act
      const taken = await events.putNew([a, b]);
      const listed = await events.list(a.tenant, { limit: 10 });

      // Assess
      expect(taken).toEqual([]);
      expect(await events.get(id, a.tenant)).toEqual(a);
      expect(await events.get(id, b.tenant)).toEqual(b);
      expect(listed.items.map((e) => e.id)).toEqual([id]);
    });

    it('answers undefined for an unknown event id', async () => {
      // Prepare
      const events = repository();

      // Act
      const read = await events.get(newEventId(), 'default');

      // Assess
      expect(read).toBeUndefined();
    });
  });
});

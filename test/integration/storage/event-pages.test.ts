/**
 * Event pages (docs/adr/0008): the events of one publish share an item and an index entry,
 * and every promise of the event log holds across pages and items written before them.
 */
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../lambda/adapters/dynamo/cursor';
import { DynamoEventRepository } from '../../../lambda/adapters/dynamo/event-store';
import type { StoredEvent } from '../../../lambda/domain/event';
import { newUlid } from '../../../lambda/domain/ids';
import {
  anEvent,
  aPageOfEvents,
  describeOnBothStandIns,
  RETENTION_DAYS,
  unique,
} from '../../support/storage';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);

describeOnBothStandIns('event-pages', (db) => {
  const repository = () =>
    new DynamoEventRepository(db.documentClient, db.tableNames.events, RETENTION_DAYS);
  const itemsOfTenant = async (tenant: string) =>
    (
      await db.documentClient.send(
        new ScanCommand({
          TableName: db.tableNames.events,
          FilterExpression: 'tenant = :t',
          ExpressionAttributeValues: { ':t': tenant },
        }),
      )
    ).Items ?? [];
  /** An event as Hookline stored it before 0.4: an item of its own under its generated id. */
  const storeTheOldWay = async (event: StoredEvent) => {
    const { data, ...rest } = event;
    await db.documentClient.send(
      new PutCommand({
        TableName: db.tableNames.events,
        Item: { ...rest, dataJson: JSON.stringify(data), expiresAt: 4_000_000_000 },
      }),
    );
  };

  describe('a publish of 100 events', () => {
    it('is one item, and each event reads back by its own id', async () => {
      // Prepare
      const events = repository();
      const page = aPageOfEvents(100);

      // Act
      const taken = await events.putNew(page);
      const read = await events.getMany(page.map(({ id, tenant }) => ({ id, tenant })));

      // Assess
      expect(taken).toEqual([]);
      expect(await itemsOfTenant(page[0]?.tenant as string)).toHaveLength(1);
      expect(read).toEqual(page);
      expect(await events.get(page[57]?.id as string, page[57]?.tenant as string)).toEqual(
        page[57],
      );
      expect(await events.get(page[57]?.id as string, unique('other'))).toBeUndefined();
    });

    it('is refused whole when its page exists, and what is stored stays', async () => {
      // Prepare
      const events = repository();
      const page = aPageOfEvents(3);
      await events.putNew(page);
      const rewrite = page.map((event) => ({ ...event, data: { rewritten: true } }));

      // Act
      const taken = await events.putNew(rewrite);

      // Assess
      expect(taken.sort()).toEqual(ids(page).sort());
      expect(await events.getMany(page)).toEqual(page);
    });
  });

  describe('listing by time', () => {
    it('walks into a page: each event once, newest first, then oldest first for replay', async () => {
      // Prepare
      const events = repository();
      const tenant = unique('tenant');
      const older = aPageOfEvents(25, { tenant, timestamp: at(1) });
      const newer = aPageOfEvents(25, { tenant, timestamp: at(2) });
      await events.putNew([...older, ...newer]);

      // Act
      const listed: string[] = [];
      let cursor: string | undefined;
      let calls = 0;
      do {
        const page = await events.list(tenant, { limit: 10, ...(cursor && { cursor }) });
        listed.push(...ids(page.items));
        cursor = page.cursor;
        calls++;
      } while (cursor !== undefined && calls < 20);
      const replayed: string[] = [];
      cursor = undefined;
      do {
        const page = await events.page(tenant, { since: at(0), until: at(3) }, cursor, 7);
        replayed.push(...ids(page.items));
        cursor = page.cursor;
      } while (cursor !== undefined && replayed.length < 100);

      // Assess
      expect(listed).toEqual([...ids(newer).reverse(), ...ids(older).reverse()]);
      expect(replayed).toEqual([...ids(older), ...ids(newer)]);
    });

    it('walks 30 pages in listings that end inside pages and between them', async () => {
      // Prepare
      const events = repository();
      const tenant = unique('tenant');
      const pages = Array.from({ length: 30 }, (_, minute) =>
        aPageOfEvents(1 + (minute % 3), { tenant, timestamp: at(minute) }),
      );
      await events.putNew(pages.flat());

      // Act: 4 at a time, and 40, more rows than are read in one go
      const walk = async (limit: number) => {
        const replayed: string[] = [];
        let cursor: string | undefined;
        let calls = 0;
        do {
          const page = await events.page(tenant, { since: at(0), until: at(60) }, cursor, limit);
          replayed.push(...ids(page.items));
          cursor = page.cursor;
          calls++;
        } while (cursor !== undefined && calls < 100);
        return replayed;
      };

      // Assess
      expect(await walk(4)).toEqual(ids(pages.flat()));
      expect(await walk(40)).toEqual(ids(pages.flat()));
    });

    it('filters by type inside a page of mixed types', async () => {
      // Prepare
      const events = repository();
      const tenant = unique('tenant');
      const mixed = aPageOfEvents(6, { tenant, timestamp: at(1) }).map((event, i) =>
        i % 2 === 0 ? event : { ...event, type: 'customer.created' },
      );
      const invoices = aPageOfEvents(2, { tenant, timestamp: at(2) });
      await events.putNew([...mixed, ...invoices]);

      // Act
      const page = await events.list(tenant, { type: 'customer.created', limit: 10 });

      // Assess
      expect(ids(page.items)).toEqual(
        ids(mixed.filter((e) => e.type === 'customer.created')).reverse(),
      );
    });

    it('keeps the half-open range [since, until) across pages', async () => {
      // Prepare
      const events = repository();
      const tenant = unique('tenant');
      const pages = [0, 1, 2, 3].map((minute) =>
        aPageOfEvents(3, { tenant, timestamp: at(minute) }),
      );
      await events.putNew(pages.flat());

      // Act
      const page = await events.page(tenant, { since: at(1), until: at(3) }, undefined, 100);

      // Assess
      expect(ids(page.items)).toEqual(ids([...(pages[1] ?? []), ...(pages[2] ?? [])]));
    });
  });

  describe('events stored before pages (0.3)', () => {
    it('are read by id, in bulk, listed beside pages, and by an old cursor', async () => {
      // Prepare
      const events = repository();
      const tenant = unique('tenant');
      const old = [at(1), at(2)].map((timestamp) =>
        anEvent({ tenant, timestamp, id: `msg_${newUlid()}` }),
      );
      for (const event of old) await storeTheOldWay(event);
      const paged = aPageOfEvents(2, { tenant, timestamp: at(3) });
      await events.putNew(paged);
      // What a 0.3 listing handed out: the index's LastEvaluatedKey of the newest old event.
      const oldCursor = encodeCursor({
        id: old[1]?.id,
        tenant,
        timestamp: at(2),
      });

      // Act
      const one = await events.get(old[0]?.id as string, tenant);
      const many = await events.getMany([...old, ...paged]);
      const listed = await events.list(tenant, { limit: 10 });
      const afterOldCursor = await events.list(tenant, { limit: 10, cursor: oldCursor });

      // Assess
      expect(one).toEqual(old[0]);
      expect(many).toEqual([...old, ...paged]);
      expect(ids(listed.items)).toEqual([...ids(paged).reverse(), ...ids(old).reverse()]);
      expect(ids(afterOldCursor.items)).toEqual([old[0]?.id]);
    });
  });
});

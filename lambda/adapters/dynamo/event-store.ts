import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/event';
import { isEventPageKey, isGeneratedEventId, pageOfEventId } from '../../domain/ids';
import type { EventLog } from '../../domain/jobs';
import type { EventRepository } from '../../domain/ports';
import { isConditionFailure } from './condition';
import type { Page } from './cursor';
import { decodePage, type EventPageItem, encodePage } from './event-page-codec';
import { type IndexRow, readByTime } from './event-time-index';

export interface EventSummary {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly timestamp: string;
}

/**
 * The item key of an event stored on its own: a publisher's own id lives in its tenant's
 * namespace (`t#<tenant>#<id>`), so no tenant can reach another's event, or one Hookline
 * generated, by naming its id. Generated ids before 0.4 were keyed as they are; newer ones
 * live in pages (docs/adr/0008).
 */
export const eventKey = (id: string, tenant: string): string =>
  isGeneratedEventId(id) ? id : `t#${tenant}#${id}`;

/** The event id an item key stands for (tenant names have no `#`). */
const idOfKey = (key: string, tenant: string): string =>
  key.startsWith(`t#${tenant}#`) ? key.slice(tenant.length + 3) : key;

/**
 * An event on its own item: `data` is kept as JSON text: DynamoDB numbers cannot hold every
 * JSON number exactly, and the text is what receivers get anyway.
 */
interface EventItem extends Omit<StoredEvent, 'data'> {
  readonly dataJson: string;
  readonly expiresAt: number;
}

function fromItem(item: EventItem): StoredEvent {
  const { dataJson, expiresAt: _, id, ...rest } = item;
  return { ...rest, id: idOfKey(id, item.tenant), data: JSON.parse(dataJson) };
}

/** The events an item holds: a page's, or the single event of an older item. */
const eventsOfItem = (item: Record<string, unknown>): StoredEvent[] =>
  isEventPageKey(item.id as string)
    ? decodePage(item as unknown as EventPageItem)
    : [fromItem(item as unknown as EventItem)];

export class DynamoEventRepository implements EventRepository, EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  /**
   * One conditional put per page of generated ids, and per event with a publisher's id
   * (BatchWriteItem cannot refuse to overwrite). A page found taken makes all its ids taken.
   */
  async putNew(events: readonly StoredEvent[]): Promise<string[]> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
    const pages = new Map<string, StoredEvent[]>();
    const own: StoredEvent[] = [];
    for (const event of events) {
      if (!isGeneratedEventId(event.id)) own.push(event);
      else {
        const key = pageOfEventId(event.id).key;
        const page = pages.get(key);
        if (page) page.push(event);
        else pages.set(key, [event]);
      }
    }
    const writes = [
      ...[...pages.values()].map((page) => ({
        ids: page.map((e) => e.id),
        item: encodePage(page, expiresAt) as unknown as Record<string, unknown>,
      })),
      ...own.map(({ data, ...rest }) => ({
        ids: [rest.id],
        item: {
          ...rest,
          id: eventKey(rest.id, rest.tenant),
          dataJson: JSON.stringify(data),
          expiresAt,
        } satisfies EventItem as Record<string, unknown>,
      })),
    ];
    const taken = await Promise.all(
      writes.map(async ({ ids, item }) => {
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(id)',
            }),
          );
          return [];
        } catch (error) {
          if (isConditionFailure(error)) return ids;
          throw error;
        }
      }),
    );
    return taken.flat();
  }

  async get(id: string, tenant: string): Promise<StoredEvent | undefined> {
    const event = isGeneratedEventId(id)
      ? await this.findGenerated(id)
      : await this.getByKey(eventKey(id, tenant), id);
    return event?.tenant === tenant ? event : undefined;
  }

  async getMany(
    refs: readonly { id: string; tenant: string }[],
  ): Promise<(StoredEvent | undefined)[]> {
    const found = new Map<string, StoredEvent>();
    const take = (items: Record<string, unknown>[]) => {
      for (const item of items) {
        for (const event of eventsOfItem(item)) found.set(`${event.tenant}#${event.id}`, event);
      }
    };
    const keyOf = ({ id, tenant }: { id: string; tenant: string }) =>
      isGeneratedEventId(id) ? pageOfEventId(id).key : eventKey(id, tenant);
    take(await this.readItems(refs.map(keyOf), true));
    // Generated ids from before pages (0.4) are items of their own.
    const older = refs.filter((r) => isGeneratedEventId(r.id) && !found.has(`${r.tenant}#${r.id}`));
    if (older.length > 0)
      take(
        await this.readItems(
          older.map((r) => r.id),
          true,
        ),
      );
    return refs.map(({ id, tenant }) => found.get(`${tenant}#${id}`));
  }

  /** An event by an id Hookline generated, whatever its tenant (the caller checks it). */
  async findGenerated(id: string): Promise<StoredEvent | undefined> {
    if (!isGeneratedEventId(id)) return undefined;
    return (await this.getByKey(pageOfEventId(id).key, id)) ?? (await this.getByKey(id, id));
  }

  /**
   * Like {@link get}, and also finds a publisher-keyed event stored before ids were
   * namespaced by tenant (bare key), when it belongs to `tenant`.
   */
  async getIncludingLegacy(id: string, tenant: string): Promise<StoredEvent | undefined> {
    const event = await this.get(id, tenant);
    if (event !== undefined || isGeneratedEventId(id)) return event;
    const legacy = await this.getByKey(id, id);
    return legacy?.tenant === tenant ? legacy : undefined;
  }

  private async getByKey(key: string, eventId: string): Promise<StoredEvent | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: key }, ConsistentRead: true }),
    );
    return result.Item ? eventsOfItem(result.Item).find((e) => e.id === eventId) : undefined;
  }

  /** One tenant's events with `since <= timestamp < until`, oldest first (replay). */
  async page(
    tenant: string,
    range: { since: string; until: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: StoredEvent[]; cursor?: string }> {
    return readByTime(
      { client: this.client, tableName: this.tableName },
      { tenant, since: range.since, until: range.until, newestFirst: false, limit, cursor },
      async (rows) => this.expand(rows),
    );
  }

  /** One tenant's events, newest first: id, type and timestamp. */
  async list(
    tenant: string,
    options: { since?: string; until?: string; type?: string; limit: number; cursor?: string },
  ): Promise<Page<EventSummary>> {
    const page = await readByTime(
      { client: this.client, tableName: this.tableName },
      {
        tenant,
        since: options.since ?? '0000',
        ...(options.until !== undefined && { until: options.until }),
        newestFirst: true,
        limit: options.limit,
        cursor: options.cursor,
        ...(options.type !== undefined && { type: options.type }),
      },
      async (rows) => this.expand(rows, options.type),
    );
    return {
      items: page.items.map(({ id, type, tenant: owner, timestamp }) => ({
        id,
        type,
        tenant: owner,
        timestamp,
      })),
      ...(page.cursor !== undefined && { cursor: page.cursor }),
    };
  }

  /** The events behind index rows, row by row, each row's in id order. */
  private async expand(rows: readonly IndexRow[], type?: string): Promise<StoredEvent[][]> {
    const items = new Map(
      (
        await this.readItems(
          rows.map((r) => r.id),
          false,
        )
      ).map((item) => [item.id as string, item]),
    );
    return rows.map((row) => {
      const item = items.get(row.id);
      const events = item ? eventsOfItem(item) : [];
      return type === undefined ? events : events.filter((e) => e.type === type);
    });
  }

  /** Items by key, 100 per BatchGetItem; absent keys are left out. */
  private async readItems(
    keys: readonly string[],
    consistent: boolean,
  ): Promise<Record<string, unknown>[]> {
    const unique = [...new Set(keys)];
    const items: Record<string, unknown>[] = [];
    for (let start = 0; start < unique.length; start += 100) {
      let batch: Record<string, unknown>[] = unique.slice(start, start + 100).map((id) => ({ id }));
      for (let round = 0; batch.length > 0; round++) {
        if (round === 8) throw new Error(`${batch.length} events stayed unread`);
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: consistent } },
          }),
        );
        items.push(...(result.Responses?.[this.tableName] ?? []));
        batch = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }
}

import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/event';
import { isGeneratedEventId } from '../../domain/ids';
import type { EventLog } from '../../domain/jobs';
import type { EventRepository } from '../../domain/ports';
import { isConditionFailure } from './condition';
import { decodeCursor, encodeCursor, type Page } from './cursor';

export interface EventSummary {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly timestamp: string;
}

/**
 * The item key of an event. Ids Hookline generates are unique everywhere and keyed as they
 * are; a publisher's own id lives in its tenant's namespace (`t#<tenant>#<id>`), so no tenant
 * can reach another's event, or one Hookline generated, by naming its id.
 */
export const eventKey = (id: string, tenant: string): string =>
  isGeneratedEventId(id) ? id : `t#${tenant}#${id}`;

/** The event id an item key stands for (tenant names have no `#`). */
const idOfKey = (key: string, tenant: string): string =>
  key.startsWith(`t#${tenant}#`) ? key.slice(tenant.length + 3) : key;

/**
 * `data` is kept as JSON text: DynamoDB numbers cannot hold every JSON number exactly, and
 * the text is what receivers get anyway. `id` is the item key (see {@link eventKey}).
 */
interface EventItem extends Omit<StoredEvent, 'data'> {
  readonly dataJson: string;
  readonly expiresAt: number;
}

function fromItem(item: EventItem): StoredEvent {
  const { dataJson, expiresAt: _, id, ...rest } = item;
  return { ...rest, id: idOfKey(id, item.tenant), data: JSON.parse(dataJson) };
}

export class DynamoEventRepository implements EventRepository, EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  /** One conditional put per event (BatchWriteItem cannot refuse to overwrite). */
  async putNew(events: readonly StoredEvent[]): Promise<string[]> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
    const taken = await Promise.all(
      events.map(async ({ data, ...rest }) => {
        const item: EventItem = {
          ...rest,
          id: eventKey(rest.id, rest.tenant),
          dataJson: JSON.stringify(data),
          expiresAt,
        };
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
          if (isConditionFailure(error)) return [rest.id];
          throw error;
        }
      }),
    );
    return taken.flat();
  }

  async get(id: string, tenant: string): Promise<StoredEvent | undefined> {
    const event = await this.getByKey(eventKey(id, tenant));
    return event?.tenant === tenant ? event : undefined;
  }

  /** An event by an id Hookline generated, whatever its tenant (the caller checks it). */
  async findGenerated(id: string): Promise<StoredEvent | undefined> {
    return isGeneratedEventId(id) ? this.getByKey(id) : undefined;
  }

  /**
   * Like {@link get}, and also finds a publisher-keyed event stored before ids were
   * namespaced by tenant (bare key), when it belongs to `tenant`.
   */
  async getIncludingLegacy(id: string, tenant: string): Promise<StoredEvent | undefined> {
    const event = await this.get(id, tenant);
    if (event !== undefined || isGeneratedEventId(id)) return event;
    const legacy = await this.getByKey(id);
    return legacy?.tenant === tenant ? legacy : undefined;
  }

  private async getByKey(key: string): Promise<StoredEvent | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: key }, ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item as EventItem) : undefined;
  }

  async page(
    tenant: string,
    range: { since: string; until: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: StoredEvent[]; cursor?: string }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byTenantTime',
        KeyConditionExpression: 'tenant = :tenant AND #ts BETWEEN :since AND :last',
        ExpressionAttributeNames: { '#ts': 'timestamp' },
        ExpressionAttributeValues: {
          ':tenant': tenant,
          ':since': range.since,
          // BETWEEN is inclusive; stored timestamps have millisecond precision, so the last
          // millisecond before `until` makes the range half-open.
          ':last': new Date(Date.parse(range.until) - 1).toISOString(),
        },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    // The index holds keys and type only; the events themselves are read by key.
    const ids = (result.Items ?? []).map((item) => item.id as string);
    return {
      items: await this.getMany(ids),
      ...(result.LastEvaluatedKey && { cursor: encodeCursor(result.LastEvaluatedKey) }),
    };
  }

  /** One tenant's events, newest first, as the index has them: id, type and timestamp. */
  async list(
    tenant: string,
    options: { since?: string; until?: string; type?: string; limit: number; cursor?: string },
  ): Promise<Page<EventSummary>> {
    const since = options.since ?? '0000';
    const last = options.until
      ? new Date(Date.parse(options.until) - 1).toISOString()
      : '9999-12-31T23:59:59.999Z';
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byTenantTime',
        KeyConditionExpression: 'tenant = :tenant AND #ts BETWEEN :since AND :last',
        ...(options.type && { FilterExpression: '#type = :type' }),
        ExpressionAttributeNames: { '#ts': 'timestamp', ...(options.type && { '#type': 'type' }) },
        ExpressionAttributeValues: {
          ':tenant': tenant,
          ':since': since,
          ':last': last,
          ...(options.type && { ':type': options.type }),
        },
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: decodeCursor(options.cursor),
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => ({
        id: idOfKey(item.id as string, item.tenant as string),
        type: item.type as string,
        tenant: item.tenant as string,
        timestamp: item.timestamp as string,
      })),
      ...(result.LastEvaluatedKey && { cursor: encodeCursor(result.LastEvaluatedKey) }),
    };
  }

  /** Events by item key, in the order asked, 100 per BatchGetItem. */
  private async getMany(ids: readonly string[]): Promise<StoredEvent[]> {
    const found = new Map<string, StoredEvent>();
    for (let start = 0; start < ids.length; start += 100) {
      let keys: Record<string, unknown>[] = ids.slice(start, start + 100).map((id) => ({ id }));
      for (let round = 0; keys.length > 0; round++) {
        if (round === 8) throw new Error(`${keys.length} events stayed unread`);
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          found.set(item.id as string, fromItem(item as EventItem));
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return ids.flatMap((id) => {
      const event = found.get(id);
      return event ? [event] : [];
    });
  }
}

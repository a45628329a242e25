import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/event';
import type { EventLog } from '../../domain/jobs';
import type { EventRepository } from '../../domain/ports';
import { batchPut } from './batch-write';
import { decodeCursor, encodeCursor } from './cursor';

/**
 * `data` is kept as JSON text: DynamoDB numbers cannot hold every JSON number exactly, and
 * the text is what receivers get anyway.
 */
interface EventItem extends Omit<StoredEvent, 'data'> {
  readonly dataJson: string;
  readonly expiresAt: number;
}

function fromItem(item: EventItem): StoredEvent {
  const { dataJson, expiresAt: _, ...rest } = item;
  return { ...rest, data: JSON.parse(dataJson) };
}

export class DynamoEventRepository implements EventRepository, EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async putMany(events: readonly StoredEvent[]): Promise<void> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
    const items = events.map(
      ({ data, ...rest }): EventItem => ({
        ...rest,
        dataJson: JSON.stringify(data),
        expiresAt,
      }),
    );
    await batchPut(this.client, this.tableName, items as unknown as Record<string, unknown>[]);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
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
        KeyConditionExpression: 'tenant = :tenant AND #ts BETWEEN :since AND :until',
        // BETWEEN includes `until`; the range is half-open.
        FilterExpression: '#ts < :until',
        ExpressionAttributeNames: { '#ts': 'timestamp' },
        ExpressionAttributeValues: {
          ':tenant': tenant,
          ':since': range.since,
          ':until': range.until,
        },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    return {
      items: ((result.Items ?? []) as EventItem[]).map(fromItem),
      ...(result.LastEvaluatedKey && { cursor: encodeCursor(result.LastEvaluatedKey) }),
    };
  }
}

import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/event';
import type { EventRepository } from '../../domain/ports';
import { batchPut } from './batch-write';

/**
 * `data` is kept as JSON text: DynamoDB numbers cannot hold every JSON number exactly, and
 * the text is what receivers get anyway.
 */
interface EventItem extends Omit<StoredEvent, 'data'> {
  readonly dataJson: string;
  readonly expiresAt: number;
}

export class DynamoEventRepository implements EventRepository {
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
    if (!result.Item) return undefined;
    const { dataJson, expiresAt: _, ...rest } = result.Item as EventItem;
    return { ...rest, data: JSON.parse(dataJson) };
  }
}

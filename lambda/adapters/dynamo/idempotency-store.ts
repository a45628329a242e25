import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyRepository } from '../../domain/ports';
import { isConditionFailure } from './condition';

export class DynamoIdempotencyRepository implements IdempotencyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    record: IdempotencyRecord,
    ttlSeconds: number,
  ): Promise<IdempotencyRecord | undefined> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, expiresAt: nowSeconds + ttlSeconds },
          // DynamoDB deletes expired items lazily: treat an expired record as absent.
          ConditionExpression: 'attribute_not_exists(#key) OR expiresAt < :now',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { key: record.key }, ConsistentRead: true }),
    );
    return existing.Item as IdempotencyRecord | undefined;
  }

  async takeOver(key: string, expectedLockedUntil: number, lockedUntil: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { key },
          UpdateExpression: 'SET lockedUntil = :new',
          ConditionExpression: 'lockedUntil = :expected',
          ExpressionAttributeValues: { ':new': lockedUntil, ':expected': expectedLockedUntil },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(key: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { key },
        UpdateExpression: 'SET lockedUntil = :zero',
        ConditionExpression: 'attribute_exists(#key)',
        ExpressionAttributeNames: { '#key': 'key' },
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }
}

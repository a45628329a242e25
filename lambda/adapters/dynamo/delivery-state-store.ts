import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStateRepository, FailureDetail } from '../../domain/ports';
import { isConditionFailure } from './condition';

/** Delivery records exist only for deliveries that failed at least once. */
export class DynamoDeliveryStateRepository implements DeliveryStateRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  private expiresAt(): number {
    return Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
  }

  async recordFailure(eventId: string, endpointId: string, detail: FailureDetail): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { eventId, endpointId },
        UpdateExpression:
          'ADD attempts :one SET #status = :retrying, lastAttemptAt = :at, lastError = :error, lastStatus = :code, expiresAt = :exp',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':retrying': 'retrying',
          ':at': detail.at,
          ':error': detail.error ?? null,
          ':code': detail.status ?? null,
          ':exp': this.expiresAt(),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.attempts ?? 1);
  }

  private async setStatus(eventId: string, endpointId: string, status: string, at: string) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId, endpointId },
          UpdateExpression: 'SET #status = :status, finishedAt = :at',
          ConditionExpression: 'attribute_exists(eventId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  markDelivered(eventId: string, endpointId: string, at: string): Promise<void> {
    return this.setStatus(eventId, endpointId, 'delivered', at);
  }

  markDeadLettered(eventId: string, endpointId: string, at: string): Promise<void> {
    return this.setStatus(eventId, endpointId, 'dead_lettered', at);
  }
}

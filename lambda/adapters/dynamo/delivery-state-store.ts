import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { queues } from '#shared/queues';
import type { DeliveryRecords } from '../../domain/jobs';
import type {
  DeadLetterMark,
  DeliveryRecord,
  DeliveryStateRepository,
  FailureDetail,
} from '../../domain/ports';
import { isConditionFailure } from './condition';
import { decodeCursor, encodeCursor, type Page } from './cursor';

/** Delivery records exist only for deliveries that failed at least once or were dead-lettered. */
export class DynamoDeliveryStateRepository implements DeliveryStateRepository, DeliveryRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  private expiresAt(days = this.retentionDays): number {
    return Math.floor(Date.now() / 1000) + days * 86_400;
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

  async markDelivered(eventId: string, endpointId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId, endpointId },
          UpdateExpression: 'SET #status = :status, finishedAt = :at',
          ConditionExpression: 'attribute_exists(eventId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': 'delivered', ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async markDeadLettered(eventId: string, endpointId: string, mark: DeadLetterMark): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { eventId, endpointId },
        UpdateExpression:
          'SET #status = :status, finishedAt = :at, deadLetteredAt = :at, dlqEndpointId = :endpointId, tenant = :tenant, eventType = :type, reason = :reason, attempts = :attempts, expiresAt = :exp',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': 'dead_lettered',
          ':at': mark.at,
          ':endpointId': endpointId,
          ':tenant': mark.tenant,
          ':type': mark.eventType,
          ':reason': mark.reason,
          ':attempts': mark.attempts,
          // Kept as long as SQS keeps the dead letter itself.
          ':exp': Math.max(this.expiresAt(), this.expiresAt(queues.deadLetter.retentionDays)),
        },
      }),
    );
  }

  /** Gives a redriven or replayed delivery a fresh set of attempts and takes it off the DLQ list. */
  async requeue(eventId: string, endpointId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { eventId, endpointId },
        UpdateExpression:
          'SET #status = :status, attempts = :zero, requeuedAt = :at, expiresAt = :exp REMOVE dlqEndpointId, deadLetteredAt, finishedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': 'requeued',
          ':zero': 0,
          ':at': at,
          ':exp': this.expiresAt(),
        },
      }),
    );
  }

  /** The records that exist among `keys`, read 100 at a time. */
  async getMany(
    keys: readonly { eventId: string; endpointId: string }[],
  ): Promise<DeliveryRecord[]> {
    const found: DeliveryRecord[] = [];
    for (let start = 0; start < keys.length; start += 100) {
      let pending: Record<string, unknown>[] = keys
        .slice(start, start + 100)
        .map(({ eventId, endpointId }) => ({ eventId, endpointId }));
      for (let round = 0; pending.length > 0 && round < 8; round++) {
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        found.push(...((result.Responses?.[this.tableName] ?? []) as DeliveryRecord[]));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
      if (pending.length > 0) throw new Error(`${pending.length} delivery records unread`);
    }
    return found;
  }

  /** When each delivery still dead-lettered for this endpoint was dead-lettered, since `since`. */
  async deadLetteredSince(endpointId: string, since: string): Promise<string[]> {
    const times: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'deadLetters',
          KeyConditionExpression: 'dlqEndpointId = :id AND deadLetteredAt >= :since',
          ExpressionAttributeValues: { ':id': endpointId, ':since': since },
          ProjectionExpression: 'deadLetteredAt',
          ExclusiveStartKey: startKey,
        }),
      );
      times.push(...(result.Items ?? []).map((item) => item.deadLetteredAt as string));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return times;
  }

  /** Every delivery record of one event, one per endpoint that ever failed. */
  async forEvent(eventId: string): Promise<DeliveryRecord[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'eventId = :id',
        ExpressionAttributeValues: { ':id': eventId },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []) as DeliveryRecord[];
  }

  /** Dead letters, newest first for one endpoint, or all of them from the sparse index. */
  async deadLetters(options: {
    endpointId?: string;
    eventType?: string;
    /** Only this tenant's; records written before tenants were recorded never match. */
    tenant?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<DeliveryRecord>> {
    const conditions = [
      ...(options.eventType ? [['eventType = :type', ':type', options.eventType]] : []),
      ...(options.tenant ? [['tenant = :tenant', ':tenant', options.tenant]] : []),
    ];
    const typeFilter =
      conditions.length > 0
        ? {
            FilterExpression: conditions.map(([expression]) => expression).join(' AND '),
            typeValue: Object.fromEntries(conditions.map(([, name, value]) => [name, value])),
          }
        : undefined;
    const common = {
      TableName: this.tableName,
      IndexName: 'deadLetters',
      Limit: options.limit,
      ExclusiveStartKey: decodeCursor(options.cursor),
      ...(typeFilter && { FilterExpression: typeFilter.FilterExpression }),
    };
    const result = options.endpointId
      ? await this.client.send(
          new QueryCommand({
            ...common,
            KeyConditionExpression: 'dlqEndpointId = :endpointId',
            ExpressionAttributeValues: {
              ':endpointId': options.endpointId,
              ...typeFilter?.typeValue,
            },
            ScanIndexForward: false,
          }),
        )
      : await this.client.send(
          new ScanCommand({
            ...common,
            ...(typeFilter && { ExpressionAttributeValues: typeFilter.typeValue }),
          }),
        );
    return {
      items: (result.Items ?? []) as DeliveryRecord[],
      ...(result.LastEvaluatedKey && { cursor: encodeCursor(result.LastEvaluatedKey) }),
    };
  }
}

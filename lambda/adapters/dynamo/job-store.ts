import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Job, JobProgress, JobRepository } from '../../domain/jobs';
import { isConditionFailure } from './condition';

const JOB_RETENTION_SECONDS = 7 * 86_400;

export class DynamoJobRepository implements JobRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(job: Job): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...job, expiresAt: Math.floor(Date.now() / 1000) + JOB_RETENTION_SECONDS },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async get(id: string): Promise<Job | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const { expiresAt: _, ...job } = result.Item;
    return job as Job;
  }

  async advance(id: string, page: number, progress: JobProgress, at: string): Promise<boolean> {
    const sets = ['page = :next', '#status = :status', 'updatedAt = :at'];
    if (progress.done) sets.push('finishedAt = :at');
    if (progress.cursor !== undefined) sets.push('#cursor = :cursor');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: `SET ${sets.join(', ')} ADD scanned :scanned, queued :queued${
            progress.cursor === undefined ? ' REMOVE #cursor' : ''
          }`,
          ConditionExpression: 'page = :page',
          ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
          ExpressionAttributeValues: {
            ':next': page + 1,
            ':page': page,
            ':status': progress.done ? 'completed' : 'running',
            ':at': at,
            ':scanned': progress.scanned,
            ':queued': progress.queued,
            ...(progress.cursor !== undefined && { ':cursor': progress.cursor }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

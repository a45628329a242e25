import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttemptLog, AttemptLogEntry } from '../../domain/ports';
import { batchPut } from './batch-write';

export class DynamoAttemptLog implements AttemptLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async append(entries: readonly AttemptLogEntry[]): Promise<void> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
    await batchPut(
      this.client,
      this.tableName,
      entries.map((entry) => ({ ...entry, expiresAt })),
    );
  }
}

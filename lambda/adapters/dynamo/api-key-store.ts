import { createHash, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

export type ApiKeyScope = 'publish' | 'admin';

export interface ApiKeyRecord {
  readonly keyHash: string;
  readonly scope: ApiKeyScope;
  /** First characters of the key, enough to recognise it in a list; never the whole key. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly description?: string;
}

export const hashApiKey = (key: string): string =>
  createHash('sha256').update(key).digest('base64url');

export const generateApiKey = (scope: ApiKeyScope): string =>
  `hk_${scope}_${randomBytes(24).toString('base64url')}`;

export class DynamoApiKeyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(key: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { keyHash: hashApiKey(key) } }),
    );
    return result.Item as ApiKeyRecord | undefined;
  }

  /** Stores the hash of `key`; the key itself is never written anywhere. */
  async store(key: string, scope: ApiKeyScope, description?: string): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = {
      keyHash: hashApiKey(key),
      scope,
      prefix: key.slice(0, 12),
      createdAt: new Date().toISOString(),
      ...(description !== undefined && { description }),
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: record }));
    return record;
  }
}

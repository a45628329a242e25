/**
 * API keys written straight into the keys table (stack output ApiKeysTableName): the way in
 * before there is any admin key to call the API with. The record is the one Hookline's
 * authorizer reads (lambda/adapters/dynamo/api-key-store.ts); test/cli proves a key made here
 * authenticates and is listed by the API under the same id.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { CliError } from './errors.js';

export type Scope = 'admin' | 'publish';

/** A key as it is stored: its hash, never the key. */
export interface KeyRecord {
  readonly keyHash: string;
  readonly scope: Scope;
  readonly tenant?: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly description?: string;
}

/** A key as the CLI and the API show it. */
export interface KeyView {
  readonly id: string;
  readonly scope: Scope;
  readonly tenant?: string;
  readonly prefix: string;
  readonly description?: string;
  readonly createdAt: string;
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('base64url');
/** Random characters kept beside the hash to recognise a key by; too few to use it. */
const PREFIX_RANDOM_CHARS = 6;
const idOf = (keyHash: string) => `key_${keyHash.slice(0, 22)}`;

const view = (record: KeyRecord): KeyView => ({
  id: idOf(record.keyHash),
  scope: record.scope,
  ...(record.tenant !== undefined && { tenant: record.tenant }),
  prefix: record.prefix,
  ...(record.description !== undefined && { description: record.description }),
  createdAt: record.createdAt,
});

function failure(table: string, error: unknown): CliError {
  const { name, message } = error as Error;
  return new CliError(`cannot use the keys table ${table}: ${name}: ${message}`);
}

export class KeysTable {
  private readonly client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  constructor(private readonly table: string) {}

  async create(
    scope: Scope,
    options: { tenant?: string; description?: string },
  ): Promise<KeyView & { key: string }> {
    const key = `hk_${scope}_${randomBytes(24).toString('base64url')}`;
    const record: KeyRecord = {
      keyHash: hashOf(key),
      scope,
      prefix: key.slice(0, `hk_${scope}_`.length + PREFIX_RANDOM_CHARS),
      createdAt: new Date().toISOString(),
      ...(options.tenant !== undefined && { tenant: options.tenant }),
      ...(options.description !== undefined && { description: options.description }),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: record,
          ConditionExpression: 'attribute_not_exists(keyHash)',
        }),
      );
    } catch (error) {
      throw failure(this.table, error);
    }
    return { ...view(record), key };
  }

  async list(): Promise<KeyView[]> {
    return (await this.records()).map(view).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Deletes the one key named by its id, its prefix, or the whole key. */
  async revoke(name: string): Promise<KeyView> {
    const records = await this.records();
    const exact = records.find((r) => idOf(r.keyHash) === name || r.keyHash === hashOf(name));
    // Only the prefix is stored, so a longer given prefix is matched on that.
    const matches = exact
      ? [exact]
      : records.filter((r) => r.prefix.startsWith(name) || name.startsWith(r.prefix));
    if (matches.length !== 1) {
      throw new CliError(
        matches.length === 0
          ? `no API key is ${name} or starts with it`
          : `${matches.length} API keys start with ${name}; give more of it, or the key id`,
      );
    }
    const [record] = matches as [KeyRecord];
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.table, Key: { keyHash: record.keyHash } }),
      );
    } catch (error) {
      throw failure(this.table, error);
    }
    return view(record);
  }

  close(): void {
    this.client.destroy();
  }

  private async records(): Promise<KeyRecord[]> {
    const records: KeyRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey }),
        );
        records.push(...((page.Items ?? []) as KeyRecord[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw failure(this.table, error);
    }
    return records;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';

import type { ApiKeyScope, ApiPrincipal, KeyLookup } from '../../domain/ports';

export type { ApiKeyScope, ApiPrincipal };

export interface ApiKeyRecord {
  readonly keyHash: string;
  readonly scope: ApiKeyScope;
  /** The one tenant the key is confined to; absent for an operator key. */
  readonly tenant?: string;
  /** First characters of the key, enough to recognise it in a list; never the whole key. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly description?: string;
  /**
   * Epoch seconds after which the key is refused (portal sessions); also the table's TTL
   * attribute, so DynamoDB deletes it some time later. Absent: the key never expires.
   */
  readonly expiresAt?: number;
}

export const hashApiKey = (key: string): string =>
  createHash('sha256').update(key).digest('base64url');

/** Random characters of a key kept for recognising it: enough to tell keys apart, not to use one. */
const PREFIX_RANDOM_CHARS = 6;

/** `hk_publish_Ab12Cd`: the scope part and the first random characters. */
export function keyPrefix(key: string): string {
  const scopePart = /^hk_(admin|publish|portal)_/.exec(key)?.[0] ?? '';
  return key.slice(0, scopePart.length + PREFIX_RANDOM_CHARS);
}

/**
 * A key's public id, derived from its hash so that keys stored before ids existed have one
 * too. Knowing it does not help to guess the key (a SHA-256 of 192 random bits).
 */
export const apiKeyId = (keyHash: string): string => `key_${keyHash.slice(0, 22)}`;
export const API_KEY_ID_PATTERN = /^key_[A-Za-z0-9_-]{22}$/;

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
  async store(
    key: string,
    scope: ApiKeyScope,
    options: {
      readonly tenant?: string;
      readonly description?: string;
      readonly expiresAt?: number;
    } = {},
  ): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = {
      keyHash: hashApiKey(key),
      scope,
      prefix: keyPrefix(key),
      createdAt: new Date().toISOString(),
      ...(options.tenant !== undefined && { tenant: options.tenant }),
      ...(options.description !== undefined && { description: options.description }),
      ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt }),
    };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: record,
        ConditionExpression: 'attribute_not_exists(keyHash)',
      }),
    );
    return record;
  }

  /** Deletes the key with this public id; undefined when there is none. */
  async revokeById(id: string): Promise<ApiKeyRecord | undefined> {
    const record = (await this.list()).find((r) => apiKeyId(r.keyHash) === id);
    if (record === undefined) return undefined;
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { keyHash: record.keyHash } }),
    );
    return record;
  }

  /** Every key's record (hash, scope, prefix); the table is small and read by operators only. */
  async list(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      records.push(...((page.Items ?? []) as ApiKeyRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  /** Deletes the one key whose prefix (or whole value) is given; refuses an ambiguous prefix. */
  async revoke(keyOrPrefix: string): Promise<ApiKeyRecord> {
    const records = await this.list();
    const exact = records.find((r) => r.keyHash === hashApiKey(keyOrPrefix));
    // Only the prefix is stored, so a longer given prefix is matched on that.
    const matches = exact
      ? [exact]
      : records.filter((r) => r.prefix.startsWith(keyOrPrefix) || keyOrPrefix.startsWith(r.prefix));
    if (matches.length !== 1) {
      throw new Error(
        matches.length === 0
          ? `no API key starts with ${keyOrPrefix}`
          : `${matches.length} API keys start with ${keyOrPrefix}; give more of the key`,
      );
    }
    const [record] = matches as [ApiKeyRecord];
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { keyHash: record.keyHash } }),
    );
    return record;
  }
}

/** How long a key's scope is kept per process before it is looked up again. */
const KEY_CACHE_MS = 60_000;

/** Checks presented keys against their stored hashes, remembering each answer a minute. */
export class CachedKeyLookup implements KeyLookup {
  private readonly cache = new Map<string, { found: ApiPrincipal | undefined; until: number }>();

  constructor(
    private readonly repository: Pick<DynamoApiKeyRepository, 'find'>,
    private readonly now: () => number = Date.now,
  ) {}

  async principalOf(key: string): Promise<ApiPrincipal | undefined> {
    const hash = hashApiKey(key);
    const hit = this.cache.get(hash);
    if (hit && hit.until > this.now()) return hit.found;
    const record = await this.repository.find(key);
    const found = record && {
      scope: record.scope,
      ...(record.tenant !== undefined && { tenant: record.tenant }),
      ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
    };
    this.cache.set(hash, { found, until: this.now() + KEY_CACHE_MS });
    // An expired session is still found, with its `expiresAt`: requireApiKey answers 401
    // "expired" for it, on every request, whatever API Gateway or this cache remembered.
    return found;
  }
}

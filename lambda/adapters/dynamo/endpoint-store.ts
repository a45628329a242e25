import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Endpoint, EndpointSecret } from '../../domain/endpoint';
import type { EndpointControl, EndpointReader, EndpointRepository } from '../../domain/ports';
import type { Envelope } from '../crypto/envelope';
import { isConditionFailure } from './condition';
import { decodeCursor, encodeCursor, type Page } from './cursor';

const INDEX_MISS_PAUSES_MS = [50, 200];

/**
 * An endpoint as stored: its signing secrets sealed (envelope encryption under the
 * deployment's KMS key, bound to the endpoint), never in plain text. Items written before
 * sealing existed carry plain `secrets` until their next change.
 */
type EndpointItem = Omit<Endpoint, 'secrets'> & {
  readonly sealedSecrets?: string;
  readonly secrets?: readonly EndpointSecret[];
};

/** Ties sealed secrets to their endpoint: copied onto another item they do not open. */
const secretsAad = (endpoint: Pick<Endpoint, 'tenant' | 'id'>) =>
  `endpoint:${endpoint.tenant}/${endpoint.id}`;

export class DynamoEndpointRepository
  implements EndpointRepository, EndpointReader, EndpointControl
{
  /**
   * Without `envelope` (the ingest function, which only fans out) endpoints are read with no
   * secrets and cannot be written.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly envelope?: Envelope,
  ) {}

  private async toItem(endpoint: Endpoint): Promise<EndpointItem> {
    if (!this.envelope) throw new Error('this function may not write endpoint secrets');
    const { secrets, ...rest } = endpoint;
    const sealedSecrets = await this.envelope.seal(JSON.stringify(secrets), secretsAad(endpoint));
    return { ...rest, sealedSecrets };
  }

  private async fromItem(item: EndpointItem): Promise<Endpoint> {
    const { sealedSecrets, secrets: plain, ...rest } = item;
    if (sealedSecrets === undefined) return { ...rest, secrets: plain ?? [] };
    if (!this.envelope) return { ...rest, secrets: [] };
    const secrets = JSON.parse(await this.envelope.open(sealedSecrets, secretsAad(item)));
    return { ...rest, secrets };
  }

  private fromItems(items: readonly Record<string, unknown>[] | undefined): Promise<Endpoint[]> {
    return Promise.all((items ?? []).map((item) => this.fromItem(item as EndpointItem)));
  }

  async create(endpoint: Endpoint): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: await this.toItem(endpoint),
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async get(id: string): Promise<Endpoint | undefined> {
    // The index is eventually consistent: a just-created endpoint may need a moment to show.
    for (const pauseMs of INDEX_MISS_PAUSES_MS) {
      const tenant = await this.tenantOf(id);
      if (tenant !== undefined) return this.getInTenant(tenant, id);
      await sleep(pauseMs);
    }
    const tenant = await this.tenantOf(id);
    return tenant === undefined ? undefined : this.getInTenant(tenant, id);
  }

  private async tenantOf(id: string): Promise<string | undefined> {
    const found = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byId',
        KeyConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': id },
        ProjectionExpression: 'tenant',
      }),
    );
    return found.Items?.[0]?.tenant as string | undefined;
  }

  async getInTenant(tenant: string, id: string): Promise<Endpoint | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { tenant, id }, ConsistentRead: true }),
    );
    return result.Item ? this.fromItem(result.Item as EndpointItem) : undefined;
  }

  getForDelivery(tenant: string, id: string): Promise<Endpoint | undefined> {
    return this.getInTenant(tenant, id);
  }

  /** One page of a tenant's endpoints, oldest first (ids are time-ordered ULIDs). */
  async page(tenant: string, limit: number, cursor?: string): Promise<Page<Endpoint>> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'tenant = :tenant',
        ExpressionAttributeValues: { ':tenant': tenant },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    return {
      items: await this.fromItems(result.Items),
      ...(result.LastEvaluatedKey && { cursor: encodeCursor(result.LastEvaluatedKey) }),
    };
  }

  async listByTenant(tenant: string): Promise<Endpoint[]> {
    const items: Endpoint[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'tenant = :tenant',
          ExpressionAttributeValues: { ':tenant': tenant },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(await this.fromItems(page.Items)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Replaces an endpoint unless someone else changed it since `expectedUpdatedAt`. */
  async replace(endpoint: Endpoint, expectedUpdatedAt: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: await this.toItem(endpoint),
          ConditionExpression: 'updatedAt = :expected',
          ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async disable(endpoint: Pick<Endpoint, 'tenant' | 'id'>, reason: string, at: string) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { tenant: endpoint.tenant, id: endpoint.id },
          UpdateExpression:
            'SET enabled = :off, disabledReason = :reason, disabledAt = :at, updatedAt = :at',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':off': false, ':reason': reason, ':at': at },
        }),
      );
    } catch (error) {
      // Deleted meanwhile: nothing left to switch off.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async delete(endpoint: Pick<Endpoint, 'tenant' | 'id'>): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { tenant: endpoint.tenant, id: endpoint.id },
      }),
    );
  }
}

/**
 * Keeps endpoints a few seconds in memory: the dispatcher reads one per delivery and a
 * change (disable, rotation) may take that long to reach it.
 */
export class CachedEndpointReader implements EndpointReader, EndpointControl {
  // Promises are cached, so the deliveries of one batch share a single read on a miss.
  private readonly cache = new Map<
    string,
    { value: Promise<Endpoint | undefined>; until: number }
  >();

  constructor(
    private readonly source: EndpointReader & EndpointControl,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Not `async`: a hit hands back the cached promise itself, without wrapping it again. */
  getForDelivery(tenant: string, id: string): Promise<Endpoint | undefined> {
    const key = `${tenant}\u0000${id}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const value = this.source.getForDelivery(tenant, id);
    this.cache.set(key, { value, until: this.now() + this.ttlMs });
    // A failed read is not kept: the next delivery tries again.
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }

  async disable(endpoint: Pick<Endpoint, 'tenant' | 'id'>, reason: string, at: string) {
    await this.source.disable(endpoint, reason, at);
    this.cache.delete(`${endpoint.tenant}\u0000${endpoint.id}`);
  }
}

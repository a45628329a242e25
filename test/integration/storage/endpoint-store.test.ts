/**
 * DynamoEndpointRepository, and the CachedEndpointReader in front of it, against real DynamoDB
 * protocol servers: dynalite (what `npm start` runs on) and Amazon's DynamoDB Local (closer to
 * AWS; needs Java). One suite, both stand-ins (test/support/storage.ts).
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { Envelope, LocalDataKeys } from '../../../lambda/adapters/crypto/envelope';
import {
  CachedEndpointReader,
  DynamoEndpointRepository,
} from '../../../lambda/adapters/dynamo/endpoint-store';
import type { Endpoint } from '../../../lambda/domain/endpoint';
import { newEndpointId } from '../../../lambda/domain/ids';
import type { EndpointControl, EndpointReader } from '../../../lambda/domain/ports';
import { anEndpoint, describeOnBothStandIns, unique } from '../../support/storage';

/** Counts reads that reach the repository behind a cache. */
function countingReader(source: EndpointReader & EndpointControl) {
  const counter = {
    reads: 0,
    async getForDelivery(tenant: string, id: string) {
      counter.reads++;
      return source.getForDelivery(tenant, id);
    },
    disable: source.disable.bind(source),
  };
  return counter;
}

/** Seals secrets as local mode does (AES-GCM data keys under a local key instead of KMS). */
const envelope = new Envelope(new LocalDataKeys(randomBytes(32)));

describeOnBothStandIns('endpoint-store', (db) => {
  describe('DynamoEndpointRepository', () => {
    const repository = () =>
      new DynamoEndpointRepository(db.documentClient, db.tableNames.endpoints, envelope);

    it('stores signing secrets sealed: not in the item, not readable without the key', async () => {
      // Prepare
      const endpoints = repository();
      const endpoint = anEndpoint();
      const secret = endpoint.secrets[0]?.secret as string;

      // Act
      await endpoints.create(endpoint);
      const { Item: item } = await db.documentClient.send(
        new GetCommand({
          TableName: db.tableNames.endpoints,
          Key: { tenant: endpoint.tenant, id: endpoint.id },
        }),
      );
      const withoutKey = new DynamoEndpointRepository(db.documentClient, db.tableNames.endpoints);
      const otherKey = new DynamoEndpointRepository(
        db.documentClient,
        db.tableNames.endpoints,
        new Envelope(new LocalDataKeys(randomBytes(32))),
      );

      // Assess
      expect(JSON.stringify(item)).not.toContain(secret);
      expect(item?.sealedSecrets).toMatch(/^v1\./);
      expect((await endpoints.get(endpoint.id))?.secrets).toEqual(endpoint.secrets);
      expect((await withoutKey.get(endpoint.id))?.secrets).toEqual([]);
      await expect(otherKey.get(endpoint.id)).rejects.toThrow();
      await expect(withoutKey.create(anEndpoint())).rejects.toThrow(/may not write/);
    });

    it('refuses sealed secrets copied onto another endpoint', async () => {
      // Prepare
      const endpoints = repository();
      const victim = anEndpoint();
      const attacker = anEndpoint();
      await endpoints.create(victim);
      await endpoints.create(attacker);
      const key = (e: Endpoint) => ({ tenant: e.tenant, id: e.id });
      const { Item: sealed } = await db.documentClient.send(
        new GetCommand({ TableName: db.tableNames.endpoints, Key: key(victim) }),
      );
      const { Item: target } = await db.documentClient.send(
        new GetCommand({ TableName: db.tableNames.endpoints, Key: key(attacker) }),
      );

      // Act
      await db.documentClient.send(
        new PutCommand({
          TableName: db.tableNames.endpoints,
          Item: { ...target, sealedSecrets: sealed?.sealedSecrets },
        }),
      );

      // Assess
      await expect(endpoints.get(attacker.id)).rejects.toThrow();
    });

    it('finds a created endpoint by id alone, exactly as it was stored', async () => {
      // Prepare
      const endpoints = repository();
      const endpoint = anEndpoint();

      // Act
      await endpoints.create(endpoint);
      const byId = await endpoints.get(endpoint.id);
      const inTenant = await endpoints.getInTenant(endpoint.tenant, endpoint.id);

      // Assess
      expect(byId).toEqual(endpoint);
      expect(inTenant).toEqual(endpoint);
    });

    it('stores an endpoint that takes every event type and has an empty description', async () => {
      // Prepare
      const endpoints = repository();
      const { eventTypes: _, rateLimitPerSecond: __, ...rest } = anEndpoint({ description: '' });
      const endpoint: Endpoint = { ...rest, eventTypes: undefined };

      // Act
      await endpoints.create(endpoint);
      const read = await endpoints.get(endpoint.id);

      // Assess
      expect(read).toEqual(endpoint);
      expect(read?.description).toBe('');
      expect(read && 'eventTypes' in read).toBe(false);
    });

    it('answers undefined for an id that was never created', async () => {
      // Prepare
      const endpoints = repository();

      // Act
      const found = await endpoints.get(newEndpointId());

      // Assess
      expect(found).toBeUndefined();
    });

    it('refuses to create an endpoint whose id exists and keeps the first one', async () => {
      // Prepare
      const endpoints = repository();
      const first = anEndpoint({ url: 'https://first.example.com/hook' });
      await endpoints.create(first);
      const second = { ...first, url: 'https://second.example.com/hook' };

      // Act
      const creating = endpoints.create(second);

      // Assess
      await expect(creating).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect((await endpoints.get(first.id))?.url).toBe('https://first.example.com/hook');
    });

    it("lists all of a tenant's endpoints and none of another tenant's", async () => {
      // Prepare
      const endpoints = repository();
      const tenant = unique('acme');
      const neighbour = unique('globex');
      const mine = Array.from({ length: 40 }, () => anEndpoint({ tenant }));
      const theirs = Array.from({ length: 5 }, () => anEndpoint({ tenant: neighbour }));
      await Promise.all([...mine, ...theirs].map((endpoint) => endpoints.create(endpoint)));

      // Act
      const listed = await endpoints.listByTenant(tenant);
      const listedNeighbour = await endpoints.listByTenant(neighbour);
      const listedNobody = await endpoints.listByTenant(unique('nobody'));

      // Assess
      expect(listed.map((e) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
      expect(listed.every((e) => e.tenant === tenant)).toBe(true);
      expect(listed.find((e) => e.id === mine[7]?.id)).toEqual(mine[7]);
      expect(listedNeighbour.map((e) => e.id).sort()).toEqual(theirs.map((e) => e.id).sort());
      expect(listedNobody).toEqual([]);
    });

    it('does not hand out an endpoint to another tenant asking for its id', async () => {
      // Prepare
      const endpoints = repository();
      const endpoint = anEndpoint();
      await endpoints.create(endpoint);

      // Act
      const ownTenant = await endpoints.getForDelivery(endpoint.tenant, endpoint.id);
      const otherTenant = await endpoints.getForDelivery(unique('intruder'), endpoint.id);

      // Assess
      expect(ownTenant).toEqual(endpoint);
      expect(otherTenant).toBeUndefined();
    });

    it('deletes one endpoint and leaves its neighbours', async () => {
      // Prepare
      const endpoints = repository();
      const tenant = unique('tenant');
      const doomed = anEndpoint({ tenant });
      const kept = anEndpoint({ tenant });
      await endpoints.create(doomed);
      await endpoints.create(kept);

      // Act
      await endpoints.delete(doomed);

      // Assess
      expect(await endpoints.get(doomed.id)).toBeUndefined();
      expect(await endpoints.getInTenant(tenant, doomed.id)).toBeUndefined();
      expect((await endpoints.listByTenant(tenant)).map((e) => e.id)).toEqual([kept.id]);
      expect(await endpoints.get(kept.id)).toEqual(kept);
    });
  });

  describe('CachedEndpointReader', () => {
    const TTL_MS = 5_000;

    it('serves a changed endpoint from cache within the TTL and re-reads after it', async () => {
      // Prepare
      const endpoints = new DynamoEndpointRepository(
        db.documentClient,
        db.tableNames.endpoints,
        envelope,
      );
      const endpoint = anEndpoint();
      await endpoints.create(endpoint);
      let now = 1_000_000;
      const source = countingReader(endpoints);
      const reader = new CachedEndpointReader(source, TTL_MS, () => now);
      const first = await reader.getForDelivery(endpoint.tenant, endpoint.id);
      const disabled = { ...endpoint, enabled: false, updatedAt: new Date().toISOString() };
      await db.documentClient.send(
        new PutCommand({ TableName: db.tableNames.endpoints, Item: disabled }),
      );

      // Act
      now += TTL_MS - 1;
      const withinTtl = await reader.getForDelivery(endpoint.tenant, endpoint.id);
      const readsWithinTtl = source.reads;
      now += 2;
      const afterTtl = await reader.getForDelivery(endpoint.tenant, endpoint.id);

      // Assess
      expect(first?.enabled).toBe(true);
      expect(withinTtl?.enabled).toBe(true);
      expect(readsWithinTtl).toBe(1);
      expect(afterTtl).toEqual(disabled);
      expect(source.reads).toBe(2);
    });

    it('keeps endpoints apart in the cache', async () => {
      // Prepare
      const endpoints = new DynamoEndpointRepository(
        db.documentClient,
        db.tableNames.endpoints,
        envelope,
      );
      const a = anEndpoint({ url: 'https://a.example.com/hook' });
      const b = anEndpoint({ url: 'https://b.example.com/hook' });
      await endpoints.create(a);
      await endpoints.create(b);
      const reader = new CachedEndpointReader(endpoints, TTL_MS, () => 0);

      // Act
      const readA = await reader.getForDelivery(a.tenant, a.id);
      const readB = await reader.getForDelivery(b.tenant, b.id);
      const readAAgain = await reader.getForDelivery(a.tenant, a.id);
      const readAInOtherTenant = await reader.getForDelivery(b.tenant, a.id);

      // Assess
      expect(readA).toEqual(a);
      expect(readB).toEqual(b);
      expect(readAAgain).toEqual(a);
      expect(readAInOtherTenant).toBeUndefined();
    });
  });
});

/**
 * DynamoApiKeyRepository against real DynamoDB protocol servers: dynalite (what `npm start` runs
 * on) and Amazon's DynamoDB Local (closer to AWS; needs Java). One suite, both stand-ins
 * (test/support/storage.ts).
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DynamoApiKeyRepository,
  generateApiKey,
  hashApiKey,
} from '../../../lambda/adapters/dynamo/api-key-store';
import { describeOnBothStandIns } from '../../support/storage';

describeOnBothStandIns('api-key-store', (db) => {
  describe('DynamoApiKeyRepository', () => {
    const repository = () => new DynamoApiKeyRepository(db.documentClient, db.tableNames.apiKeys);

    it('finds a stored key by the raw key', async () => {
      // Prepare
      const keys = repository();
      const key = generateApiKey('publish');
      const stored = await keys.store(key, 'publish', { description: 'billing service' });

      // Act
      const found = await keys.find(key);

      // Assess
      expect(found).toEqual(stored);
      expect(found).toMatchObject({ scope: 'publish', description: 'billing service' });
    });

    it('stores only the hash and a short prefix (scope and 6 characters), never the key', async () => {
      // Prepare
      const keys = repository();
      const key = generateApiKey('admin');

      // Act
      await keys.store(key, 'admin');

      // Assess
      const item = (
        await db.documentClient.send(
          new GetCommand({
            TableName: db.tableNames.apiKeys,
            Key: { keyHash: hashApiKey(key) },
            ConsistentRead: true,
          }),
        )
      ).Item;
      expect(item?.prefix).toBe(key.slice(0, 'hk_admin_'.length + 6));
      expect(item?.keyHash).toBe(hashApiKey(key));
      const secretPart = key.slice('hk_admin_'.length + 6);
      const everything = await db.documentClient.send(
        new ScanCommand({ TableName: db.tableNames.apiKeys }),
      );
      const stored = JSON.stringify(everything.Items);
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(secretPart);
    });

    it('answers undefined for an unknown key or one that differs by a character', async () => {
      // Prepare
      const keys = repository();
      const key = generateApiKey('admin');
      await keys.store(key, 'admin');
      const lastChar = key.at(-1) === 'A' ? 'B' : 'A';
      const almost = key.slice(0, -1) + lastChar;

      // Act
      const unknown = await keys.find(generateApiKey('admin'));
      const nearMiss = await keys.find(almost);

      // Assess
      expect(unknown).toBeUndefined();
      expect(nearMiss).toBeUndefined();
    });
  });
});

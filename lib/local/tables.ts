import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { type TableDefinition, type TableName, tables } from '#shared/tables';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_PREFIX = 'hookline-';

function createTableInput(table: TableDefinition, tableName: string) {
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...(table.globalIndexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey]),
  ].filter((k): k is NonNullable<typeof k> => k !== undefined);
  const attributes = [...new Map(keys.map((k) => [k.name, k])).values()];
  const keySchema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    ...(table.globalIndexes?.length && {
      GlobalSecondaryIndexes: table.globalIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: index.include
          ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.include] }
          : { ProjectionType: 'ALL' as const },
      })),
    }),
  };
}

/** Waits until a table created moments ago takes writes, as AWS's table-exists waiter does. */
async function untilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (tries === 200) throw new Error(`table ${tableName} did not become active`);
    await sleep(25);
  }
}

/**
 * Creates every table of `#shared/tables` that does not exist yet, waits until each is active,
 * and answers their names. TTL is left to CDK: dynalite has no UpdateTimeToLive.
 */
export async function createTables(
  endpoint: string,
  prefix = LOCAL_PREFIX,
): Promise<Record<TableName, string>> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const names: Partial<Record<TableName, string>> = {};
  try {
    for (const [name, table] of Object.entries(tables) as [TableName, TableDefinition][]) {
      const tableName = `${prefix}${table.name}`;
      names[name] = tableName;
      try {
        await client.send(new CreateTableCommand(createTableInput(table, tableName)));
      } catch (error) {
        if (
          !(error instanceof ResourceInUseException) &&
          (error as Error).name !== 'ResourceInUseException'
        ) {
          throw error;
        }
      }
    }
    // A write to a table still being created is refused (ResourceNotFoundException).
    await Promise.all(Object.values(names).map((tableName) => untilActive(client, tableName)));
  } finally {
    client.destroy();
  }
  return names as Record<TableName, string>;
}

/**
 * One machine, no cost to reading: endpoint changes reach the dispatcher within a second, with
 * the sources and with the synthesized bundles alike.
 */
export const LOCAL_ENDPOINT_CACHE_MS = 1000;

import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import {
  deriveTimeouts,
  type HooklineSettings,
  type QueueDefinition,
  queues,
  type TableDefinition,
  tables,
} from '../resources';

/** Protocol-compatible DynamoDB and SQS servers, in this process, on loopback ports. */
export interface StandIns {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableNames: Record<string, string>;
  readonly queueUrls: Record<string, string>;
  stop(): Promise<void>;
}

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

/** Creates every table of `tables` that does not exist yet; TTL is left to CDK (DESIGN §6). */
export async function createTables(endpoint: string, prefix = LOCAL_PREFIX) {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const names: Record<string, string> = {};
  try {
    for (const table of Object.values(tables)) {
      const tableName = `${prefix}${table.name}`;
      names[table.envVar] = tableName;
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
  } finally {
    client.destroy();
  }
  return names;
}

export async function startStandIns(
  dataDir: string,
  settings: HooklineSettings,
): Promise<StandIns> {
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 'sqs'), { recursive: true });
  const dynamo = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: join(dataDir, 'dynamodb'),
  });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  const sqsServer = await startFauxqs({
    port: 0,
    host: '127.0.0.1',
    logger: false,
    dataDir: join(dataDir, 'sqs'),
  });
  const timeouts = deriveTimeouts(settings);
  const arnOf = (name: string) => `arn:aws:sqs:${LOCAL_REGION}:000000000000:${name}`;
  const nameOf = (queue: QueueDefinition) => `${LOCAL_PREFIX}${queue.name}`;
  const fourteenDays = String(14 * 86_400);
  // No Lambda throttling here, so visibility need only outlast one invocation (AWS uses 6x):
  // a crashed local dispatcher's deliveries come back within seconds, not minutes.
  const queueSpecs: { queue: QueueDefinition; attributes: Record<string, string> }[] = [
    { queue: queues.deadLetter, attributes: { MessageRetentionPeriod: fourteenDays } },
    { queue: queues.jobsDeadLetter, attributes: { MessageRetentionPeriod: fourteenDays } },
    {
      queue: queues.delivery,
      attributes: {
        VisibilityTimeout: String(timeouts.dispatcherTimeoutSeconds + 5),
        MessageRetentionPeriod: fourteenDays,
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: arnOf(nameOf(queues.deadLetter)),
          maxReceiveCount: settings.maxReceiveCount,
        }),
      },
    },
    {
      queue: queues.jobs,
      attributes: {
        VisibilityTimeout: String(timeouts.replayTimeoutSeconds + 5),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: arnOf(nameOf(queues.jobsDeadLetter)),
          maxReceiveCount: 5,
        }),
      },
    },
  ];
  // setup() is idempotent, so a restart over a persisted data dir keeps queues and messages.
  const created = sqsServer.setup({
    queues: queueSpecs.map(({ queue, attributes }) => ({ name: nameOf(queue), attributes })),
  });
  const queueUrls: Record<string, string> = {};
  for (const { queue } of queueSpecs) {
    const url = created.queues.find((q) => q.name === nameOf(queue))?.url;
    if (!url) throw new Error(`local queue ${nameOf(queue)} was not created`);
    queueUrls[queue.envVar] = url;
  }

  const tableNames = await createTables(dynamoEndpoint);
  return {
    dynamoEndpoint,
    sqsEndpoint: sqsServer.address,
    tableNames,
    queueUrls,
    async stop() {
      await sqsServer.stop();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}

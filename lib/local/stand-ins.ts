import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { type QueueName, queueAttributes, queues } from '#shared/queues';
import type { HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import { createTables, LOCAL_PREFIX, LOCAL_REGION } from './tables';

/** Protocol-compatible DynamoDB and SQS servers, in this process, on loopback ports. */
export interface StandIns {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableNames: Record<TableName, string>;
  readonly queueUrls: Record<QueueName, string>;
  stop(): Promise<void>;
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
  const queueUrls = createQueues(sqsServer, settings);
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

type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

/**
 * Creates the queues of `#shared/queues` with the attributes the CDK stack gives them, but
 * for local visibility timeouts (see `queueAttributes`), dead-letter queues first. `setup()`
 * is idempotent, so a restart over a persisted data dir keeps queues and messages.
 */
function createQueues(server: Fauxqs, settings: HooklineSettings): Record<QueueName, string> {
  const nameOf = (queue: QueueName) => `${LOCAL_PREFIX}${queues[queue].name}`;
  const arnOf = (queue: QueueName) => `arn:aws:sqs:${LOCAL_REGION}:000000000000:${nameOf(queue)}`;
  const names = (Object.keys(queues) as QueueName[]).sort(
    (a, b) => Number('redrive' in queues[a]) - Number('redrive' in queues[b]),
  );
  const specs = names.map((queue) => {
    const { retentionSeconds, visibilityTimeoutSeconds, redrive } = queueAttributes(
      queue,
      'local',
      settings,
    );
    const attributes: Record<string, string> = {
      MessageRetentionPeriod: String(retentionSeconds),
      ...(visibilityTimeoutSeconds !== undefined && {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
      }),
      ...(redrive && {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: arnOf(redrive.deadLetterQueue),
          maxReceiveCount: redrive.maxReceiveCount,
        }),
      }),
    };
    return { name: nameOf(queue), attributes };
  });
  const created = server.setup({ queues: specs });
  const urls: Partial<Record<QueueName, string>> = {};
  for (const queue of names) {
    const url = created.queues.find((q) => q.name === nameOf(queue))?.url;
    if (!url) throw new Error(`local queue ${nameOf(queue)} was not created`);
    urls[queue] = url;
  }
  return urls as Record<QueueName, string>;
}

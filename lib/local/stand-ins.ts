import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { type QueueName, queueAttributes, queues } from '#shared/queues';
import type { HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import {
  bindingLoopbackOnly,
  LOOPBACK_ADDRESS,
  listenOnLoopback,
  refuseForeignHosts,
  refuseLikeAws,
} from './loopback';
import { type StrictSqsOptions, strictFauxqs } from './strict-sqs';
import { createTables, LOCAL_PREFIX, LOCAL_REGION } from './tables';

/**
 * Protocol-compatible DynamoDB and SQS servers, in this process, on loopback ports only and
 * answering only loopback `Host` names (see `./loopback`): they take any credentials. The SQS
 * one refuses what AWS refuses where fauxqs alone would not (see `./strict-sqs`).
 */
export interface StandIns {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableNames: Record<TableName, string>;
  readonly queueUrls: Record<QueueName, string>;
  stop(): Promise<void>;
}

/**
 * How strict the SQS stand-in is (see `./strict-sqs`): AWS's in-flight limit by default
 * (120,000 per queue; tests set it low to reach it), and the clock the 12-hour visibility rule
 * counts on (tests move it on instead of waiting).
 */
export type StandInOptions = StrictSqsOptions;

export async function startStandIns(
  dataDir: string,
  settings: HooklineSettings,
  options: StandInOptions = {},
): Promise<StandIns> {
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 'sqs'), { recursive: true });
  const dynamo = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: join(dataDir, 'dynamodb'),
  });
  refuseForeignHosts(dynamo, refuseLikeAws);
  await listenOnLoopback(dynamo, 0, LOOPBACK_ADDRESS);
  const dynamoEndpoint = `http://${LOOPBACK_ADDRESS}:${(dynamo.address() as AddressInfo).port}`;

  // fauxqs binds 0.0.0.0 whatever `host` it is given (`host` only renames its queue URLs), so
  // its listen is kept on loopback from outside, and its request listener gets the Host check.
  const { value: sqsServer, servers } = await bindingLoopbackOnly(() =>
    strictFauxqs(
      () => startFauxqs({ port: 0, logger: false, dataDir: join(dataDir, 'sqs') }),
      options,
    ),
  );
  const sqsHttp = servers.find(
    (server) => (server.address() as AddressInfo).port === sqsServer.port,
  );
  if (!sqsHttp) {
    await sqsServer.stop();
    throw new Error('fauxqs started no server this process could see listen: cannot guard it');
  }
  refuseForeignHosts(sqsHttp, refuseLikeAws);
  const sqsEndpoint = `http://${LOOPBACK_ADDRESS}:${sqsServer.port}`;
  const queueUrls = createQueues(sqsServer, sqsEndpoint, settings);
  const tableNames = await createTables(dynamoEndpoint);
  return {
    dynamoEndpoint,
    sqsEndpoint,
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
 *
 * The URLs returned are on `endpoint`: fauxqs finds a queue by the name at the end of its URL,
 * whatever host and port come before, and hands back the URL a queue was first created with
 * (an old port after a restart), which would be no use to print.
 */
function createQueues(
  server: Fauxqs,
  endpoint: string,
  settings: HooklineSettings,
): Record<QueueName, string> {
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
    urls[queue] = `${endpoint}${url.replace(/^https?:\/\/[^/]+/, '')}`;
  }
  return urls as Record<QueueName, string>;
}

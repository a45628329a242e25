import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  defaultSettings,
  deriveTimeouts,
  eventBus,
  type HooklineSettings,
  ingestRulePattern,
  type QueueDefinition,
  queues,
  settingsEnv,
  settingsEnvironment,
} from '../resources';
import { createLocalApiServer } from './api-server';
import { type EventPattern, LocalEventBus } from './event-bus';
import { localContext } from './lambda-context';
import { type PollerOptions, QueuePoller } from './poller';
import { Sandbox } from './sandbox';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startStandIns } from './stand-ins';

export interface LocalOptions {
  /** @default 3000; 0 picks a free port */
  readonly port?: number;
  /** @default 127.0.0.1 — loopback only */
  readonly host?: string;
  /** @default .hookline */
  readonly dataDir?: string;
  /** Admin API key; generated and kept in the data dir when absent. */
  readonly apiKey?: string;
  /** Overrides of the deployment settings, e.g. a retry schedule in seconds for tests. */
  readonly settings?: Partial<HooklineSettings>;
  /** Dispatcher batches handled at once. @default 4 */
  readonly dispatcherConcurrency?: number;
  readonly log?: (line: string) => void;
}

export interface LocalHookline {
  readonly apiUrl: string;
  /** The in-process DynamoDB, e.g. for `npm run hookline -- keys create` against local mode. */
  readonly dynamoEndpoint: string;
  readonly apiKey: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Reads the admin key: given, else the one kept in the data dir, else a new one kept there. */
async function adminKey(dataDir: string, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    if (!/^\S{8,256}$/.test(given))
      throw new Error('HOOKLINE_API_KEY must be 8-256 characters without spaces');
    return given;
  }
  const file = join(dataDir, 'admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const { generateApiKey } = await import('../../lambda/adapters/dynamo/api-key-store');
  const key = generateApiKey('admin');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * Runs the whole system in this process: the same handlers and adapters as in AWS, pointed at
 * dynalite and fauxqs through the SDK's own endpoint variables.
 */
export async function startLocal(options: LocalOptions = {}): Promise<LocalHookline> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir ?? '.hookline');
  mkdirSync(dataDir, { recursive: true });
  const settings: HooklineSettings = { ...defaultSettings, ...options.settings };
  const timeouts = deriveTimeouts(settings);
  const standIns = await startStandIns(dataDir, settings);

  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: standIns.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: standIns.sqsEndpoint,
    [eventBus.envVar]: eventBus.defaultName,
    ...standIns.tableNames,
    ...standIns.queueUrls,
    ...settingsEnvironment(settings),
    [settingsEnv.allowPrivateTargets]: 'true',
    // One machine, no cost to reading: endpoint changes reach the dispatcher within a second.
    ENDPOINT_CACHE_MS: '1000',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  });

  // Imported only now: the handlers build their SDK clients from the variables set above.
  const [ingest, management, dispatcher, replay, authorizer, wiring, signing] = await Promise.all([
    import('../../lambda/handlers/ingest'),
    import('../../lambda/handlers/management'),
    import('../../lambda/handlers/dispatcher'),
    import('../../lambda/handlers/replay'),
    import('../../lambda/handlers/authorizer'),
    import('../../lambda/handlers/wiring'),
    import('../../lambda/domain/signing'),
  ]);
  const { DynamoApiKeyRepository } = await import('../../lambda/adapters/dynamo/api-key-store');
  const { dynamoDocumentClient } = await import('../../lambda/adapters/aws-clients');

  const key = await adminKey(dataDir, options.apiKey);
  await new DynamoApiKeyRepository(
    dynamoDocumentClient(),
    standIns.tableNames.API_KEYS_TABLE ?? '',
  ).store(key, 'admin', 'local admin key');

  const bus = new LocalEventBus({
    busName: eventBus.defaultName,
    pattern: ingestRulePattern as unknown as EventPattern,
    target: (event) => ingest.ingestFromEventBridge(event),
    onTargetFailure: (event, error) =>
      log(
        `EventBridge entry ${event.id} (${event['detail-type']}) was not published: ${(error as Error).message}`,
      ),
  });

  const sandbox = new Sandbox(async (delivery) => {
    const webhookId = delivery.headers['webhook-id'];
    const stored = webhookId ? await wiring.eventRepository().get(webhookId) : undefined;
    if (!stored || !webhookId) return undefined;
    const endpoints = await wiring.endpointRepository().listByTenant(stored.tenant);
    const timestamp = Number(delivery.headers['webhook-timestamp']);
    const header = delivery.headers['webhook-signature'] ?? '';
    return endpoints
      .filter((endpoint) => endpoint.url === delivery.url)
      .some((endpoint) =>
        endpoint.secrets.some((s) =>
          signing.verifySignature(s.secret, webhookId, timestamp, delivery.body, header),
        ),
      );
  });

  const keyLookup = (await import('../../lambda/handlers/key-lookup')).apiKeyLookup();
  const server = createLocalApiServer({
    handlers: { ingest: ingest.handler as never, management: management.handler },
    authorizer: authorizer.handler,
    bus,
    sandbox,
    isAdminKey: async (authorization) => {
      const presented = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
      return presented !== undefined && (await keyLookup.scopeOf(presented)) === 'admin';
    },
    functionTimeoutMs: 30_000,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 3000, host, () => done());
  });
  const port = (server.address() as AddressInfo).port;
  // The sandbox's own URLs must match what endpoints registered, whichever host name they used.
  const apiUrl = `http://${host}:${port}`;
  // The dispatcher's operational events go to the local bus on this same port.
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = apiUrl;

  const sqsClient = new SQSClient({
    endpoint: standIns.sqsEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
  const pollerFor = (
    queue: QueueDefinition,
    name: string,
    handler: PollerOptions['handler'],
    options: { batchSize: number; concurrency: number; timeoutSeconds: number },
  ) => {
    const queueUrl = standIns.queueUrls[queue.envVar] ?? '';
    return new QueuePoller(sqsClient, {
      queueUrl,
      queueArn: `arn:aws:sqs:${LOCAL_REGION}:000000000000:${queueUrl.split('/').pop()}`,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      functionTimeoutMs: options.timeoutSeconds * 1000,
      handler: (event) => handler(event, localContext(name, options.timeoutSeconds * 1000)),
      onError: (error) => log(`${name} poll failed: ${(error as Error).message}`),
    });
  };
  const pollers = [
    pollerFor(queues.delivery, 'dispatcher', dispatcher.handler, {
      batchSize: settings.dispatchBatchSize,
      concurrency: options.dispatcherConcurrency ?? 4,
      timeoutSeconds: timeouts.dispatcherTimeoutSeconds,
    }),
    pollerFor(queues.jobs, 'replay', replay.handler, {
      batchSize: 1,
      concurrency: 1,
      timeoutSeconds: timeouts.replayTimeoutSeconds,
    }),
  ];
  for (const poller of pollers) poller.start();

  let stopped = false;
  return {
    apiUrl,
    dynamoEndpoint: standIns.dynamoEndpoint,
    apiKey: key,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await bus.drain();
      await Promise.all(pollers.map((p) => p.stop()));
      sqsClient.destroy();
      await standIns.stop();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eventBus, ingestRulePattern, operationsBus } from '#shared/bus';
import type { QueueName } from '#shared/queues';
import { defaultSettings, deriveTimeouts, type HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import { destroyClients } from '../../lambda/adapters/aws-clients';
import { dynamoClient } from '../../lambda/adapters/clients/dynamodb';
import { eventBridgeClient } from '../../lambda/adapters/clients/eventbridge';
import { sqsClient } from '../../lambda/adapters/clients/sqs';
import {
  CachedKeyLookup,
  DynamoApiKeyRepository,
  generateApiKey,
} from '../../lambda/adapters/dynamo/api-key-store';
import { logger } from '../../lambda/adapters/logger';
import { createAuthorizerHandler } from '../../lambda/handlers/authorizer';
import { createDispatcherHandler } from '../../lambda/handlers/dispatcher';
import { createIngestHandler } from '../../lambda/handlers/ingest';
import { createKeysHandler } from '../../lambda/handlers/keys';
import { createManagementHandler } from '../../lambda/handlers/management';
import { createReplayHandler } from '../../lambda/handlers/replay';
import { authorizerDependencies } from '../../lambda/wiring/authorizer';
import type { RuntimeConfig } from '../../lambda/wiring/config';
import { dispatcherDependencies } from '../../lambda/wiring/dispatcher';
import { ingestDependencies } from '../../lambda/wiring/ingest';
import { keysDependencies } from '../../lambda/wiring/keys';
import { managementDependencies } from '../../lambda/wiring/management';
import { apiKeyRepository, jobDependencies } from '../../lambda/wiring/repositories';
import { consoleAssetsDir, LOCAL_CONSOLE_PATH } from '../console/assets';
import { createLocalApi } from './api-server';
import { BundleError, readAssembly } from './bundles/assembly';
import { templateSettings } from './bundles/environment';
import { type BundledFunctions, startBundledFunctions } from './bundles/functions';
import { type EventPattern, LocalEventBus } from './event-bus';
import { localContext } from './lambda-context';
import { assertLoopbackBindHost, listenOnLoopback } from './loopback';
import { QueuePoller } from './poller';
import { Sandbox, signatureCheck } from './sandbox';
import { type StandIns, startStandIns } from './stand-ins';
import { LOCAL_CREDENTIALS, LOCAL_ENDPOINT_CACHE_MS, LOCAL_REGION } from './tables';

export { BundleError };

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
  /** Dispatcher batches handled at once on the main lane. @default the `dispatcherMaxConcurrency` setting */
  readonly dispatcherConcurrency?: number;
  /**
   * Whether the dispatcher reads the delivery queues. A test and debug switch
   * (`HOOKLINE_LOCAL_DISPATCHER=off`): off, push deliveries wait in the queue unsent, as when
   * a deployed dispatcher is broken; publishing, polling feeds and jobs go on. @default true
   */
  readonly dispatcher?: boolean;
  /** Messages a local queue holds in flight before ReceiveMessage fails with OverLimit, as in SQS. @default 120000 */
  readonly sqsInFlightLimit?: number;
  /**
   * Runs the synthesized bundles in this directory (what `npx cdk synth` writes, cdk.out)
   * instead of the TypeScript sources: each function in its own worker thread with the
   * environment its template gives it (see `./bundles/`). Refused at start, with a
   * {@link BundleError}, when a bundle does not load or its runtime is another Node major.
   * @default - the sources, in this thread
   */
  readonly bundles?: string;
  readonly log?: (line: string) => void;
}

export interface LocalHookline {
  readonly apiUrl: string;
  /** Where the console is served (`<apiUrl>/console/`); absent when it could not be built. */
  readonly consoleUrl?: string;
  /** The in-process DynamoDB, e.g. for `npm run hookline -- keys create` against local mode. */
  readonly dynamoEndpoint: string;
  /** The in-process SQS, e.g. for `aws sqs receive-message` on the DLQ of `queueUrls`. */
  readonly sqsEndpoint: string;
  readonly apiKey: string;
  readonly dataDir: string;
  /** The SDK clients the handlers use: the bench meters what they ask of AWS. */
  readonly clients: LocalClients;
  readonly queueUrls: Readonly<Record<QueueName, string>>;
  readonly tableNames: Readonly<Record<TableName, string>>;
  stop(): Promise<void>;
}

/** The handlers' SDK clients in local mode. */
export interface LocalClients {
  readonly dynamo: ReturnType<typeof dynamoClient>;
  readonly sqs: ReturnType<typeof sqsClient>;
  readonly eventBridge: ReturnType<typeof eventBridgeClient>;
}

/** How long an API request may run, like API Gateway's integration timeout. */
const API_FUNCTION_TIMEOUT_MS = 30_000;

/**
 * The key that stands in for KMS and the cursor secret, kept in the data dir beside the data
 * it seals: sealed endpoint secrets open again after a restart.
 */
function masterKey(dataDir: string): Uint8Array {
  const file = join(dataDir, 'master-key');
  if (existsSync(file)) return readFileSync(file);
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

/** Reads the admin key: given, else the one kept in the data dir, else a new one kept there. */
function adminKey(dataDir: string, given: string | undefined): string {
  if (given !== undefined) {
    if (!/^\S{8,256}$/.test(given))
      throw new Error('HOOKLINE_API_KEY must be 8-256 characters without spaces');
    return given;
  }
  const file = join(dataDir, 'admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateApiKey('admin');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The handlers' view of the stand-ins, as the CDK stack's environment is in AWS. `busUrl`
 * answers PutEvents for the dispatcher's operational events: the local API server.
 */
export function localRuntimeConfig(
  standIns: StandIns,
  settings: HooklineSettings,
  busUrl: string,
  localMasterKey: Uint8Array = randomBytes(32),
): RuntimeConfig {
  return {
    settings,
    aws: {
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoints: {
        dynamodb: standIns.dynamoEndpoint,
        sqs: standIns.sqsEndpoint,
        eventBridge: busUrl,
      },
    },
    tableName: (table) => standIns.tableNames[table],
    queueUrl: (queue) => standIns.queueUrls[queue],
    operationsBusName: () => operationsBus.defaultName,
    allowPrivateTargets: true,
    localMasterKey,
    endpointCacheMs: LOCAL_ENDPOINT_CACHE_MS,
    consoleUrl: `${busUrl}${LOCAL_CONSOLE_PATH}`,
  };
}

/** The five functions, built by the same factories and wiring as in AWS. */
function localFunctions(config: RuntimeConfig) {
  return {
    ingest: createIngestHandler(ingestDependencies(config)),
    management: createManagementHandler(managementDependencies(config)),
    keys: createKeysHandler(keysDependencies(config)),
    authorizer: createAuthorizerHandler(authorizerDependencies(config)),
    /** A new instance with its own connections and caches, as a Lambda instance has. */
    dispatcher: () => createDispatcherHandler(dispatcherDependencies(config)),
    replay: createReplayHandler(jobDependencies(config)),
  };
}

type LocalFunctions = ReturnType<typeof localFunctions>;

/**
 * The functions as the synthesized bundles run them. Each bundle exports the very handler the
 * source function's type describes, and a worker hands back what it returned.
 */
function bundledFunctions({ invokers }: BundledFunctions): LocalFunctions {
  return {
    ingest: invokers.ingest,
    management: invokers.management,
    keys: invokers.keys,
    authorizer: invokers.authorizer,
    dispatcher: () => invokers.dispatcher,
    replay: invokers.replay,
  } as unknown as LocalFunctions;
}

/** The `hookline` bus with its one rule: producer entries to the ingest function. */
function localBus(functions: LocalFunctions, log: (line: string) => void): LocalEventBus {
  return new LocalEventBus({
    busName: eventBus.defaultName,
    pattern: ingestRulePattern as unknown as EventPattern,
    ruleless: [operationsBus.defaultName],
    target: (event) => functions.ingest(event, localContext('ingest', API_FUNCTION_TIMEOUT_MS)),
    onTargetFailure: (event, error) =>
      log(
        `EventBridge entry ${event.id} (${event['detail-type']}) was not published: ${(error as Error).message}`,
      ),
  });
}

/** API Gateway, PutEvents, the sandbox and `/_local/bus`, on one loopback port. */
function localApi(
  config: RuntimeConfig,
  functions: LocalFunctions,
  bus: LocalEventBus,
  consoleDir: string | undefined,
) {
  const keys = new CachedKeyLookup(apiKeyRepository(config));
  return createLocalApi({
    ...(consoleDir !== undefined && {
      console: { dir: consoleDir, frameAncestors: config.settings.consoleFrameAncestors },
    }),
    handlers: {
      ingest: functions.ingest as never,
      management: functions.management,
      keys: functions.keys,
    },
    authorizer: functions.authorizer,
    bus,
    sandbox: new Sandbox(signatureCheck(config)),
    isAdminKey: async (authorization) => {
      const presented = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
      if (presented === undefined) return false;
      const principal = await keys.principalOf(presented);
      // The sandbox and the local bus log hold every tenant's deliveries: operators only.
      return principal?.scope === 'admin' && principal.tenant === undefined;
    },
    functionTimeoutMs: API_FUNCTION_TIMEOUT_MS,
  });
}

async function listen(server: Server, port: number, host: string): Promise<string> {
  await listenOnLoopback(server, port, host);
  // The sandbox's own URLs must match what endpoints registered, whichever host name they used.
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The settings' maximum concurrency, as an event source mapping's, is a ceiling; local mode is
 * one process on a few cores, where more loops than these only add contention.
 */
const LOCAL_LOOPS_PER_LANE = { main: 20, slow: 5 } as const;

/**
 * Plays the SQS event source mappings: the delivery queue and the slow lane → dispatcher, each
 * with its maximum concurrency, and jobs → replay.
 */
function startPollers(
  standIns: StandIns,
  functions: { dispatcher: () => QueueHandler; replay: QueueHandler },
  settings: HooklineSettings,
  options: Pick<LocalOptions, 'dispatcherConcurrency' | 'dispatcher'>,
  log: (line: string) => void,
) {
  const timeouts = deriveTimeouts(settings);
  const sqsClient = new SQSClient({
    endpoint: standIns.sqsEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
  const pollerFor = (
    queue: QueueName,
    functionName: string,
    instance: () => QueueHandler,
    shape: { batchSize: number; concurrency: number; timeoutSeconds: number },
  ) => {
    const queueUrl = standIns.queueUrls[queue];
    return new QueuePoller(sqsClient, {
      queueUrl,
      queueArn: `arn:aws:sqs:${LOCAL_REGION}:000000000000:${queueUrl.split('/').pop()}`,
      batchSize: shape.batchSize,
      concurrency: shape.concurrency,
      functionName,
      functionTimeoutMs: shape.timeoutSeconds * 1000,
      instance,
      onError: (error) => log(`${functionName} poll failed: ${(error as Error).message}`),
    });
  };
  // Both lanes' invocations share one dispatcher instance: a second one measured slower on two
  // cores (its own caches and connections), and the sender's 256 connections per origin hold
  // the slow lane's at most 5 × 10 slow requests without queueing the main lane's.
  const dispatcher = functions.dispatcher();
  const mainLane = dispatcher;
  const slowLane = dispatcher;
  const lanes = [
    pollerFor('delivery', 'dispatcher', () => mainLane, {
      batchSize: settings.dispatchBatchSize,
      concurrency:
        options.dispatcherConcurrency ??
        Math.min(settings.dispatcherMaxConcurrency, LOCAL_LOOPS_PER_LANE.main),
      timeoutSeconds: timeouts.dispatcherTimeoutSeconds,
    }),
    pollerFor('slowDelivery', 'dispatcher', () => slowLane, {
      batchSize: settings.dispatchBatchSize,
      concurrency: Math.min(settings.slowLaneMaxConcurrency, LOCAL_LOOPS_PER_LANE.slow),
      timeoutSeconds: timeouts.dispatcherTimeoutSeconds,
    }),
  ];
  const pollers = [
    ...(options.dispatcher === false ? [] : lanes),
    pollerFor('jobs', 'replay', () => functions.replay, {
      batchSize: 1,
      concurrency: 1,
      timeoutSeconds: timeouts.replayTimeoutSeconds,
    }),
  ];
  for (const poller of pollers) poller.start();
  return {
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      sqsClient.destroy();
    },
  };
}

/** The console's files, built when missing; the API runs without them if they cannot be. */
function builtConsole(log: (line: string) => void): string | undefined {
  try {
    return consoleAssetsDir();
  } catch (error) {
    log(`The console could not be built, so it is not served: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Runs the whole system in this process: the same handlers and adapters as in AWS, built by
 * the same factories and wiring, pointed at dynalite and fauxqs.
 */
export async function startLocal(options: LocalOptions = {}): Promise<LocalHookline> {
  const log = options.log ?? ((line: string) => console.log(line));
  assertLoopbackBindHost(options.host ?? '127.0.0.1'); // before anything listens
  const dataDir = resolve(options.dataDir ?? '.hookline');
  // Before anything starts: a missing bundle or a Node version gap is refused at once.
  const assembly = options.bundles === undefined ? undefined : readAssembly(options.bundles);
  mkdirSync(dataDir, { recursive: true });
  logger.setLogLevel((process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN') as LogLevel);
  const settings: HooklineSettings = {
    ...defaultSettings,
    ...(assembly && templateSettings(assembly)),
    ...options.settings,
  };
  const standIns = await startStandIns(dataDir, settings, {
    ...(options.sqsInFlightLimit !== undefined && { inFlightLimit: options.sqsInFlightLimit }),
  });

  const consoleDir = builtConsole(log);
  // Listening first: the dispatcher's bus client needs the API's address.
  const server = createServer();
  const apiUrl = await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  const master = masterKey(dataDir);
  let config = localRuntimeConfig(standIns, settings, apiUrl, master);
  const key = adminKey(dataDir, options.apiKey);
  let bundled: BundledFunctions | undefined;
  if (assembly) {
    const given = new Set(Object.keys(options.settings ?? {}));
    const bundleOptions = { assembly, standIns, busUrl: apiUrl, settings, given, log };
    bundled = await startBundledFunctions({
      ...bundleOptions,
      masterKey: master,
      adminKey: key,
    }).catch(async (error: unknown) => {
      server.close();
      await standIns.stop();
      throw error;
    });
    config = bundled.hostConfig(config);
  }
  const functions = bundled ? bundledFunctions(bundled) : localFunctions(config);

  const apiKeys = new DynamoApiKeyRepository(dynamoClient(config), config.tableName('apiKeys'));
  // Kept over a restart with the same data dir and key.
  if (!(await apiKeys.find(key))) {
    await apiKeys.store(key, 'admin', { description: 'local admin key' });
  }

  const bus = localBus(functions, log);
  server.on('request', localApi(config, functions, bus, consoleDir));
  const pollers = startPollers(standIns, functions, settings, options, log);

  let stopped = false;
  return {
    apiUrl,
    ...(consoleDir !== undefined && { consoleUrl: `${apiUrl}${LOCAL_CONSOLE_PATH}` }),
    dynamoEndpoint: standIns.dynamoEndpoint,
    sqsEndpoint: standIns.sqsEndpoint,
    apiKey: key,
    dataDir,
    clients: {
      dynamo: dynamoClient(config),
      sqs: sqsClient(config),
      eventBridge: eventBridgeClient(config),
    },
    queueUrls: standIns.queueUrls,
    tableNames: standIns.tableNames,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await bus.drain();
      await pollers.stop();
      await bundled?.stop();
      destroyClients(config);
      await standIns.stop();
    },
  };
}

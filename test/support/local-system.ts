import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LocalSystem {
  readonly apiUrl: string;
  /** The local DynamoDB endpoint the banner prints. */
  readonly dynamoEndpoint: string;
  /** The local SQS endpoint and the queue URLs the banner prints. */
  readonly sqsEndpoint: string;
  readonly queueUrls: {
    readonly delivery: string;
    readonly slowDelivery: string;
    readonly deadLetter: string;
  };
  readonly apiKey: string;
  readonly dataDir: string;
  readonly output: () => string;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Authenticated JSON request against the local API. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

/**
 * Starts `bin/local.ts` (what `npm start` runs) as its own process on a free port, with a
 * fresh data dir unless one is given, and waits for it to say it is ready.
 */
export async function startLocalSystem(
  env: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'hookline-e2e-')),
): Promise<LocalSystem> {
  const apiKey = env.HOOKLINE_API_KEY ?? 'hk_admin_e2e-test-key-0123456789';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'bin/local.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        HOOKLINE_PORT: '0',
        HOOKLINE_DATA_DIR: dataDir,
        HOOKLINE_API_KEY: apiKey,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = collectOutput(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const apiUrl = await new Promise<string>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`local mode did not start:\n${output()}`)),
      30_000,
    );
    const check = () => {
      const match = /HOOKLINE_READY (\S+)/.exec(output());
      if (match?.[1]) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => fail(new Error(`local mode exited with ${code}:\n${output()}`)));
  });

  return {
    apiUrl,
    dynamoEndpoint: /DynamoDB\s+(\S+)/.exec(output())?.[1] ?? '',
    sqsEndpoint: /SQS\s+(\S+)/.exec(output())?.[1] ?? '',
    queueUrls: {
      delivery: /Deliveries\s+(\S+)/.exec(output())?.[1] ?? '',
      slowDelivery: /slow lane (\S+)\)/.exec(output())?.[1] ?? '',
      deadLetter: /Dead letters\s+(\S+)/.exec(output())?.[1] ?? '',
    },
    apiKey,
    dataDir,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
    request(method, path, body, headers = {}) {
      return fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    },
  };
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The `hookline` CLI's launcher, what `npm run hookline` and `npx hookline` run. */
export const CLI_BIN = join(ROOT, 'packages/cli/bin/hookline.js');

/** Runs the CLI (`npm run hookline -- …`) against a local system's DynamoDB, e.g. `keys create --table`. */
export async function runCli(system: LocalSystem, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: system.dynamoEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`hookline ${args.join(' ')} exited ${code}: ${output()}`);
  return output();
}

/** Everything a child process writes to stdout and stderr, as it arrives. */
function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

/**
 * Lambda bundles and cold start. Each function the stack defines is bundled with esbuild as
 * `HooklineFunction` (lib/hookline-function.ts) has CDK's NodejsFunction bundle it, into a temp
 * dir; then, in fresh `node` processes, the bundle is imported and its handler built (handlers
 * build their dependencies lazily, on the first invocation: that invocation gets an event that
 * needs no AWS call, and a second one the same event, so build ≈ first − second). The
 * processes get dummy configuration and an AWS endpoint that counts what reaches it.
 *
 * Run alone: `npx tsx bench/cold-start.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { eventBus, operationsBus } from '#shared/bus';
import { type FunctionName, functionEnv } from '#shared/functions';
import { DEFAULT_METRICS_NAMESPACE, metricNames } from '#shared/metrics';
import { queues } from '#shared/queues';
import { tables } from '#shared/tables';
import { median, round } from './stats';

const ROOT = resolve(import.meta.dirname, '..');

/** The functions the stack defines (lib/constructs: api, auth, delivery-pipeline, replay). */
const FUNCTIONS: readonly FunctionName[] = [
  'ingest',
  'management',
  'keys',
  'authorizer',
  'dispatcher',
  'replay',
];

/**
 * The bundling `HooklineFunction` gives every function (no construct overrides it), as CDK's
 * NodejsFunction passes it to esbuild: the target from the runtime (NODEJS_24_X → node24),
 * platform node, ESM, minified, source map without sources content, main fields module then
 * main, the `require` banner, and no externals (`bundleAwsSDK: true`).
 */
const STACK_BUNDLING = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __hooklineCreateRequire } from 'node:module'; const require = __hooklineCreateRequire(import.meta.url);",
  },
  external: [] as string[],
  logLevel: 'warning',
} as const;

/** The function environment the stack sets for every function (HooklineFunction). */
const STACK_NODE_OPTIONS = '--enable-source-maps';

/** What each handler is invoked with to build it: an event that needs no AWS call. */
function buildEvent(fn: FunctionName): unknown {
  const unauthenticated = (method: string, path: string) => ({
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method, path }, requestId: 'cold-start' },
    isBase64Encoded: false,
  });
  switch (fn) {
    case 'ingest':
      return unauthenticated('POST', '/v1/events'); // 401 from the middleware stack
    case 'management':
      return unauthenticated('GET', '/v1/endpoints');
    case 'keys':
      return unauthenticated('GET', '/v1/api-keys');
    case 'authorizer':
      return { type: 'REQUEST', routeKey: 'POST /v1/events', headers: {} }; // no key: refused
    default:
      return { Records: [] }; // an SQS batch with nothing in it
  }
}

/** Dummy values for everything a function may read from its environment. */
function dummyEnvironment(fn: FunctionName, awsEndpoint: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'cold',
    AWS_SECRET_ACCESS_KEY: 'start',
    AWS_SESSION_TOKEN: 'bench',
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_LAMBDA_FUNCTION_NAME: `hookline-${fn}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    POWERTOOLS_SERVICE_NAME: metricNames.service,
    POWERTOOLS_METRICS_NAMESPACE: DEFAULT_METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    [eventBus.envVar]: eventBus.defaultName,
    [operationsBus.envVar]: operationsBus.defaultName,
    [functionEnv.endpointSecretsKeyArn]: 'arn:aws:kms:us-east-1:000000000000:key/cold-start',
    [functionEnv.cursorSecretArn]:
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:cursor-cold',
    [functionEnv.bootstrapAdminKeySecretArn]:
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:admin-cold',
  };
  for (const table of Object.values(tables)) env[table.envVar] = `hookline-${table.name}`;
  for (const queue of Object.values(queues) as { name: string; envVar?: string }[])
    if (queue.envVar)
      env[queue.envVar] = `https://sqs.us-east-1.amazonaws.com/000000000000/${queue.name}`;
  return env;
}

/** Imports the bundle, builds and invokes its handler twice; writes the times to argv[4]. */
const PROBE = `
const t0 = performance.now();
const mod = await import(process.argv[2]);
const t1 = performance.now();
const event = JSON.parse(process.argv[3]);
const context = {
  functionName: 'cold-start', awsRequestId: 'cold-start', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cold-start',
  getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: false,
};
let error;
try { await mod.handler(event, context); } catch (e) { error = String(e); }
const t2 = performance.now();
try { await mod.handler(event, context); } catch {}
const t3 = performance.now();
const { writeFileSync } = await import('node:fs');
writeFileSync(process.argv[4], JSON.stringify({
  nodeStartMs: t0, importMs: t1 - t0, firstInvokeMs: t2 - t1, secondInvokeMs: t3 - t2, error,
}));
process.exit(0);
`;

interface Probe {
  nodeStartMs: number;
  importMs: number;
  firstInvokeMs: number;
  secondInvokeMs: number;
  error?: string;
}

function runProbe(
  dir: string,
  bundle: string,
  event: unknown,
  env: Record<string, string>,
): Promise<Probe> {
  const out = join(dir, `probe-${Math.random().toString(36).slice(2)}.json`);
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(dir, 'probe.mjs'), bundle, JSON.stringify(event), out],
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.once('exit', (code) => {
      try {
        done(JSON.parse(readFileSync(out, 'utf8')) as Probe);
      } catch {
        fail(new Error(`cold-start probe of ${bundle} exited with ${code}: ${stderr}`));
      }
    });
  });
}

/** Output bytes by where they came from: a package of node_modules, or Hookline's own code. */
function bytesBySource(metafile: Metafile): { source: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const source = match?.[1] ?? (input.startsWith('lambda/') ? 'lambda/ (Hookline)' : input);
      totals.set(source, (totals.get(source) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()]
    .map(([source, bytes]) => ({ source, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

export async function coldStart(options = { runs: 5 }) {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-bench-cold-'));
  writeFileSync(join(dir, 'probe.mjs'), PROBE);
  // Stands in for every AWS endpoint: counts requests (none should come) and refuses them.
  let awsRequests = 0;
  const aws = createServer((request, response) => {
    awsRequests++;
    request.resume();
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    response.end('{"__type":"ColdStartBench","message":"no AWS here"}');
  });
  await new Promise<void>((ready) => aws.listen(0, '127.0.0.1', ready));
  const awsEndpoint = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
  try {
    const functions = [];
    for (const fn of FUNCTIONS) {
      const outfile = join(dir, fn, 'index.mjs');
      const built = await build({
        ...STACK_BUNDLING,
        mainFields: [...STACK_BUNDLING.mainFields],
        entryPoints: [join(ROOT, 'lambda', 'handlers', `${fn}.ts`)],
        absWorkingDir: ROOT,
        outfile,
        metafile: true,
      });
      const code = readFileSync(outfile);
      const env = dummyEnvironment(fn, awsEndpoint);
      const event = buildEvent(fn);
      const variants: Record<string, Probe[]> = { asDeployed: [], withoutSourceMaps: [] };
      const before = awsRequests;
      for (let i = 0; i < options.runs; i++) {
        variants.asDeployed?.push(
          await runProbe(dir, outfile, event, { ...env, NODE_OPTIONS: STACK_NODE_OPTIONS }),
        );
        variants.withoutSourceMaps?.push(await runProbe(dir, outfile, event, env));
      }
      const summary = (list: Probe[]) => {
        const importMs = median(list.map((p) => p.importMs));
        const firstInvokeMs = median(list.map((p) => p.firstInvokeMs));
        const secondInvokeMs = median(list.map((p) => p.secondInvokeMs));
        return {
          nodeStartMs: round(median(list.map((p) => p.nodeStartMs)), 1),
          importMs: round(importMs, 1),
          firstInvokeMs: round(firstInvokeMs, 1),
          secondInvokeMs: round(secondInvokeMs, 2),
          buildMs: round(Math.max(0, firstInvokeMs - secondInvokeMs), 1),
          /** Import plus the first invocation (build + a trivial event), median of the sums. */
          importAndBuildMs: round(median(list.map((p) => p.importMs + p.firstInvokeMs)), 1),
          errors: [...new Set(list.map((p) => p.error).filter(Boolean))],
        };
      };
      functions.push({
        function: fn,
        entry: relative(ROOT, join(ROOT, 'lambda', 'handlers', `${fn}.ts`)),
        bundleBytes: code.length,
        bundleGzipBytes: gzipSync(code, { level: 9 }).length,
        sourceMapBytes: statSync(`${outfile}.map`).size,
        largestSources: bytesBySource(built.metafile).slice(0, 6),
        runs: options.runs,
        asDeployed: summary(variants.asDeployed ?? []),
        withoutSourceMaps: summary(variants.withoutSourceMaps ?? []),
        awsRequestsWhileBuilding: awsRequests - before,
      });
    }
    return {
      bundling: { ...STACK_BUNDLING, nodeOptionsAsDeployed: STACK_NODE_OPTIONS },
      node: process.version,
      functions,
    };
  } finally {
    aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  console.log(JSON.stringify(await coldStart(), null, 2));
}

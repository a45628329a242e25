/** Helpers for the scenarios that run the whole system in local mode, each in a child process. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** A small JSON client for the local API. */
export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    return { status: response.status, body: text ? JSON.parse(text) : {}, ms };
  }

  async createEndpoint(url: string): Promise<string> {
    const created = await this.call('POST', '/v1/endpoints', { url, description: 'bench' });
    if (created.status !== 201) throw new Error(`endpoint not created: ${created.status}`);
    return String(created.body.id);
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Random ids the way payment providers make them: they compress as badly as real payloads. */
const randomId = (prefix: string, length: number) =>
  prefix +
  Array.from(randomBytes(length), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');

/**
 * A catalog event (invoice.paid) with a random invoice id, one of 1,000 customers, an amount
 * and a time of its own: event pages are stored compressed, so a payload repeating itself
 * would flatter the cost.
 */
export function invoicePaid() {
  return {
    type: 'invoice.paid',
    data: {
      invoiceId: randomId('in_', 24),
      customerId: `cus_${String(randomBytes(2).readUInt16BE() % 1000).padStart(4, '0')}`,
      amount: 100 + (randomBytes(4).readUInt32BE() % 99_900),
      currency: 'EUR',
      paidAt: new Date().toISOString(),
      paymentMethod: 'card',
    },
  };
}

/**
 * Local mode's stand-ins persist to disk (fauxqs writes SQLite synchronously on the event loop),
 * so the data dir goes to memory (/dev/shm) where there is one: the figures are the product's,
 * not this host's disk. BENCH_DATA_ON_DISK=1 keeps it in the system temp dir.
 */
const dataRoot =
  process.env.BENCH_DATA_ON_DISK !== '1' && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
export const tempDir = (prefix: string, root = dataRoot) => mkdtempSync(join(root, prefix));
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/**
 * Counts what the process writes to stdout/stderr (EMF metrics and logs, which CloudWatch
 * Logs would ingest) and keeps it off the terminal; the tail is kept for error reports.
 */
export function captureOutput() {
  const figures = { bytes: 0, emfBytes: 0, lines: 0, tail: [] as string[] };
  const capture = (chunk: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    figures.bytes += Buffer.byteLength(text);
    for (const line of text.split('\n').filter(Boolean)) {
      figures.lines++;
      if (line.includes('"_aws"')) figures.emfBytes += Buffer.byteLength(line) + 1;
      figures.tail.push(line.slice(0, 300));
      if (figures.tail.length > 20) figures.tail.shift();
    }
    return true;
  };
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  return {
    figures,
    reset() {
      figures.bytes = 0;
      figures.emfBytes = 0;
      figures.lines = 0;
    },
    /** Lets output through to the terminal again. */
    restore() {
      process.stdout.write = original.stdout;
      process.stderr.write = original.stderr;
    },
  };
}

/**
 * Keeps this process's output off the terminal while a measurement runs, as cheaply as a pipe
 * would take it (bytes counted, nothing parsed), so it does not weigh on the figure.
 */
export function discardOutput() {
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  const figures = { bytes: 0 };
  const discard = (chunk: unknown): boolean => {
    figures.bytes += typeof chunk === 'string' ? chunk.length : (chunk as Uint8Array).length;
    return true;
  };
  process.stdout.write = discard as typeof process.stdout.write;
  process.stderr.write = discard as typeof process.stderr.write;
  return {
    figures,
    restore() {
      process.stdout.write = original.stdout;
      process.stderr.write = original.stderr;
    },
  };
}

/**
 * Runs `bench/<script>` in its own Node process (local mode keeps SDK clients per process) and
 * returns the JSON it wrote; kills it after `timeoutMs`.
 */
export async function runScenario(script: string, args: string[], timeoutMs: number) {
  const dir = tempDir('hookline-bench-out-', tmpdir());
  const outFile = join(dir, 'result.json');
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      '--import',
      'tsx',
      join('bench', script),
      outFile,
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearTimeout(timer);
  try {
    let result: Record<string, unknown> | undefined;
    try {
      result = JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, unknown>;
    } catch {
      result = undefined;
    }
    if (code !== 0 || !result || result.error) {
      const detail = result?.error
        ? `${String(result.error)}\n${JSON.stringify(result.tail)}`
        : output;
      throw new Error(`${script} ${args.join(' ')} exited with ${code}: ${detail}`);
    }
    return result;
  } finally {
    removeDir(dir);
  }
}

/** Runs a scenario body in a child process: writes its result, or its error, to argv[2]. */
export async function scenarioMain(
  body: (args: string[], output: ReturnType<typeof captureOutput>) => Promise<unknown>,
) {
  const [outFile, ...args] = process.argv.slice(2);
  if (!outFile) throw new Error('usage: <script> <result.json> [args]');
  const output = captureOutput();
  const { writeFileSync } = await import('node:fs');
  try {
    writeFileSync(outFile, JSON.stringify(await body(args, output)));
    process.exit(0);
  } catch (error) {
    writeFileSync(
      outFile,
      JSON.stringify({ error: (error as Error).stack ?? String(error), tail: output.figures.tail }),
    );
    process.exit(1);
  }
}

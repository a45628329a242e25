import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, type LocalSystem } from './local-system';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to the child's environment (after the target's). */
  readonly env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  readonly cwd?: string;
}

/** An empty working directory for the runs of a test file; {@link removeCliWorkingDir} ends it. */
let emptyDir: string | undefined;
function emptyWorkingDir(): string {
  emptyDir ??= mkdtempSync(join(tmpdir(), 'hookline-cli-'));
  return emptyDir;
}

/** Removes the working directory the CLI ran in (and the state it left there): for afterAll. */
export function removeCliWorkingDir(): void {
  if (emptyDir !== undefined) rmSync(emptyDir, { recursive: true, force: true });
  emptyDir = undefined;
}

/**
 * Runs the real `hookline` binary (the launcher npm links) as a child process, in an empty
 * working directory so no `.hookline/` of the repository is read by accident, with colour
 * off so output reads as text.
 */
export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOOKLINE_URL: undefined,
    HOOKLINE_API_KEY: undefined,
    HOOKLINE_DATA_DIR: undefined,
    FORCE_COLOR: undefined,
    NO_COLOR: '1',
    ...options.env,
  };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  return spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? emptyWorkingDir(),
    env: env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** What a running CLI has written so far, read at any time. */
export function outputOf(child: ChildProcess): { stdout(): string; stderr(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { stdout: () => stdout, stderr: () => stderr };
}

export async function runHookline(
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliRun> {
  const child = startCli(args, options);
  const output = outputOf(child);
  child.stdin?.end(options.input ?? '');
  const code = await new Promise<number | null>((done) => child.once('close', done));
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

/** The environment that points the CLI at a local system with its admin key. */
export const targetOf = (system: LocalSystem) => ({
  HOOKLINE_URL: system.apiUrl,
  HOOKLINE_API_KEY: system.apiKey,
});

/** `hookline … --json` against a system, parsed; fails with the CLI's stderr when it failed. */
export async function hooklineJson<T>(
  system: LocalSystem,
  args: readonly string[],
  input?: string,
): Promise<T> {
  const run = await runHookline([...args, '--json'], {
    env: targetOf(system),
    ...(input !== undefined && { input }),
  });
  if (run.code !== 0) {
    throw new Error(`hookline ${args.join(' ')} exited ${run.code}: ${run.stderr}${run.stdout}`);
  }
  return JSON.parse(run.stdout) as T;
}

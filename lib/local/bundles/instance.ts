import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { localContext } from '../lambda-context';
import { type BundledFunction, BundleError } from './assembly';

const WORKER = new URL('./worker.mjs', import.meta.url);

type Reply = {
  id: number;
  result?: unknown;
  error?: { name: string; message: string; stack?: string };
};

/** A function's handler as local mode calls it: event and context in, result out. */
export type Invoke = (event: unknown, context?: Context) => Promise<unknown>;

interface Instance {
  readonly invoke: Invoke;
  /** True once the instance has crashed or was stopped: it takes no more invocations. */
  readonly ended: () => boolean;
  readonly stop: () => Promise<void>;
}

/**
 * Copies the bundles out of the repository into a fresh directory under the system's temp
 * dir, so that nothing they import or require can be found in a `node_modules` above them: in
 * Lambda a bundle has only its own files (and the runtime's). Answers the new root.
 */
export function isolatedCopy(functions: readonly BundledFunction[]): {
  root: string;
  functions: BundledFunction[];
} {
  const root = mkdtempSync(join(tmpdir(), 'hookline-bundles-'));
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) {
      throw new BundleError(
        `${join(dir, 'node_modules')} would let the bundles load files they do not ship: ` +
          'set TMPDIR to a directory with no node_modules above it',
      );
    }
    if (dirname(dir) === dir) break;
  }
  return {
    root,
    functions: functions.map((fn) => {
      const assetDir = join(root, fn.name);
      cpSync(fn.assetDir, assetDir, { recursive: true });
      return { ...fn, assetDir };
    }),
  };
}

/**
 * One instance of a synthesized function: a worker thread that sees `env` as its whole
 * environment, has imported the bundle's entry file and runs invocations concurrently (one
 * instance serves all of them, as local mode's source functions do). Resolves once the bundle
 * has loaded; rejects with the bundle's own error when it cannot (a missing file, a dynamic
 * `require`, a top-level throw).
 */
async function startInstance(
  fn: BundledFunction,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<Instance> {
  const worker = new Worker(WORKER, {
    env,
    execArgv: [],
    workerData: { entry: join(fn.assetDir, fn.entryFile), exportName: fn.exportName },
    name: `hookline-${fn.name}`,
  });
  const pending = new Map<
    number,
    { done: (value: unknown) => void; fail: (error: Error) => void }
  >();
  let crashed: Error | undefined;
  await new Promise<void>((ready, fail) => {
    const onError = (error: Error) =>
      fail(
        new BundleError(
          `the bundle of ${fn.name} (${fn.logicalId}) did not load: ${error.message}`,
        ),
      );
    worker.once('error', onError);
    worker.once('exit', (code) => onError(new Error(`its worker exited with ${code}`)));
    worker.once('message', () => {
      worker.off('error', onError);
      worker.removeAllListeners('exit');
      ready();
    });
  });
  const failAll = (error: Error) => {
    crashed = error;
    for (const call of pending.values()) call.fail(error);
    pending.clear();
  };
  worker.on('message', ({ id, result, error }: Reply) => {
    const call = pending.get(id);
    pending.delete(id);
    if (!call) return;
    if (!error) return call.done(result);
    call.fail(Object.assign(new Error(error.message), { name: error.name, stack: error.stack }));
  });
  // An error outside any invocation ends the instance, as it ends a Lambda instance.
  worker.on('error', (error) => {
    log(`${fn.name} crashed: ${error.message}`);
    failAll(error);
  });
  worker.on('exit', (code) => failAll(crashed ?? new Error(`${fn.name} exited with ${code}`)));
  let next = 0;
  return {
    ended: () => crashed !== undefined,
    invoke(event, context = localContext(fn.name, fn.timeoutSeconds * 1000)) {
      if (crashed) return Promise.reject(crashed);
      const { getRemainingTimeInMillis, done, fail, succeed, ...fields } = context;
      const id = next++;
      return new Promise((resolveCall, rejectCall) => {
        pending.set(id, { done: resolveCall, fail: rejectCall });
        try {
          worker.postMessage({
            id,
            event,
            context: { ...fields, remainingMs: getRemainingTimeInMillis() },
          });
        } catch (error) {
          // An event that cannot be cloned (Lambda takes JSON only).
          pending.delete(id);
          rejectCall(error);
        }
      });
    },
    async stop() {
      crashed ??= new Error(`${fn.name} was stopped`);
      await worker.terminate();
    },
  };
}

/**
 * A synthesized function: one instance, started now (rejecting when its bundle does not
 * load), and a new one on the next invocation after it crashed, as Lambda starts a new
 * instance after one dies. The invocations in flight when it crashed fail with its error.
 */
export async function startFunction(
  fn: BundledFunction,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<{ invoke: Invoke; stop: () => Promise<void> }> {
  let current = await startInstance(fn, env, log);
  let replacing: Promise<Instance> | undefined;
  let stopped = false;
  const live = async (): Promise<Instance> => {
    if (!current.ended() || stopped) return current;
    replacing ??= startInstance(fn, env, log).finally(() => {
      replacing = undefined;
    });
    current = await replacing;
    return current;
  };
  return {
    invoke: async (event, context) => (await live()).invoke(event, context),
    async stop() {
      stopped = true;
      const replacement = replacing?.catch(() => undefined);
      await current.stop();
      await (await replacement)?.stop();
    },
  };
}

/**
 * One Lambda instance of a synthesized function: a worker thread whose `process.env` is the
 * function's environment only. It imports the bundle's entry file at once (a bundle that
 * cannot load fails the start, not the first request), then runs one invocation per message:
 * `{ id, event, context }` in, `{ id, result }` or `{ id, error }` out. Plain JavaScript, run
 * without local mode's TypeScript loader, so the bundle runs on Node as it would in Lambda.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { entry, exportName } = workerData;
const loaded = await import(pathToFileURL(entry).href);
const handler = loaded[exportName];
if (typeof handler !== 'function') {
  throw new Error(`${entry} does not export a function named ${exportName}`);
}

/** The context Lambda passes, with its methods rebuilt on this side of the thread. */
function contextOf({ remainingMs, ...fields }) {
  const deadline = Date.now() + remainingMs;
  return {
    ...fields,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

parentPort.on('message', async ({ id, event, context }) => {
  try {
    const result = await handler(event, contextOf(context));
    parentPort.postMessage({ id, result });
  } catch (error) {
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({ id, error: { name, message, stack } });
  }
});
parentPort.postMessage({ ready: true });

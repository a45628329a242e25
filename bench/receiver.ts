import { Worker } from 'node:worker_threads';

/** How the receiver answers one path; the default is 204 at once. */
export interface Behaviour {
  readonly delayMs?: number;
  /** Never answer (until the sender gives up or the receiver stops). */
  readonly hang?: boolean;
  /**
   * Answer 500 to the first request of this percentage of deliveries, then 2xx: which ones is
   * decided by a hash of the webhook-id (so the same on every run). Failed requests are
   * recorded under the path with {@link FAILED} appended, so they never count as delivered.
   */
  readonly failFirstPercent?: number;
}

/** Appended to the path of the record of a request answered 500 on purpose (the worker's `FAILED`). */
export const FAILED = '!failed';

/** [path, webhook-id, epoch ms when the request body had arrived] */
export type ReceiverRecord = [string, string, number];

export type ReceiverCommand = { id: number } & (
  | { cmd: 'behave'; path: string; behaviour?: Behaviour }
  | { cmd: 'record'; on: boolean }
  | { cmd: 'collect' }
  | { cmd: 'counts' }
  | { cmd: 'stop' }
);

type Command = ReceiverCommand extends infer C
  ? C extends unknown
    ? Omit<C, 'id'>
    : never
  : never;

/** A node:http receiver on 127.0.0.1 running in a worker thread. */
export class BenchReceiver {
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();

  private constructor(
    private readonly worker: Worker,
    readonly port: number,
  ) {
    worker.on('message', (message: { id?: number; value?: unknown }) => {
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message.value);
      this.waiting.delete(message.id);
    });
  }

  static async start(): Promise<BenchReceiver> {
    const worker = new Worker(new URL('./receiver-worker.ts', import.meta.url));
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { ready: number }) => resolve(message.ready));
    });
    return new BenchReceiver(worker, port);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private call<T>(command: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (value: unknown) => void);
      this.worker.postMessage({ ...command, id });
    });
  }

  behave(path: string, behaviour?: Behaviour): Promise<boolean> {
    return this.call({ cmd: 'behave', path, ...(behaviour && { behaviour }) });
  }

  /** Starts (clearing what was recorded) or stops recording requests. */
  record(on: boolean): Promise<boolean> {
    return this.call({ cmd: 'record', on });
  }

  collect(): Promise<ReceiverRecord[]> {
    return this.call({ cmd: 'collect' });
  }

  /** Requests per path since start, recorded or not. */
  counts(): Promise<Record<string, number>> {
    return this.call({ cmd: 'counts' });
  }

  async stop(): Promise<void> {
    await this.call({ cmd: 'stop' });
    await this.worker.terminate();
  }
}

/** A worker thread running one shard; it posts progress lines and, at the end, its figures. */
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardConfig } from './shard';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread of bench/simulation/main.ts');
const result = await runShard(workerData as ShardConfig, (line) =>
  port.postMessage({ progress: line }),
);
port.postMessage({ result });

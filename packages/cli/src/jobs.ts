import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api.js';
import { formatTime, type Output } from './output.js';
import { ProgressBar } from './progress.js';

/** A replay or redrive job as `GET /v1/jobs/{id}` answers it. */
export interface Job {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'completed';
  readonly spec: { readonly kind: 'redrive' | 'replay'; readonly [field: string]: unknown };
  readonly scanned: number;
  readonly queued: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

const POLL_MS = 500;

/**
 * Polls a job until it completes, with a progress bar of what it has looked at. `total` is
 * what it will look at when known beforehand (a redrive looks at the whole DLQ); without it
 * the bar counts up with the job. A job records its progress once per page (up to the
 * function's run time), so the bar also shows the time taken: a long page still shows life.
 */
export async function waitForJob(api: ApiClient, started: Job, total?: number): Promise<Job> {
  const bar = new ProgressBar<{ status: string; queued: number }>(
    `${started.spec.kind} {bar} {status} {duration_formatted} | {value}${total === undefined ? '' : '/{total}'} looked at | {queued} queued`,
  );
  bar.start(total ?? started.scanned, { status: started.status, queued: started.queued });
  try {
    return await pollJob(api, started, {
      seen: (job) =>
        bar.update(job.scanned, { status: job.status, queued: job.queued }, total ?? job.scanned),
    });
  } finally {
    bar.stop();
  }
}

/**
 * Reads a job every half second until it completes or `deadline` (epoch ms) passes, telling
 * `seen` each state read; answers the last state read.
 */
export async function pollJob(
  api: ApiClient,
  started: Job,
  options: { readonly deadline?: number; readonly seen?: (job: Job) => void } = {},
): Promise<Job> {
  let job = started;
  const before = (deadline?: number) => deadline === undefined || Date.now() < deadline;
  while (job.status !== 'completed' && before(options.deadline)) {
    await sleep(POLL_MS);
    job = await api.get<Job>(`/v1/jobs/${encodeURIComponent(job.id)}`);
    options.seen?.(job);
  }
  return job;
}

/** What a person reads about a job: its state and counts on one line. */
export function jobLine(out: Output, job: Job): string {
  const what = job.spec.kind === 'redrive' ? 'redrive' : 'replay';
  const finished = job.finishedAt ? ` at ${formatTime(job.finishedAt)}` : '';
  return `${what} job ${job.id} ${out.status(job.status)}${finished}: ${job.scanned} looked at, ${job.queued} queued for delivery`;
}

/** Prints a job: its JSON, or its line and, when it was left running, how to follow it. */
export function printJob(out: Output, job: Job): void {
  out.data(job);
  out.line(jobLine(out, job));
  if (job.status !== 'completed') out.line(`Follow it with: hookline jobs wait ${job.id}`);
}

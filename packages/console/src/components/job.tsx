import { useEffect, useState } from 'preact/hooks';
import { api, enc, type Job, type Problem } from '../api';
import { useSession } from '../session';
import { ProblemView, toProblem } from './common';

/** A replay or redrive job's progress, polled until it completes. */
export function JobProgress({ jobId, onDone }: { jobId: string; onDone?: () => void }) {
  const { announce } = useSession();
  const [job, setJob] = useState<Job | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const current = await api<Job>('GET', `/v1/jobs/${enc(jobId)}`);
        if (!live) return;
        setJob(current);
        if (current.status === 'completed') {
          announce(
            `Job ${jobId} completed: ${current.queued} queued of ${current.scanned} looked at.`,
          );
          onDone?.();
          return;
        }
      } catch (error) {
        if (!live) return;
        setProblem(toProblem(error));
        return;
      }
      timer = setTimeout(poll, 1000);
    };
    void poll();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [jobId]);
  return (
    <div class="job" data-job-status={job?.status ?? 'loading'}>
      <p>
        Job <code>{jobId}</code>: <strong class="job-status">{job?.status ?? 'starting'}</strong>
        {job && (
          <>
            {' '}
            — {job.scanned} looked at, {job.queued} queued
          </>
        )}
      </p>
      {job && job.status !== 'completed' && <progress aria-label={`Job ${jobId} in progress`} />}
      <ProblemView problem={problem} />
    </div>
  );
}

/**
 * When deliveries fail: an operator sees the dead letters and why with `hookline`, fixes the
 * receiver, redrives and replays, and the webhooks arrive. Local mode retries after seconds
 * and gives up after two attempts, so a failing endpoint dead-letters fast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { hooklineJson, removeCliWorkingDir, runHookline, targetOf } from '../support/cli';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';

interface Letter {
  eventId: string;
  endpointId: string;
  reason: string;
  attempts: number;
  lastStatus: number | null;
}

interface JobView {
  id: string;
  status: string;
  scanned: number;
  queued: number;
}

describe('hookline dlq, replay, jobs, events, attempts and stats', () => {
  let system: LocalSystem;
  const receiver = new Receiver();
  let endpointId = '';
  const eventIds: string[] = [];

  beforeAll(async () => {
    await receiver.start();
    system = await startLocalSystem({
      HOOKLINE_RETRY_SCHEDULE: '1s,1s',
      HOOKLINE_MAX_ATTEMPTS: '2',
    });
    receiver.behave('/down', () => ({ status: 503, body: 'down for maintenance' }));
    ({ id: endpointId } = await hooklineJson<{ id: string }>(system, [
      'endpoints',
      'add',
      '--url',
      receiver.url('/down'),
      '--tenant',
      'ops',
    ]));
    for (let i = 0; i < 2; i++) {
      const published = await hooklineJson<{ id: string }>(system, [
        'publish',
        'invoice.paid',
        '--tenant',
        'ops',
        '--data',
        JSON.stringify(exampleOf('invoice.paid')),
      ]);
      eventIds.push(published.id);
    }
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    if (system) removeDataDir(system.dataDir);
    removeCliWorkingDir();
  });

  const hookline = (args: readonly string[]) => runHookline(args, { env: targetOf(system) });

  it('lists the dead letters of a failing endpoint with their reasons', async () => {
    // Prepare
    let letters: Letter[] = [];
    await waitFor(
      () => letters.length === 2,
      30_000,
      async () => {
        letters = await hooklineJson<Letter[]>(system, ['dlq', 'list', '--endpoint', endpointId]);
      },
    );

    // Act
    const table = await hookline(['dlq', 'list', '--endpoint', endpointId]);
    const one = await hookline(['dlq', 'show', eventIds[0] as string]);
    const attempts = await hooklineJson<{ outcome: string; status: number }[]>(system, [
      'attempts',
      endpointId,
      '--status',
      'failed',
    ]);
    const stats = await hookline(['stats', endpointId]);
    const event = await hookline(['events', 'show', eventIds[0] as string]);

    // Assess
    expect(letters.map((l) => l.eventId).sort()).toEqual([...eventIds].sort());
    expect(letters[0]).toMatchObject({
      endpointId,
      reason: 'max_attempts',
      attempts: 2,
      lastStatus: 503,
    });
    for (const id of eventIds) {
      expect(table.stdout).toMatch(
        new RegExp(`${id} +${endpointId} +invoice\\.paid +max_attempts +2 +503 +HTTP 503`),
      );
    }
    expect(table.stdout).toMatch(/2 dead letters/);
    expect(one.stdout).toMatch(/reason +max_attempts/);
    expect(one.stdout).toMatch(/\n1 +\S+ \S+ +503 +\d+ ms +HTTP 503\n2 +\S+ \S+ +503 /);
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(attempts.every((a) => a.outcome === 'failed' && a.status === 503)).toBe(true);
    expect(stats.stdout).toMatch(/failed +[4-9]/);
    expect(stats.stdout).toMatch(/dead letters +2/);
    expect(event.stdout).toMatch(
      new RegExp(`${endpointId} +dead_lettered +2 +\\S+ \\S+ +503 +HTTP 503 / max_attempts`),
    );
  });

  it('redrives the dead letters once the receiver is fixed, waiting until the job is done', async () => {
    // Prepare
    receiver.heal();

    // Act
    const run = await hookline(['dlq', 'redrive', '--endpoint', endpointId]);
    const delivered = await waitFor(
      () =>
        eventIds.every((id) =>
          receiver.accepted('/down').some((r) => r.headers['webhook-id'] === id),
        ),
      20_000,
    );
    const left = await hooklineJson<Letter[]>(system, ['dlq', 'list', '--endpoint', endpointId]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^redrive job job_\w+ completed at .*: \d+ looked at, 2 queued for delivery\n$/,
    );
    expect(delivered).toBe(true);
    expect(left).toEqual([]);
  });

  it("replays an endpoint's events and shows the job it ran", async () => {
    // Prepare
    const before = receiver.accepted('/down').length;

    // Act
    const run = await hookline(['replay', endpointId, '--since', '1h', '--types', 'invoice.*']);
    const jobId = /job (job_\w+)/.exec(run.stdout)?.[1] as string;
    const shown = await hooklineJson<JobView>(system, ['jobs', 'show', jobId]);
    const replayed = await waitFor(() => receiver.accepted('/down').length >= before + 2, 20_000);
    const again = await runHookline(['jobs', 'wait', jobId], { env: targetOf(system) });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^replay job job_\w+ completed .*: 2 looked at, 2 queued for delivery/,
    );
    expect(shown).toMatchObject({ id: jobId, status: 'completed', scanned: 2, queued: 2 });
    expect(replayed).toBe(true);
    const ids = receiver
      .accepted('/down')
      .slice(before)
      .map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual([...eventIds].sort());
    expect(again.stdout).toMatch(/completed/);
  });

  it('starts a job without waiting with --no-wait, and lists events newest first', async () => {
    // Act
    const job = await hooklineJson<JobView>(system, [
      'replay',
      endpointId,
      '--since',
      '1h',
      '--no-wait',
    ]);
    const waited = await hooklineJson<JobView>(system, ['jobs', 'wait', job.id]);
    const events = await hooklineJson<{ id: string }[]>(system, [
      'events',
      'list',
      '--tenant',
      'ops',
      '--limit',
      '1',
    ]);
    const table = await hookline([
      'events',
      'list',
      '--tenant',
      'ops',
      '--since',
      '1h',
      '--type',
      'invoice.paid',
    ]);

    // Assess
    expect(job.status).not.toBe('completed');
    expect(waited).toMatchObject({ id: job.id, status: 'completed', queued: 2 });
    expect(events.map((e) => e.id)).toEqual([eventIds[1]]);
    expect(table.stdout.split('\n').filter((line) => line.includes('invoice.paid'))).toHaveLength(
      2,
    );
  });
});

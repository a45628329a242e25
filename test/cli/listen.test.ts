/**
 * `hookline listen` end to end: a polling endpoint in local mode, its feed forwarded to a
 * node:http receiver on this machine, verified with the secret listen prints.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { hooklineJson, removeCliWorkingDir, runHookline, startCli, targetOf } from '../support/cli';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { type ReceivedRequest, Receiver, waitFor } from '../support/receiver';
import { verifies } from '../support/webhooks';

interface ListenEvent {
  event: string;
  endpointId?: string;
  secret?: string;
  deleted?: boolean;
  webhookId?: string;
  status?: number;
  retryInMs?: number;
}

/** A running `hookline listen --json`: what it printed so far, and how it ended. */
class Listener {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(system: LocalSystem, args: readonly string[]) {
    this.child = startCli(['listen', ...args], { env: targetOf(system) });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((done) => this.child.once('close', done));
  }

  events(): ListenEvent[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ListenEvent);
  }

  /** Once it listens (its `listening` event, or the line a person reads). */
  async ready(): Promise<ListenEvent> {
    const human = () => /^Forwarding to /m.test(this.stdout);
    await waitFor(() => human() || this.events().some((e) => e.event === 'listening'), 20_000);
    const listening = human()
      ? { event: 'listening' }
      : this.events().find((e) => e.event === 'listening');
    if (!listening) throw new Error(`listen did not start: ${this.stderr}${this.stdout}`);
    return listening;
  }

  /** Ctrl-C, and the exit code once it has cleaned up. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

describe('hookline listen', () => {
  let system: LocalSystem;
  const receiver = new Receiver();
  const running: Listener[] = [];
  const stateDir = mkdtempSync(join(tmpdir(), 'hookline-listen-'));

  beforeAll(async () => {
    await receiver.start();
    system = await startLocalSystem();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((listener) => listener.interrupt()));
  });

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    if (system) removeDataDir(system.dataDir);
    removeCliWorkingDir();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const listen = (args: readonly string[], json = true) => {
    const listener = new Listener(system, json ? ['--json', ...args] : args);
    running.push(listener);
    return listener;
  };

  const publish = async (type: string, id: string, tenant = 'default') => {
    const response = await system.request('POST', '/v1/events', {
      type,
      data: exampleOf(type),
      id,
      tenant,
    });
    expect(response.status).toBe(202);
  };

  /** The requests `path` accepted for each id, once the last id is there. */
  const arrived = async (path: string, ids: readonly string[]) => {
    const last = ids.at(-1);
    await waitFor(
      () => receiver.accepted(path).some((r) => r.headers['webhook-id'] === last),
      20_000,
    );
    return receiver.accepted(path);
  };
  const idsOf = (requests: readonly ReceivedRequest[]) =>
    requests.map((r) => r.headers['webhook-id']);

  it('forwards what is published while it runs, signed with the secret it prints, and deletes its endpoint on Ctrl-C', async () => {
    // Prepare
    const listener = listen([
      '--forward-to',
      receiver.url('/run'),
      '--events',
      'invoice.*',
      '--tenant',
      'listen',
    ]);
    const { endpointId, secret } = await listener.ready();

    // Act
    await publish('invoice.paid', 'run-1', 'listen');
    await publish('customer.created', 'run-skipped-type', 'listen');
    await publish('invoice.payment_failed', 'run-2', 'listen');
    await publish('invoice.paid', 'run-elsewhere', 'default');
    await publish('invoice.paid', 'run-3', 'listen');
    const received = await arrived('/run', ['run-1', 'run-2', 'run-3']);
    const code = await listener.interrupt();
    running.splice(running.indexOf(listener), 1);
    const afterwards = await runHookline(['endpoints', 'show', endpointId as string], {
      env: targetOf(system),
    });

    // Assess
    expect(secret).toMatch(/^whsec_/);
    expect(idsOf(received)).toEqual(['run-1', 'run-2', 'run-3']);
    expect(received.every((r) => verifies(secret as string, r))).toBe(true);
    expect(JSON.parse(received[1]?.body ?? '{}')).toMatchObject({ type: 'invoice.payment_failed' });
    expect(
      listener
        .events()
        .filter((e) => e.event === 'forwarded')
        .map((e) => [e.webhookId, e.status]),
    ).toEqual([
      ['run-1', 204],
      ['run-2', 204],
      ['run-3', 204],
    ]);
    expect(code).toBe(0);
    expect(listener.events().at(-1)).toEqual({ event: 'stopped', endpointId, deleted: true });
    expect(afterwards.code).toBe(1);
    expect(afterwards.stderr).toMatch(/Not Found/);
  });

  it('resumes a named endpoint where it stopped: what was published meanwhile arrives, each once', async () => {
    // Prepare
    const { id: endpointId } = await hooklineJson<{ id: string }>(system, [
      'endpoints',
      'add',
      '--polling',
      '--tenant',
      'resume',
    ]);
    const args = [
      '--forward-to',
      receiver.url('/resume'),
      '--endpoint',
      endpointId,
      '--state-dir',
      stateDir,
    ];
    const first = listen(args);
    const { secret } = await first.ready();
    await publish('invoice.paid', 'before-1', 'resume');
    await publish('invoice.paid', 'before-2', 'resume');
    await arrived('/resume', ['before-1', 'before-2']);

    // Act
    const stoppedCode = await first.interrupt();
    running.splice(running.indexOf(first), 1);
    for (const id of ['while-1', 'while-2', 'while-3'])
      await publish('customer.created', id, 'resume');
    const second = listen(args, false);
    await second.ready();
    await publish('invoice.paid', 'after-1', 'resume');
    const received = await arrived('/resume', ['while-1', 'while-2', 'while-3', 'after-1']);
    const kept = await runHookline(['endpoints', 'show', endpointId], { env: targetOf(system) });

    // Assess
    expect(stoppedCode).toBe(0);
    expect(first.events().at(-1)).toEqual({ event: 'stopped', endpointId, deleted: false });
    expect(idsOf(received)).toEqual([
      'before-1',
      'before-2',
      'while-1',
      'while-2',
      'while-3',
      'after-1',
    ]);
    expect(received.every((r) => verifies(secret as string, r))).toBe(true);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/type +polling/);
    expect(second.stdout).toContain(
      `Listening with polling endpoint ${endpointId} (tenant resume, events all).`,
    );
    expect(second.stdout).toContain(`Signing secret: ${secret}`);
    expect(second.stdout).toMatch(/Resuming where the last run stopped/);
    expect(second.stdout).toMatch(
      /\n\d\d:\d\d:\d\d {2}customer\.created {2}while-1 {2}204 {2}\d+ ms\n/,
    );
  });

  it('retries a forward the receiver refuses, and skips one it keeps refusing without losing the rest', async () => {
    // Prepare
    receiver.behave('/flaky', (request, seenBefore) => ({
      status: request.headers['webhook-id'] === 'flaky-never' || seenBefore === 0 ? 500 : 204,
    }));
    const listener = listen(['--forward-to', receiver.url('/flaky'), '--tenant', 'flaky']);
    await listener.ready();

    // Act
    await publish('invoice.paid', 'flaky-once', 'flaky');
    await publish('invoice.paid', 'flaky-never', 'flaky');
    await publish('invoice.paid', 'flaky-next', 'flaky');
    const accepted = await arrived('/flaky', ['flaky-next']);

    // Assess
    expect(idsOf(accepted)).toEqual(['flaky-once', 'flaky-next']);
    const never = receiver.to('/flaky').filter((r) => r.headers['webhook-id'] === 'flaky-never');
    expect(never.length).toBe(4);
    const events = listener.events();
    expect(events.find((e) => e.event === 'failed' && e.webhookId === 'flaky-once')).toMatchObject({
      status: 500,
      retryInMs: 500,
    });
    expect(events.filter((e) => e.event === 'skipped').map((e) => e.webhookId)).toEqual([
      'flaky-never',
    ]);
    expect(listener.stderr).toMatch(/warning: gave up forwarding flaky-never/);
  });

  it('refuses to read a push endpoint', async () => {
    // Prepare
    const { id } = await hooklineJson<{ id: string }>(system, [
      'endpoints',
      'add',
      '--url',
      receiver.url('/push'),
    ]);

    // Act
    const run = await runHookline(
      ['listen', '--endpoint', id, '--forward-to', receiver.url('/x')],
      {
        env: targetOf(system),
      },
    );

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `hookline: ${id} is a push endpoint; listen reads polling endpoints (omit --endpoint to make one)\n`,
    );
  });
});

/**
 * `hookline publish` against local mode: one event and NDJSON batches, over HTTPS and over
 * EventBridge PutEvents, each reaching a real receiver signed with the endpoint's secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { hooklineJson, removeCliWorkingDir, runHookline, targetOf } from '../support/cli';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';
import { verifies } from '../support/webhooks';

const paid = JSON.stringify(exampleOf('invoice.paid'));
const ndjson = (lines: readonly unknown[]) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');

interface BatchSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: { line: number; status: string; id?: string; eventBridgeId?: string; reason?: string }[];
}

describe('hookline publish', () => {
  let system: LocalSystem;
  const receiver = new Receiver();
  let secret = '';
  const dir = mkdtempSync(join(tmpdir(), 'hookline-publish-'));

  beforeAll(async () => {
    await receiver.start();
    system = await startLocalSystem();
    const created = await hooklineJson<{ secret: string }>(system, [
      'endpoints',
      'add',
      '--url',
      receiver.url('/hooks'),
      '--tenant',
      'cli',
    ]);
    secret = created.secret;
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    if (system) removeDataDir(system.dataDir);
    removeCliWorkingDir();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The deliveries the receiver accepted for these webhook ids, once each is there. */
  const deliveredIds = async (ids: readonly string[]) => {
    await waitFor(
      () =>
        ids.every((id) => receiver.accepted('/hooks').some((r) => r.headers['webhook-id'] === id)),
      20_000,
    );
    return receiver.accepted('/hooks').filter((r) => ids.includes(String(r.headers['webhook-id'])));
  };

  it('publishes one event over HTTPS and prints its id and deliveries', async () => {
    // Act
    const human = await runHookline(
      ['publish', 'invoice.paid', '--data', paid, '--tenant', 'cli'],
      {
        env: targetOf(system),
      },
    );
    const json = await hooklineJson<{ id: string; deliveries: number }>(system, [
      'publish',
      'invoice.paid',
      '--data',
      paid,
      '--tenant',
      'cli',
    ]);

    // Assess
    const humanId = /Published invoice\.paid (msg_\w+) at .*: 1 delivery queued/.exec(
      human.stdout,
    )?.[1];
    expect(human.code).toBe(0);
    expect(humanId).toBeDefined();
    expect(json).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      type: 'invoice.paid',
      deliveries: 1,
    });
    const delivered = await deliveredIds([humanId as string, json.id]);
    expect(delivered).toHaveLength(2);
    expect(delivered.every((d) => verifies(secret, d))).toBe(true);
  });

  it('reads --data from a file, and answers a repeat with the same idempotency key with the first event', async () => {
    // Prepare
    const file = join(dir, 'invoice.json');
    writeFileSync(file, paid);
    const args = [
      'publish',
      'invoice.paid',
      '--data',
      `@${file}`,
      '--tenant',
      'cli',
      '--idempotency-key',
      'order-1042',
    ];

    // Act
    const first = await runHookline(args, { env: targetOf(system) });
    const again = await runHookline(args, { env: targetOf(system) });

    // Assess
    const id = /(msg_\w+)/.exec(first.stdout)?.[1] as string;
    expect(first.code).toBe(0);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(`^Already published invoice\\.paid ${id} .*queued nothing new`),
    );
    await deliveredIds([id]);
    expect(receiver.accepted('/hooks').filter((r) => r.headers['webhook-id'] === id)).toHaveLength(
      1,
    );
  });

  it('publishes one event through EventBridge PutEvents on the local bus', async () => {
    // Act
    const run = await runHookline(
      [
        'publish',
        'invoice.paid',
        '--via',
        'eventbridge',
        '--data',
        paid,
        '--tenant',
        'cli',
        '--id',
        'bus-single-1',
      ],
      { env: targetOf(system) },
    );

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Put invoice\.paid on bus hookline \(EventBridge id [0-9a-f-]{36}\)/,
    );
    const [delivery] = await deliveredIds(['bus-single-1']);
    expect(delivery && verifies(secret, delivery)).toBe(true);
  });

  it('reports an entry PutEvents refused and exits non-zero', async () => {
    // Act
    const run = await runHookline(
      [
        'publish',
        'invoice.paid',
        '--via',
        'eventbridge',
        '--bus',
        'no-such-bus',
        '--data',
        paid,
        '--json',
      ],
      { env: targetOf(system) },
    );

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ResourceNotFoundException' }],
    });
    expect(run.stderr).toMatch(
      /^hookline: EventBridge did not put the event: ResourceNotFoundException: no bus no-such-bus/,
    );
  });

  it('refuses an event that breaks its schema, naming each field, with exit code 1', async () => {
    // Act
    const run = await runHookline(
      ['publish', 'invoice.paid', '--data', '{"invoiceId":"in_1042","amount":"lots"}'],
      {
        env: targetOf(system),
      },
    );

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^hookline: Unprocessable Content: data does not match the schema of invoice\.paid v1; .*\/data\/amount: must be integer/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('publishes an NDJSON file in batches of 100 and lists each rejected line with its reason', async () => {
    // Prepare
    const lines: unknown[] = Array.from({ length: 150 }, (_, i) => ({
      type: 'invoice.paid',
      data: exampleOf('invoice.paid'),
      id: `file-${i}`,
    }));
    lines[41] = { type: 'invoice.paid', data: { amount: 'lots' } };
    lines[120] = 'this is not json';
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${ndjson(lines)}\n\n`);

    // Act
    const human = await runHookline(['publish', '--file', file, '--tenant', 'cli'], {
      env: targetOf(system),
    });
    const json = await runHookline(['publish', '--file', file, '--tenant', 'cli', '--json'], {
      env: targetOf(system),
    });

    // Assess
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /^Sent 150 events from .*events\.ndjson over https: 148 accepted, 0 duplicates, 2 rejected/,
    );
    expect(human.stdout).toMatch(
      /\n42 +invoice\.paid +422 +Unprocessable Content: .*\/data\/amount: must be integer/,
    );
    expect(human.stdout).toMatch(/\n121 +- +- +line is not JSON/);
    expect(human.stderr).toBe(`hookline: 2 events of ${file} rejected\n`);
    const summary = JSON.parse(json.stdout) as BatchSummary;
    expect(json.code).toBe(1);
    expect(summary).toMatchObject({ rejected: 2 });
    expect(summary.accepted + summary.duplicates).toBe(148);
    expect(summary.results.filter((r) => r.status === 'rejected').map((r) => r.line)).toEqual([
      42, 121,
    ]);
    const delivered = await deliveredIds(['file-0', 'file-99', 'file-100', 'file-149']);
    expect(delivered).toHaveLength(4);
  });

  it('publishes NDJSON from stdin over HTTPS and over EventBridge', async () => {
    // Prepare
    const events = (prefix: string) =>
      `${ndjson(
        Array.from({ length: 12 }, (_, i) => ({
          type: 'invoice.paid',
          data: exampleOf('invoice.paid'),
          tenant: 'cli',
          id: `${prefix}-${i}`,
        })),
      )}\n`;

    // Act
    const https = await hooklineJson<BatchSummary>(system, ['publish', '-'], events('stdin'));
    const repeated = await hooklineJson<BatchSummary>(system, ['publish', '-'], events('stdin'));
    const bus = await hooklineJson<BatchSummary>(
      system,
      ['publish', '-', '--via', 'eventbridge'],
      events('stdin-bus'),
    );

    // Assess
    expect(https).toMatchObject({ accepted: 12, duplicates: 0, rejected: 0 });
    // The same ids again: the API answers each as a repeat, and nothing is delivered twice.
    expect(repeated).toMatchObject({ accepted: 0, duplicates: 12, rejected: 0 });
    expect(https.results.map((r) => r.id)).toEqual(
      Array.from({ length: 12 }, (_, i) => `stdin-${i}`),
    );
    expect(bus).toMatchObject({ accepted: 12, rejected: 0 });
    expect(bus.results.every((r) => /^[0-9a-f-]{36}$/.test(r.eventBridgeId ?? ''))).toBe(true);
    const ids = ['stdin', 'stdin-bus'].flatMap((p) =>
      Array.from({ length: 12 }, (_, i) => `${p}-${i}`),
    );
    const delivered = await deliveredIds(ids);
    expect(new Set(delivered.map((d) => d.headers['webhook-id'])).size).toBe(24);
    expect(delivered.every((d) => verifies(secret, d))).toBe(true);
  });
});

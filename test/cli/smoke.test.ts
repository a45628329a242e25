/**
 * `hookline smoke` against local mode: passing end to end (and cleaning up after itself), with
 * `--stack` through the CloudFormation, Secrets Manager, SNS and CloudWatch stand-ins, and
 * failing with one clear line when the dispatcher is stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerStandIn } from '../../lib/local/secrets-manager-stand-in';
import {
  type CliRun,
  outputOf,
  removeCliWorkingDir,
  runHookline,
  startCli,
  targetOf,
} from '../support/cli';
import { CloudFormationStandIn } from '../support/cloudformation';
import { CloudWatchStandIn } from '../support/cloudwatch';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { waitFor } from '../support/receiver';
import { SnsStandIn } from '../support/sns';

interface SmokeReport {
  ok: boolean;
  apiUrl: string;
  stack?: string;
  tenant: string;
  seconds: number;
  steps: { name: string; status: 'pass' | 'fail' | 'skip'; seconds: number; detail: string }[];
}

const STEPS = [
  'api',
  'endpoints',
  'publish-https',
  'publish-eventbridge',
  'feed',
  'dead-letter',
  'console',
  'alarm-topic',
  'dashboard',
  'cleanup',
];

/** The table row of a step in the human output: its result and detail. */
const row = (run: CliRun, step: string) =>
  new RegExp(`^${step}\\s+(PASS|FAIL|SKIP)\\s+\\d+\\.\\d\\s+(.*)$`, 'm').exec(run.stdout);

const tenantOf = (run: CliRun) => /throwaway tenant (smoke-[0-9a-f]{8})/.exec(run.stdout)?.[1];

async function endpointsOf(system: LocalSystem, tenant: string): Promise<unknown[]> {
  const response = await system.request('GET', `/v1/endpoints?tenant=${tenant}`);
  return ((await response.json()) as { data: unknown[] }).data;
}

async function dlqDepth(system: LocalSystem): Promise<number> {
  const response = await system.request('GET', '/v1/dead-letters');
  return ((await response.json()) as { queueDepth: number }).queueDepth;
}

describe('hookline smoke', () => {
  afterAll(removeCliWorkingDir);

  describe('against local mode', () => {
    let system: LocalSystem;

    beforeAll(async () => {
      system = await startLocalSystem();
    }, 60_000);

    afterAll(async () => {
      await system?.stop();
      if (system) removeDataDir(system.dataDir);
    });

    it('passes every step, and leaves no endpoint behind and the DLQ as it was', async () => {
      // Prepare
      const depthBefore = await dlqDepth(system);

      // Act
      const run = await runHookline(['smoke', '--timeout', '15s', '--json'], {
        env: targetOf(system),
      });

      // Assess
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as SmokeReport;
      expect(report).toMatchObject({ ok: true, apiUrl: system.apiUrl });
      expect(report.tenant).toMatch(/^smoke-[0-9a-f]{8}$/);
      expect(report.steps.map((s) => s.name)).toEqual(STEPS);
      expect(report.steps.filter((s) => s.status === 'skip').map((s) => s.name)).toEqual([
        'alarm-topic',
        'dashboard',
      ]);
      expect(report.steps.find((s) => s.name === 'dashboard')?.detail).toBe(
        'local mode has no alarms or dashboard',
      );
      expect(report.steps.find((s) => s.name === 'feed')?.detail).toMatch(
        /^2 of 2 events read, signatures verified/,
      );
      expect(report.steps.find((s) => s.name === 'dead-letter')?.detail).toMatch(
        /^2 dead letters: max_attempts after 2 attempts \(last: 401\)$/,
      );
      expect(report.steps.find((s) => s.name === 'console')?.detail).toBe(
        `${system.apiUrl}/console/: the page with its CSP, and a portal token for ${report.tenant} through its origin`,
      );
      expect(await endpointsOf(system, report.tenant)).toEqual([]);
      // The portal session it opened is revoked, not left to expire.
      const keys = (await (await system.request('GET', '/v1/api-keys')).json()) as {
        data: { tenant?: string }[];
      };
      expect(keys.data.filter((k) => k.tenant === report.tenant)).toEqual([]);
      expect(await dlqDepth(system)).toBe(depthBefore);
      // The dead letters went back to the queue and were dropped (their endpoint is gone), not
      // tried and dead-lettered again, which would take the failing endpoint's 1 s retry.
      await sleep(2000);
      expect(await dlqDepth(system)).toBe(depthBefore);
    });

    describe('with --stack', () => {
      const cloudFormation = new CloudFormationStandIn();
      const secrets = new SecretsManagerStandIn();
      const sns = new SnsStandIn();
      const cloudWatch = new CloudWatchStandIn();
      let aws: Record<string, string> = {};

      beforeAll(async () => {
        await Promise.all([cloudFormation, secrets, sns, cloudWatch].map((s) => s.start()));
        const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bootstrap-AbCdEf';
        const topicArn = 'arn:aws:sns:us-east-1:000000000000:Hookline-staging-alarms';
        const outputs = {
          ApiUrl: `${system.apiUrl}/`,
          EventBusName: 'hookline',
          AlarmTopicArn: topicArn,
          DashboardName: 'Hookline-staging',
          BootstrapAdminKeySecretArn: secretArn,
          ConsoleUrl: `${system.apiUrl}/console/`,
        };
        cloudFormation.stacks.set('Hookline-staging', outputs);
        cloudFormation.stacks.set('Hookline-elsewhere', {
          ...outputs,
          ConsoleUrl: 'https://d111111abcdef8.cloudfront.net/',
        });
        cloudFormation.stacks.set('Hookline-broken', { ...outputs, DashboardName: 'Gone' });
        secrets.secrets.set(secretArn, system.apiKey);
        sns.topics.set(topicArn, { confirmed: 1 });
        cloudWatch.dashboards.set('Hookline-staging', { widgets: [{}, {}, {}] });
        aws = {
          AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
          AWS_ENDPOINT_URL_SNS: sns.endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        };
      });

      afterAll(async () => {
        await Promise.all([cloudFormation, secrets, sns, cloudWatch].map((s) => s.stop()));
      });

      it("checks the stack's alarm topic and dashboard, and prints a table of every step", async () => {
        // Act
        const run = await runHookline(['smoke', '--stack', 'Hookline-staging', '--timeout', '15'], {
          env: aws,
        });

        // Assess
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^STEP\s+RESULT\s+SECONDS\s+DETAIL$/m);
        for (const step of STEPS) expect(row(run, step)?.[1], step).toBe('PASS');
        expect(row(run, 'alarm-topic')?.[2]).toBe(
          'arn:aws:sns:us-east-1:000000000000:Hookline-staging-alarms: 1 confirmed subscriptions',
        );
        expect(row(run, 'dashboard')?.[2]).toBe('Hookline-staging: 3 widgets');
        expect(run.stdout).toMatch(/\nPASS: every step passed or was skipped, in [\d.]+ s\n$/);
        expect(run.stdout).not.toContain(system.apiKey);
      });

      it("fails the console step when portal links lead elsewhere than the stack's ConsoleUrl", async () => {
        // Act
        const run = await runHookline(
          ['smoke', '--stack', 'Hookline-elsewhere', '--timeout', '15'],
          { env: aws },
        );

        // Assess
        expect(run.code).toBe(1);
        expect(row(run, 'console')?.[1]).toBe('FAIL');
        expect(row(run, 'dashboard')?.[1]).toBe('PASS');
        expect(run.stderr).toBe(
          `hookline: smoke: console: the portal link leads to ${system.apiUrl}/console/, not to the stack's ConsoleUrl https://d111111abcdef8.cloudfront.net/\n`,
        );
      });

      it('fails with a clear line when the dashboard does not exist', async () => {
        // Act
        const run = await runHookline(['smoke', '--stack', 'Hookline-broken', '--timeout', '15'], {
          env: aws,
        });

        // Assess
        expect(run.code).toBe(1);
        expect(row(run, 'dashboard')?.[1]).toBe('FAIL');
        expect(row(run, 'alarm-topic')?.[1]).toBe('PASS');
        expect(row(run, 'cleanup')?.[1]).toBe('PASS');
        expect(run.stderr).toBe('hookline: smoke: dashboard: the dashboard Gone does not exist\n');
        expect(await endpointsOf(system, tenantOf(run) as string)).toEqual([]);
      });
    });
  });

  describe('when the dispatcher is stopped', () => {
    let system: LocalSystem;

    beforeAll(async () => {
      system = await startLocalSystem({ HOOKLINE_LOCAL_DISPATCHER: 'off' });
    }, 60_000);

    afterAll(async () => {
      await system?.stop();
      if (system) removeDataDir(system.dataDir);
    });

    it('fails at the dead letter with one clear line, exit code 1, and still cleans up', async () => {
      // Act
      const run = await runHookline(['smoke', '--timeout', '3s'], { env: targetOf(system) });

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'hookline: smoke: dead-letter: expected 2 dead letters (max_attempts after 2 attempts) within 3 s, saw not one delivery attempt: is the dispatcher running?\n',
      );
      // Polling feeds are written when an event is published, without the dispatcher.
      expect(row(run, 'feed')?.[1]).toBe('PASS');
      expect(row(run, 'dead-letter')?.[1]).toBe('FAIL');
      expect(row(run, 'cleanup')?.[1]).toBe('PASS');
      expect(run.stdout).toMatch(/\nFAIL: 1 of 10 steps failed, in [\d.]+ s\n$/);
      expect(await endpointsOf(system, tenantOf(run) as string)).toEqual([]);
    });

    it('cleans up after Ctrl-C and exits 130', async () => {
      // Prepare
      const child = startCli(['smoke', '--timeout', '30s'], { env: targetOf(system) });
      const output = outputOf(child);
      const exited = new Promise<number | null>((done) => child.once('close', done));
      expect(await waitFor(() => /throwaway tenant/.test(output.stdout()), 10_000)).toBe(true);
      const tenant = tenantOf({ code: null, stdout: output.stdout(), stderr: '' }) as string;
      // Interrupted once its endpoints exist: it then waits for dead letters that never come.
      let endpoints = 0;
      const created = await waitFor(
        () => endpoints === 2,
        10_000,
        async () => {
          endpoints = (await endpointsOf(system, tenant)).length;
        },
      );
      expect(created).toBe(true);

      // Act
      child.kill('SIGINT');
      const code = await exited;
      const [stdout, stderr] = [output.stdout(), output.stderr()];

      // Assess
      expect(code).toBe(130);
      expect(stderr).toMatch(/interrupted: cleaning up/);
      expect(stderr).toMatch(/\nhookline: smoke: interrupted \(Ctrl-C\) at [a-z-]+\n$/);
      expect(row({ code, stdout, stderr }, 'cleanup')?.[1]).toBe('PASS');
      expect(await endpointsOf(system, tenant)).toEqual([]);
    });
  });
});

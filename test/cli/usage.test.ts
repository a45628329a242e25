/**
 * The CLI as someone first meets it: help with examples everywhere, and one clear line with a
 * non-zero exit for every mistake. Nothing here needs a running Hookline; `--stack` reads its
 * outputs and key from CloudFormation and Secrets Manager stand-ins.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerStandIn } from '../../lib/local/secrets-manager-stand-in';
import { removeCliWorkingDir, runHookline } from '../support/cli';
import { CloudFormationStandIn } from '../support/cloudformation';
import { Receiver } from '../support/receiver';

/** The subcommands a help text lists under `Commands:`. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((match) => match[1] as string)
    .filter((name) => name !== 'help');
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('hookline help and usage errors', () => {
  afterAll(removeCliWorkingDir);

  it('prints help with examples for the program and for every command', async () => {
    // Prepare
    const root = await runHookline(['--help']);
    const paths: string[][] = [];
    const visit = async (path: string[]) => {
      const help = await runHookline([...path, '--help']);
      paths.push(path);
      expect(help.code, `hookline ${path.join(' ')} --help`).toBe(0);
      expect(help.stdout, `hookline ${path.join(' ')} --help`).toMatch(
        /Examples:\n {2}\$ hookline /,
      );
      await Promise.all(commandsIn(help.stdout).map((name) => visit([...path, name])));
    };

    // Act
    await Promise.all(commandsIn(root.stdout).map((name) => visit([name])));

    // Assess
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/Examples:\n {2}\$ hookline /);
    const names = paths.map((path) => path.join(' '));
    for (const expected of [
      'publish',
      'endpoints add',
      'endpoints rotate-secret',
      'events show',
      'attempts',
      'stats',
      'dlq redrive',
      'replay',
      'jobs wait',
      'keys create',
      'listen',
      'smoke',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('refuses an unknown command or option and a missing required one with exit code 2', async () => {
    // Act
    const unknown = await runHookline(['endpionts', 'list']);
    const typo = await runHookline(['endpoints', 'lst']);
    const option = await runHookline(['endpoints', 'list', '--bogus']);
    const missing = await runHookline(['replay', 'ep_01M8GJMNCQ5JDV1V2DS1G1P63A']);
    const argument = await runHookline(['endpoints', 'show']);
    const contradictory = await runHookline([
      'endpoints',
      'add',
      '--url',
      'http://a:8080',
      '--polling',
    ]);

    // Assess
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^hookline: unknown command 'endpionts'.*endpoints/);
    expect(typo.stderr).toMatch(/Did you mean list\?/);
    expect(option).toMatchObject({ code: 2, stderr: "hookline: unknown option '--bogus'\n" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("hookline: required option '--since <time>' not specified\n");
    expect(argument.code).toBe(2);
    expect(argument.stderr).toMatch(/missing required argument 'id'/);
    expect(contradictory.code).toBe(2);
    expect(contradictory.stderr).toMatch(/--url .* or --polling/);
    for (const run of [unknown, typo, option, missing, argument, contradictory]) {
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  });

  it('says local mode may not be running when nothing answers', async () => {
    // Prepare
    const url = `http://127.0.0.1:${await closedPort()}`;

    // Act
    const run = await runHookline(['endpoints', 'list', '--url', url, '--api-key', 'hk_admin_x']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `hookline: cannot reach ${url} (connection refused): is local mode running (npm start)? Otherwise pass --url or set HOOKLINE_URL\n`,
    );
  });

  it('asks for an API key when none is given and local mode has written none here', async () => {
    // Act
    const run = await runHookline(['endpoints', 'list']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^hookline: no API key: pass --api-key or set HOOKLINE_API_KEY/);
  });

  it("reads local mode's admin key from .hookline/admin-key in the working directory", async () => {
    // Prepare
    const api = await new Receiver().start();
    api.behave('/v1/endpoints?limit=100', () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"data":[]}',
    }));
    const cwd = mkdtempSync(join(tmpdir(), 'hookline-cli-'));
    mkdirSync(join(cwd, '.hookline'));
    writeFileSync(join(cwd, '.hookline', 'admin-key'), 'hk_admin_from-the-data-dir\n');

    // Act
    const run = await runHookline(['endpoints', 'list', '--json', '--url', api.url('')], { cwd });
    await api.stop();
    rmSync(cwd, { recursive: true, force: true });

    // Assess
    expect(run).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(api.requests[0]?.headers.authorization).toBe('Bearer hk_admin_from-the-data-dir');
  });

  describe('with --stack', () => {
    const cloudFormation = new CloudFormationStandIn();
    const secrets = new SecretsManagerStandIn();
    const api = new Receiver();
    let aws: Record<string, string> = {};

    beforeAll(async () => {
      await Promise.all([cloudFormation.start(), secrets.start(), api.start()]);
      const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bootstrap-AbCdEf';
      cloudFormation.stacks.set('Hookline-prod', {
        ApiUrl: `${api.url('')}/`,
        EventBusName: 'hookline-prod',
        BootstrapAdminKeySecretArn: secretArn,
      });
      secrets.secrets.set(secretArn, 'hk_admin_bootstrap-from-secrets-manager');
      api.behave('/v1/endpoints?limit=100', () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          data: [
            {
              id: 'ep_01M8GJMNCQ5JDV1V2DS1G1P63A',
              tenant: 'default',
              url: 'https://example.com/h',
              enabled: true,
            },
          ],
        }),
      }));
      aws = {
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
    });

    afterAll(async () => {
      await Promise.all([cloudFormation.stop(), secrets.stop(), api.stop()]);
    });

    it("talks to the stack's API with the bootstrap admin key from Secrets Manager", async () => {
      // Act
      const run = await runHookline(['endpoints', 'list', '--stack', 'Hookline-prod'], {
        env: aws,
      });

      // Assess
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /ep_01M8GJMNCQ5JDV1V2DS1G1P63A\s+push\s+https:\/\/example\.com\/h/,
      );
      expect(api.requests.at(-1)?.headers.authorization).toBe(
        'Bearer hk_admin_bootstrap-from-secrets-manager',
      );
    });

    it('names a stack that does not exist', async () => {
      // Act
      const run = await runHookline(['--stack', 'NoSuchStack', 'endpoints', 'list'], { env: aws });

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^hookline: cannot read stack NoSuchStack: .*does not exist\n$/);
    });

    it('asks for a region when neither --region nor the environment gives one', async () => {
      // Prepare: credentials, but no region anywhere (nor in a config file).
      const env = {
        ...aws,
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_PROFILE: undefined,
      };

      // Act
      const run = await runHookline(['smoke', '--stack', 'Hookline-staging'], { env });

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'hookline: cannot read stack Hookline-staging: no AWS region: give --region or set AWS_REGION\n',
      );
    });
  });
});

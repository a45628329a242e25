/**
 * Managing endpoints and API keys with `hookline` against local mode, as an operator would:
 * what each command prints, and that what it changed is what the API then does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { hooklineJson, removeCliWorkingDir, runHookline, targetOf } from '../support/cli';
import { type LocalSystem, removeDataDir, runCli, startLocalSystem } from '../support/local-system';
import { type ReceivedRequest, Receiver, waitFor } from '../support/receiver';
import { verifies } from '../support/webhooks';

interface EndpointView {
  id: string;
  url: string;
  enabled: boolean;
  eventTypes?: string[];
  description?: string;
  secret?: string;
}

describe('hookline endpoints and keys', () => {
  let system: LocalSystem;
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    system = await startLocalSystem();
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    if (system) removeDataDir(system.dataDir);
    removeCliWorkingDir();
  });

  const hookline = (args: readonly string[]) => runHookline(args, { env: targetOf(system) });

  it('adds, lists, shows, updates, rotates, tests and removes an endpoint', async () => {
    // Act: add
    const added = await hookline([
      'endpoints',
      'add',
      '--url',
      receiver.url('/life'),
      '--events',
      'invoice.*, customer.created',
      '--tenant',
      'life',
      '--description',
      'billing',
    ]);
    const id = /Created push endpoint (ep_\w+)/.exec(added.stdout)?.[1] as string;
    const secret = /^ {2}(whsec_\S+)$/m.exec(added.stdout)?.[1] as string;

    // Act: list, show
    const listed = await hookline(['endpoints', 'list', '--tenant', 'life']);
    const listedJson = await hooklineJson<EndpointView[]>(system, [
      'endpoints',
      'list',
      '--tenant',
      'life',
    ]);
    const shown = await hookline(['endpoints', 'show', id]);

    // Act: test with the first secret
    const tested = await hookline(['endpoints', 'test', id, '--type', 'customer.created']);
    await waitFor(() => receiver.accepted('/life').length === 1, 15_000);

    // Act: update
    const disabled = await hooklineJson<EndpointView>(system, [
      'endpoints',
      'update',
      id,
      '--disable',
      '--description',
      '',
    ]);
    const updated = await hookline([
      'endpoints',
      'update',
      id,
      '--enable',
      '--url',
      receiver.url('/life-v2'),
      '--events',
      'invoice.paid',
    ]);

    // Act: rotate with a grace period, then test again
    const rotated = await hookline(['endpoints', 'rotate-secret', id, '--grace', '1h']);
    const newSecret = /^ {2}(whsec_\S+)$/m.exec(rotated.stdout)?.[1] as string;
    const current = await hookline(['endpoints', 'secret', id]);
    const retested = await hookline(['endpoints', 'test', id]);
    // Dispatchers keep an endpoint read for a moment (a second locally): until the change
    // reaches them, a test may still go to the old URL with the old secret alone.
    const bothSecrets = (d: ReceivedRequest) => verifies(newSecret, d) && verifies(secret, d);
    let resent = Date.now();
    const signedWithBoth = await waitFor(
      () => receiver.accepted('/life-v2').some(bothSecrets),
      15_000,
      async () => {
        if (Date.now() - resent < 1000) return;
        resent = Date.now();
        await system.request('POST', `/v1/endpoints/${id}/test`, {});
      },
    );

    // Act: remove
    const removed = await hookline(['endpoints', 'rm', id]);
    const gone = await hookline(['endpoints', 'show', id]);

    // Assess
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/events +invoice\.\*,customer\.created/);
    expect(secret).toMatch(/^whsec_/);
    expect(listed.stdout).toMatch(
      new RegExp(
        `${id} +push +${receiver.url('/life')} +invoice\\.\\*,customer\\.created +enabled +billing`,
      ),
    );
    expect(listedJson.map((e) => e.id)).toEqual([id]);
    expect(listedJson[0]).not.toHaveProperty('secret');
    expect(shown.stdout).toMatch(/tenant +life/);
    expect(tested.stdout).toMatch(
      new RegExp(`Sent a test customer\\.created \\(msg_\\w+\\) to ${id}`),
    );
    expect(verifies(secret, receiver.accepted('/life')[0] as ReceivedRequest)).toBe(true);
    expect(disabled).toMatchObject({ id, enabled: false });
    expect(disabled).not.toHaveProperty('description');
    expect(updated.stdout).toMatch(/enabled +enabled/);
    expect(updated.stdout).toMatch(/events +invoice\.paid/);
    expect(rotated.stdout).toMatch(
      /The old secret also signs until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/,
    );
    expect(newSecret).not.toBe(secret);
    expect(current.stdout).toBe(`${newSecret}\n`);
    expect(retested.stdout).toMatch(/^Sent a test invoice\.paid/);
    expect(signedWithBoth).toBe(true);
    expect(removed).toMatchObject({ code: 0, stdout: `Deleted endpoint ${id}\n` });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`hookline: Not Found: no endpoint ${id}\n`);
  });

  it('shows the problem the API found, naming each field, and exits 1', async () => {
    // Act
    const run = await hookline([
      'endpoints',
      'add',
      '--url',
      'http://127.0.0.1:22/hooks',
      '--events',
      'Not A Type',
    ]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^hookline: Bad Request: invalid endpoint; \/url: must use an allowed port .*; \/eventTypes\[0\]: must be an event type/,
    );
  });

  it('creates a publish key shown once, lists it by prefix only, and revokes it', async () => {
    // Act
    const created = await hookline([
      'keys',
      'create',
      '--scope',
      'publish',
      '--tenant',
      'acme',
      '--description',
      'billing',
    ]);
    const key = /^(hk_publish_\S+)$/m.exec(created.stdout)?.[1] as string;
    const keyId = /\((key_[\w-]+),/.exec(created.stdout)?.[1] as string;
    const published = await runHookline(
      ['publish', 'invoice.paid', '--data', JSON.stringify(exampleOf('invoice.paid'))],
      {
        env: { HOOKLINE_URL: system.apiUrl, HOOKLINE_API_KEY: key },
      },
    );
    const listed = await hookline(['keys', 'list']);
    const revoked = await hookline(['keys', 'revoke', key.slice(0, 17)]);
    const afterwards = await hooklineJson<{ id: string }[]>(system, ['keys', 'list']);

    // Assess
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created a publish key for tenant acme .*It is shown this once/);
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/^Published invoice\.paid msg_/);
    expect(listed.stdout).toMatch(
      new RegExp(`${keyId} +${key.slice(0, 17)}… +publish +acme +\\S+ \\S+ +billing`),
    );
    expect(listed.stdout).not.toContain(key);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked publish key ${keyId}`));
    expect(afterwards.map((k) => k.id)).not.toContain(keyId);
  });

  it('makes a key straight in the keys table (--table) that the API knows by the same id', async () => {
    // Act
    const created = await runCli(system, [
      'keys',
      'create',
      '--table',
      'hookline-api-keys',
      '--scope',
      'admin',
    ]);
    const key = /^(hk_admin_\S+)$/m.exec(created)?.[1] as string;
    const keyId = /\((key_[\w-]+),/.exec(created)?.[1];
    const asThatKey = await runHookline(['keys', 'list', '--json'], {
      env: { HOOKLINE_URL: system.apiUrl, HOOKLINE_API_KEY: key },
    });
    const fromTable = await runCli(system, ['keys', 'list', '--table', 'hookline-api-keys']);

    // Assess
    expect(asThatKey.code).toBe(0);
    expect((JSON.parse(asThatKey.stdout) as { id: string }[]).map((k) => k.id)).toContain(keyId);
    expect(fromTable).toContain(keyId);
    expect(fromTable).not.toContain(key);
  });

  it('opens a tenant portal link whose token manages that tenant only, for the time asked', async () => {
    // Act
    const opened = await hookline(['portal', 'acme', '--ttl', '15m']);
    const url = /^ {0}(http\S+#portal=hk_portal_\S+)$/m.exec(opened.stdout)?.[1] as string;
    const token = url.split('#portal=')[1] as string;
    const me = await fetch(`${system.apiUrl}/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const badTtl = await hookline(['portal', 'acme', '--ttl', 'soon']);

    // Assess
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/^A portal for tenant acme, until /);
    expect(url.startsWith(`${system.apiUrl}/console/#portal=`)).toBe(true);
    const body = (await me.json()) as { scope: string; tenant: string; expiresAt: string };
    expect(body).toMatchObject({ scope: 'portal', tenant: 'acme' });
    const lasts = Date.parse(body.expiresAt) - Date.now();
    expect(lasts).toBeGreaterThan(14 * 60_000);
    expect(lasts).toBeLessThanOrEqual(15 * 60_000);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain('--ttl must be a duration');
  });
});

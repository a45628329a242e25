import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AxeViolation,
  axeViolations,
  type Browser,
  CHROMIUM,
  formatViolations,
  launchBrowser,
  SCREENSHOTS_DIR,
  watchErrors,
} from '../support/browser';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';

const CONSOLE_DIR = join(import.meta.dirname, '../../packages/console');

async function buildConsole(): Promise<void> {
  const vite = join(import.meta.dirname, '../../node_modules/vite/bin/vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: CONSOLE_DIR,
  });
}

interface CatalogEntry {
  type: string;
  example: unknown;
}

/**
 * The console in Debian's Chromium, served by local mode at `/console/` with its CSP, against
 * local mode's API and sandbox receiver.
 */
describe.skipIf(!CHROMIUM)('console in Chromium', () => {
  let system: LocalSystem;
  let browser: Browser;
  let consoleUrl: string;
  let catalog: CatalogEntry[];
  /** Serious and critical axe violations, per page and theme, asserted in each test. */
  const a11y: string[] = [];

  beforeAll(async () => {
    // The console under test is the one in this tree: build it (local mode builds it only when missing).
    await buildConsole();
    [system, browser] = await Promise.all([
      startLocalSystem({ HOOKLINE_RETRY_SCHEDULE: '1s', HOOKLINE_MAX_ATTEMPTS: '2' }),
      launchBrowser(),
    ]);
    consoleUrl = `${system.apiUrl}/console/`;
    catalog = (
      (await (await system.request('GET', '/v1/event-types')).json()) as {
        data: CatalogEntry[];
      }
    ).data;
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  async function json<T>(response: Response | Promise<Response>, status?: number): Promise<T> {
    const answer = await response;
    const text = await answer.text();
    if (status !== undefined) expect(answer.status, text).toBe(status);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    return { page, errors };
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(consoleUrl);
    await page.getByLabel('API key').fill(system.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
  }

  async function go(page: Page, route: string, heading: string | RegExp): Promise<void> {
    await page.evaluate(`location.hash = ${JSON.stringify(route)}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /** axe in the light and the dark theme; the page is left in light. */
  async function checkA11y(page: Page, where: string): Promise<void> {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const violations: AxeViolation[] = await axeViolations(page);
      if (violations.length > 0)
        a11y.push(formatViolations(`${where} (${colorScheme})`, violations));
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  function expectAccessible(): void {
    const found = a11y.splice(0);
    expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`) });
  }

  async function publish(type: string, tenant?: string): Promise<string> {
    const entry = catalog.find((e) => e.type === type);
    const event = await json<{ id: string }>(
      system.request('POST', '/v1/events', {
        type,
        data: entry?.example,
        ...(tenant && { tenant }),
      }),
      202,
    );
    return event.id;
  }

  async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 300));
    }
  }

  it('signs in with a key kept only in sessionStorage, refuses a wrong key, and signs out', async () => {
    const { page, errors } = await openPage();
    await page.goto(consoleUrl);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Hookline' }).waitFor();
    await checkA11y(page, 'sign-in');

    await page.getByLabel('API key').fill('hk_admin_not-a-real-key-0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/not|401|403/i);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await signIn(page);
    const stored = (await page.evaluate(
      '({session: JSON.stringify({ ...sessionStorage }), local: JSON.stringify({ ...localStorage }), cookie: document.cookie})',
    )) as { session: string; local: string; cookie: string };
    expect(stored.session).toContain(system.apiKey);
    expect(stored.local).not.toContain(system.apiKey);
    expect(stored.cookie).toBe('');
    expect(await browser.context.cookies()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Hookline' }).waitFor();
    expect(await page.evaluate('JSON.stringify({ ...sessionStorage })')).not.toContain(
      system.apiKey,
    );
    // The wrong key's 401 is the only error the page may log.
    expect(errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('creates an endpoint through the UI and shows a published event delivered to it', async () => {
    const { page, errors } = await openPage();
    await signIn(page);
    const type = catalog[0]?.type ?? '';
    await page.getByRole('button', { name: 'New endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill(`${system.apiUrl}/sandbox/ui-delivered`);
    await page.getByLabel('Description (optional)').fill('Billing receiver');
    await page.getByRole('checkbox', { name: type, exact: true }).check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { level: 1, name: 'Billing receiver' }).waitFor();
    const endpointId = decodeURIComponent(page.url().split('#/endpoints/')[1] ?? '');
    expect(endpointId).toMatch(/^ep_/);
    const stored = await json<{ eventTypes: string[]; url: string }>(
      system.request('GET', `/v1/endpoints/${endpointId}`),
      200,
    );
    expect(stored.eventTypes).toEqual([type]);

    // A few more first, so that the charts have something to show.
    await Promise.all([publish(type), publish(type), publish(type)]);
    const eventId = await publish(type);
    await eventually('the sandbox to receive the webhook', async () => {
      const box = await json<{ data: { webhookId: string }[] }>(
        system.request('GET', '/sandbox/ui-delivered'),
      );
      return box.data.find((d) => d.webhookId === eventId);
    });

    await go(page, `#/events/${eventId}`, `Event ${eventId}`);
    const row = page.locator(`tr[data-endpoint-id="${endpointId}"]`);
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return row.textContent();
        },
        { timeout: 15_000 },
      )
      .toContain('delivered');
    await checkA11y(page, 'event detail');
    await screenshot(page, 'event-detail');

    await go(page, `#/endpoints/${endpointId}`, 'Billing receiver');
    const attempts = page.locator('table.attempts tbody tr');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh attempts' }).click();
          return attempts.first().textContent();
        },
        { timeout: 15_000 },
      )
      .toMatch(/delivered.*204/);
    await page.getByLabel('Show').selectOption('failed');
    await page.getByText('No attempts failed yet.').waitFor();
    await page.getByLabel('Show').selectOption('');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh', exact: true }).click();
          return page.locator('.health .figures').textContent();
        },
        { timeout: 15_000 },
      )
      .toMatch(/Delivered \/ failed\s*4 \/ 0/);
    const chart = page.getByRole('img', { name: /Last hour: 4 delivered, 0 failed/ });
    await chart.waitFor();
    await checkA11y(page, 'endpoint detail');
    await screenshot(page, 'endpoint-detail');

    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await expect.poll(() => page.getByTestId('signing-secret').textContent()).toMatch(/^whsec_/);

    await go(page, '#/endpoints', 'Endpoints');
    await page.locator(`[data-endpoint-id="${endpointId}"] .health`).waitFor();
    await checkA11y(page, 'endpoints');
    await screenshot(page, 'endpoints');

    await go(page, '#/events', 'Events');
    await page.getByRole('link', { name: eventId }).waitFor();
    await checkA11y(page, 'events');

    expect(errors).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('sends a test event, edits, disables, rotates the secret, replays and deletes an endpoint', async () => {
    const type = catalog[0]?.type ?? '';
    const endpoint = await json<{ id: string; secret: string }>(
      system.request('POST', '/v1/endpoints', {
        url: `${system.apiUrl}/sandbox/ui-manage`,
        description: 'Managed receiver',
      }),
      201,
    );
    const { page, errors } = await openPage();
    await signIn(page);
    await go(page, `#/endpoints/${endpoint.id}`, 'Managed receiver');

    await page.getByLabel('Event type').selectOption(type);
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh attempts' }).click();
          return page.locator('table.attempts tbody tr').first().textContent();
        },
        { timeout: 15_000 },
      )
      .toContain(type);

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Description (optional)').fill('Renamed receiver');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Renamed receiver' }).waitFor();

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    const stored = await json<{ enabled: boolean; description: string }>(
      system.request('GET', `/v1/endpoints/${endpoint.id}`),
      200,
    );
    expect(stored).toMatchObject({ enabled: false, description: 'Renamed receiver' });
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await expect.poll(() => page.getByTestId('signing-secret').textContent()).toMatch(/^whsec_/);
    expect(await page.getByTestId('signing-secret').textContent()).not.toBe(endpoint.secret);

    await page.getByRole('button', { name: 'Replay' }).click();
    await expect
      .poll(() => page.locator('.job').getAttribute('data-job-status'), { timeout: 20_000 })
      .toBe('completed');

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    expect((await system.request('GET', `/v1/endpoints/${endpoint.id}`)).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists a failing endpoint’s dead letters with their reason and redrives them', async () => {
    const type = catalog[0]?.type ?? '';
    const endpoint = await json<{ id: string }>(
      system.request('POST', '/v1/endpoints', {
        url: `${system.apiUrl}/sandbox/ui-failing?status=500`,
        description: 'Always failing',
        eventTypes: [type],
        retrySchedule: ['1s'],
        maxAttempts: 2,
      }),
      201,
    );
    const eventId = await publish(type);
    await eventually(
      'the delivery to be dead-lettered',
      async () => {
        const page = await json<{ data: { eventId: string }[] }>(
          system.request('GET', `/v1/dead-letters?endpointId=${endpoint.id}`),
        );
        return page.data.find((d) => d.eventId === eventId);
      },
      25_000,
    );

    const { page, errors } = await openPage();
    await signIn(page);
    await go(page, '#/dead-letters', 'Dead letters');
    await page.getByLabel('Endpoint ID').fill(endpoint.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.locator(`tr[data-event-id="${eventId}"]`);
    await expect.poll(() => row.textContent()).toContain('max attempts');
    await expect.poll(() => row.textContent()).toContain('500');
    await checkA11y(page, 'dead letters');
    await screenshot(page, 'dead-letters');

    await page.getByRole('button', { name: 'Redrive all matching the filter' }).click();
    await page.getByRole('button', { name: 'Redrive them' }).click();
    await expect
      .poll(() => page.locator('.job').getAttribute('data-job-status'), { timeout: 20_000 })
      .toBe('completed');
    expect(await page.locator('.job').textContent()).toMatch(/[1-9]\d* queued/);

    await page.getByRole('checkbox', { name: `Select ${type} ${eventId}` }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('confines a portal link to its tenant and takes the token out of the address bar', async () => {
    const make = (tenant: string, name: string) =>
      json<{ id: string }>(
        system.request('POST', '/v1/endpoints', {
          url: `${system.apiUrl}/sandbox/${name}`,
          tenant,
          description: `${tenant} ${name}`,
        }),
        201,
      );
    const acme = [await make('acme', 'acme-one'), await make('acme', 'acme-two')];
    const globex = await make('globex', 'globex-one');
    const session = await json<{ url: string; token: string; tenant: string; expiresAt: string }>(
      system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 600 }),
      201,
    );
    expect(session.tenant).toBe('acme');
    expect(session.url).toContain('#portal=');

    const { page, errors } = await openPage();
    await page.goto(session.url);
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    expect(page.url()).not.toContain(session.token);
    expect(page.url()).not.toContain('portal=');
    await expect.poll(() => page.locator('header').textContent()).toContain('acme');
    await page.locator('[data-endpoint-id]').first().waitFor();
    const listed = await page
      .locator('[data-endpoint-id]')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-endpoint-id')));
    expect(listed.sort()).toEqual(acme.map((e) => e.id).sort());
    expect(listed).not.toContain(globex.id);
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    await checkA11y(page, 'portal endpoints');
    await screenshot(page, 'portal');

    // The portal reveals an endpoint's signing secret for its own tenant.
    await go(page, `#/endpoints/${acme[0]?.id}`, 'acme acme-one');
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await expect.poll(() => page.getByTestId('signing-secret').textContent()).toMatch(/^whsec_/);
    await checkA11y(page, 'portal endpoint detail');

    // Another tenant's endpoint, by id, is not found in the portal either.
    await go(page, `#/endpoints/${globex.id}`, 'Endpoint');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/404/);

    const withToken = (method: string, path: string, body?: unknown) =>
      fetch(`${system.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${session.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    expect((await withToken('GET', `/v1/endpoints/${acme[0]?.id}`)).status).toBe(200);
    expect((await withToken('GET', `/v1/endpoints/${globex.id}`)).status).toBe(404);
    expect((await withToken('GET', '/v1/endpoints?tenant=globex')).status).toBe(403);
    const type = catalog[0]?.type ?? '';
    const entry = catalog[0]?.example;
    expect((await withToken('POST', '/v1/events', { type, data: entry })).status).toBe(403);
    expect((await withToken('GET', '/v1/api-keys')).status).toBe(403);
    expect((await withToken('POST', '/v1/portal-sessions', { tenant: 'globex' })).status).toBe(403);

    // The only errors the page may log are the expected 404 of the other tenant's endpoint.
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('returns to sign-in saying so when a portal link has expired, before or while in use', async () => {
    const { page, errors } = await openPage();
    const stale = await json<{ url: string; token: string }>(
      system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 1 }),
      201,
    );
    const live = await json<{ url: string; token: string; expiresAt: string }>(
      system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 4 }),
      201,
    );
    await page.goto(live.url);
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();

    await new Promise((done) => setTimeout(done, 2000));
    const expired = await fetch(`${system.apiUrl}/v1/me`, {
      headers: { authorization: `Bearer ${stale.token}` },
    });
    expect(expired.status).toBe(401);
    const other = await openPage();
    await other.page.goto(stale.url);
    await other.page.getByRole('heading', { level: 1, name: 'Sign in to Hookline' }).waitFor();
    await expect
      .poll(() => other.page.getByRole('alert').first().textContent())
      .toContain('portal link has expired');
    expect(other.page.url()).not.toContain(stale.token);
    expect(await other.page.evaluate('sessionStorage.length')).toBe(0);
    await other.page.close();

    // The open portal finds out at its next request.
    const wait = Date.parse(live.expiresAt) + 1000 - Date.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Hookline' }).waitFor();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('portal link has expired');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(other.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });

  it('shows the catalog and manages API keys, showing a new key once', async () => {
    const { page, errors } = await openPage();
    await signIn(page);
    await go(page, '#/catalog', 'Event catalog');
    await page
      .getByRole('heading', { level: 2, name: new RegExp(catalog[0]?.type ?? '') })
      .waitFor();
    await checkA11y(page, 'catalog');

    await go(page, '#/keys', 'API keys');
    await page.getByLabel('Scope').selectOption('publish');
    await page.getByLabel('Tenant (optional; confines the key to it)').fill('acme');
    await page.getByLabel('Description (optional)').fill('billing publisher');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-key').textContent();
    expect(key).toMatch(/^hk_publish_/);
    await page.getByText('It is shown only this once').waitFor();
    const row = page.getByRole('row', { name: /billing publisher/ });
    await row.waitFor();
    await checkA11y(page, 'API keys');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row.count()).toBe(0);
    const published = await fetch(`${system.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: catalog[0]?.type, data: catalog[0]?.example }),
    });
    expect(published.status).toBeGreaterThanOrEqual(401);
    expect(errors).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('fits a phone, and has a dark theme', async () => {
    await json(
      system.request('POST', '/v1/endpoints', {
        url: `${system.apiUrl}/sandbox/ui-phone`,
        description: 'Orders receiver',
      }),
      201,
    );
    const { page, errors } = await openPage();
    await signIn(page);
    await page.locator('[data-endpoint-id] .health').first().waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await checkA11y(page, 'endpoints at 390 px');
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'phone.png') });
    for (const [route, heading] of [
      ['#/dead-letters', 'Dead letters'],
      ['#/events', 'Events'],
      ['#/endpoints', 'Endpoints'],
    ] as const) {
      await page.setViewportSize({ width: 360, height: 740 });
      await go(page, route, heading);
      expect(
        await page.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        ),
        `${route} is wider than 360 px`,
      ).toBeLessThanOrEqual(0);
    }

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Dark theme' }).waitFor();
    await screenshot(page, 'dark');
    expect(
      await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
    ).not.toBe('rgb(255, 255, 255)');

    // The toggle overrides the system's preference and is remembered (not a secret).
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Dark theme' }).click();
    expect(await page.evaluate("localStorage.getItem('hookline.theme')")).toBe('dark');
    await page.evaluate("localStorage.removeItem('hookline.theme')");
    expect(errors).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('loads every page with no console errors and no CSP violations, focusing each heading', async () => {
    const { page, errors } = await openPage();
    await signIn(page);
    for (const [route, heading] of [
      ['#/events', 'Events'],
      ['#/dead-letters', 'Dead letters'],
      ['#/catalog', 'Event catalog'],
      ['#/keys', 'API keys'],
      ['#/endpoints', 'Endpoints'],
    ] as const) {
      await go(page, route, heading);
      await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe(heading);
    }
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});

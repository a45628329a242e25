/**
 * The operator console in Debian's Chromium, against local mode: sign-in, endpoints, a
 * delivery seen arriving, dead letters redriven, the catalog and API keys; axe on each page.
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM } from '../support/browser';
import { useConsole } from '../support/console-harness';

describe.skipIf(!CHROMIUM)('the console in Chromium', () => {
  const c = useConsole({ HOOKLINE_RETRY_SCHEDULE: '1s', HOOKLINE_MAX_ATTEMPTS: '2' });
  const {
    json,
    openPage,
    signIn,
    go,
    checkA11y,
    expectAccessible,
    screenshot,
    publish,
    eventually,
  } = c;

  it('signs in with a key kept only in sessionStorage, refuses a wrong key, and signs out', async () => {
    const { page, errors } = await openPage();
    await page.goto(c.consoleUrl);
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
    expect(stored.session).toContain(c.system.apiKey);
    expect(stored.local).not.toContain(c.system.apiKey);
    expect(stored.cookie).toBe('');
    expect(await c.browser.context.cookies()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Hookline' }).waitFor();
    expect(await page.evaluate('JSON.stringify({ ...sessionStorage })')).not.toContain(
      c.system.apiKey,
    );
    // The wrong key's 401 is the only error the page may log.
    expect(errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('creates an endpoint through the UI and shows a published event delivered to it', async () => {
    const { page, errors } = await openPage();
    await signIn(page);
    const type = c.catalog[0]?.type ?? '';
    await page.getByRole('button', { name: 'New endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill(`${c.system.apiUrl}/sandbox/ui-delivered`);
    await page.getByLabel('Description (optional)').fill('Billing receiver');
    await page.getByRole('checkbox', { name: type, exact: true }).check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { level: 1, name: 'Billing receiver' }).waitFor();
    const endpointId = decodeURIComponent(page.url().split('#/endpoints/')[1] ?? '');
    expect(endpointId).toMatch(/^ep_/);
    const stored = await json<{ eventTypes: string[]; url: string }>(
      c.system.request('GET', `/v1/endpoints/${endpointId}`),
      200,
    );
    expect(stored.eventTypes).toEqual([type]);

    // A few more first, so that the charts have something to show.
    await Promise.all([publish(type), publish(type), publish(type)]);
    const eventId = await publish(type);
    await eventually('the sandbox to receive the webhook', async () => {
      const box = await json<{ data: { webhookId: string }[] }>(
        c.system.request('GET', '/sandbox/ui-delivered'),
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
    const type = c.catalog[0]?.type ?? '';
    const endpoint = await json<{ id: string; secret: string }>(
      c.system.request('POST', '/v1/endpoints', {
        url: `${c.system.apiUrl}/sandbox/ui-manage`,
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
      c.system.request('GET', `/v1/endpoints/${endpoint.id}`),
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
    expect((await c.system.request('GET', `/v1/endpoints/${endpoint.id}`)).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists a failing endpoint’s dead letters with their reason and redrives them', async () => {
    const type = c.catalog[0]?.type ?? '';
    const endpoint = await json<{ id: string }>(
      c.system.request('POST', '/v1/endpoints', {
        url: `${c.system.apiUrl}/sandbox/ui-failing?status=500`,
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
          c.system.request('GET', `/v1/dead-letters?endpointId=${endpoint.id}`),
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

  it('shows the catalog and manages API keys, showing a new key once', async () => {
    const { page, errors } = await openPage();
    await signIn(page);
    await go(page, '#/catalog', 'Event catalog');
    await page
      .getByRole('heading', { level: 2, name: new RegExp(c.catalog[0]?.type ?? '') })
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
    const published = await fetch(`${c.system.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: c.catalog[0]?.type, data: c.catalog[0]?.example }),
    });
    expect(published.status).toBeGreaterThanOrEqual(401);
    expect(errors).toEqual([]);
    await page.close();
    expectAccessible();
  });
});

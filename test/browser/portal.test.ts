/**
 * A tenant portal link in Debian's Chromium: confined to its tenant, its token out of the
 * address bar, refused by the API elsewhere, and back to sign-in once it expires.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../support/browser';
import { useConsole } from '../support/console-harness';

/**
 * The operator's own app: a page that embeds the `src` it is given in an iframe. Reached as
 * `http://localhost:<port>` it is the origin allowed to frame the portal; as
 * `http://127.0.0.1:<port>` it is another origin, which must not be able to.
 */
async function startEmbeddingApp(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const src = new URL(request.url ?? '/', 'http://app').searchParams.get('src') ?? '';
    const attribute = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><html lang="en"><title>Acme app</title><h1>Acme app</h1><iframe title="Webhooks" width="1000" height="600" src="${attribute}"></iframe></html>`,
      );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as AddressInfo).port };
}

describe.skipIf(!CHROMIUM)('the tenant portal in Chromium', () => {
  let app: { server: Server; port: number };
  beforeAll(async () => {
    app = await startEmbeddingApp();
  });
  afterAll(() => app?.server.close());
  const c = useConsole(() => ({
    HOOKLINE_RETRY_SCHEDULE: '1s',
    HOOKLINE_MAX_ATTEMPTS: '2',
    HOOKLINE_CONSOLE_FRAME_ANCESTORS: `http://localhost:${app.port}`,
  }));
  const { json, openPage, go, checkA11y, expectAccessible, screenshot } = c;

  it('confines a portal link to its tenant and takes the token out of the address bar', async () => {
    const make = (tenant: string, name: string) =>
      json<{ id: string }>(
        c.system.request('POST', '/v1/endpoints', {
          url: `${c.system.apiUrl}/sandbox/${name}`,
          tenant,
          description: `${tenant} ${name}`,
        }),
        201,
      );
    const acme = [await make('acme', 'acme-one'), await make('acme', 'acme-two')];
    const globex = await make('globex', 'globex-one');
    const session = await json<{ url: string; token: string; tenant: string; expiresAt: string }>(
      c.system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 600 }),
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
      fetch(`${c.system.apiUrl}${path}`, {
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
    const type = c.catalog[0]?.type ?? '';
    const entry = c.catalog[0]?.example;
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
      c.system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 1 }),
      201,
    );
    const live = await json<{ url: string; token: string; expiresAt: string }>(
      c.system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 4 }),
      201,
    );
    await page.goto(live.url);
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();

    await new Promise((done) => setTimeout(done, 2000));
    const expired = await fetch(`${c.system.apiUrl}/v1/me`, {
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

  it('opens inside the operator’s app from an allowed origin, and refuses to be framed by another', async () => {
    // Prepare
    const session = await json<{ url: string }>(
      c.system.request('POST', '/v1/portal-sessions', { tenant: 'acme', ttlSeconds: 600 }),
      201,
    );
    const embedded = (origin: string) => `${origin}/?src=${encodeURIComponent(session.url)}`;
    const { page, errors } = await openPage();

    // Act: the allowed origin
    await page.goto(embedded(`http://localhost:${app.port}`));
    const portal = page.frameLocator('iframe[title="Webhooks"]');
    await portal.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    await portal.getByText('acme', { exact: true }).first().waitFor();

    // Act: another origin (the same app by another name)
    const other = await openPage();
    await other.page.goto(embedded(`http://127.0.0.1:${app.port}`));
    await other.page.getByRole('heading', { level: 1, name: 'Acme app' }).waitFor();
    await expect
      .poll(() => other.errors.join('\n'))
      .toMatch(/(Framing|Refused to frame) .*frame-ancestors 'self' http:\/\/localhost:/);

    // Assess: the refused frame shows none of the portal
    expect(
      await other.page
        .frameLocator('iframe[title="Webhooks"]')
        .getByRole('heading', { name: 'Endpoints' })
        .count(),
    ).toBe(0);
    expect(errors).toEqual([]);
    await other.page.close();
    await page.close();
  });
});

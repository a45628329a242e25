/**
 * Tenant portal sessions, from outside: an operator opens one, the link leads to the console,
 * and the token manages its tenant and nothing else, until it expires. Local mode, real HTTP.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';

interface Session {
  id: string;
  url: string;
  token: string;
  tenant: string;
  expiresAt: string;
}

const FRAMING_APP = 'https://app.example.com';

describe('portal sessions', () => {
  let system: LocalSystem;

  const operator = (method: string, path: string, body?: unknown) =>
    system.request(method, path, body);
  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    system.request(method, path, body, { authorization: `Bearer ${key}` });
  const openSession = async (body: unknown): Promise<Session> => {
    const response = await operator('POST', '/v1/portal-sessions', body);
    expect(response.status).toBe(201);
    return (await response.json()) as Session;
  };

  beforeAll(async () => {
    system = await startLocalSystem({ HOOKLINE_CONSOLE_FRAME_ANCESTORS: FRAMING_APP });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('links to the console with the token in the fragment, and the console is served there', async () => {
    // Act
    const session = await openSession({ tenant: 'acme' });
    const link = new URL(session.url);
    const page = await fetch(new URL(link.pathname, system.apiUrl));

    // Assess: an hour by default, the token only after '#', which browsers never send
    expect(session.tenant).toBe('acme');
    expect(session.token).toMatch(/^hk_portal_[A-Za-z0-9_-]{32}$/);
    expect(`${link.origin}${link.pathname}`).toBe(`${system.apiUrl}/console/`);
    expect(link.hash).toBe(`#portal=${session.token}`);
    expect(link.search).toBe('');
    const lasts = Date.parse(session.expiresAt) - Date.now();
    expect(lasts).toBeGreaterThan(3500_000);
    expect(lasts).toBeLessThanOrEqual(3600_000);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain(
      `frame-ancestors 'self' ${FRAMING_APP}`,
    );
    // X-Frame-Options cannot name an origin, so it is left out when one may frame the portal.
    expect(page.headers.get('x-frame-options')).toBeNull();
  });

  it('manages its own tenant’s endpoints and refuses publishing and anything of the operator’s', async () => {
    // Prepare
    const other = await operator('POST', '/v1/endpoints', {
      type: 'polling',
      tenant: 'globex',
    });
    const otherId = ((await other.json()) as { id: string }).id;
    const portal = as((await openSession({ tenant: 'acme', ttlSeconds: 600 })).token);

    // Act
    const me = await portal('GET', '/v1/me');
    const created = await portal('POST', '/v1/endpoints', { type: 'polling' });
    const createdElsewhere = await portal('POST', '/v1/endpoints', {
      type: 'polling',
      tenant: 'globex',
    });
    const listed = (await (await portal('GET', '/v1/endpoints')).json()) as {
      data: { id: string; tenant: string }[];
    };
    const foreign = await portal('GET', `/v1/endpoints/${otherId}`);
    const published = await portal('POST', '/v1/events', {
      type: 'invoice.paid',
      data: exampleOf('invoice.paid'),
    });
    const catalog = await portal('GET', '/v1/event-types');

    // Assess
    expect(await me.json()).toMatchObject({ scope: 'portal', tenant: 'acme' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ tenant: 'acme' });
    expect(createdElsewhere.status).toBe(403);
    expect(listed.data.map((e) => e.tenant)).toEqual(['acme']);
    expect(foreign.status).toBe(404);
    expect(published.status).toBe(403);
    expect(catalog.status).toBe(200);
  });

  it('stops working the second it expires, though the authorizer answer is still cached', async () => {
    // Prepare: used once, so the local authorizer (as API Gateway's) caches it for minutes
    const session = await openSession({ tenant: 'acme', ttlSeconds: 1 });
    const portal = as(session.token);
    const before = await portal('GET', '/v1/endpoints');

    // Act
    await sleep(Math.max(0, Date.parse(session.expiresAt) - Date.now()) + 100);
    const after = await portal('GET', '/v1/endpoints');
    const listed = (await (await operator('GET', '/v1/api-keys')).json()) as {
      data: { id: string }[];
    };

    // Assess
    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toBe('application/problem+json');
    expect(((await after.json()) as { detail: string }).detail).toContain('expired');
    expect(listed.data.map((k) => k.id)).not.toContain(session.id);
  });

  it('names each bad field, and only an operator admin key may open one', async () => {
    // Prepare
    const tenantKey = await operator('POST', '/v1/api-keys', { scope: 'admin', tenant: 'acme' });
    const publishKey = await operator('POST', '/v1/api-keys', { scope: 'publish' });

    // Act
    const noTenant = await operator('POST', '/v1/portal-sessions', { ttlSeconds: 0, colour: 1 });
    const tooLong = await operator('POST', '/v1/portal-sessions', {
      tenant: 'acme',
      ttlSeconds: 86_401,
    });
    const byTenantKey = await as(((await tenantKey.json()) as { key: string }).key)(
      'POST',
      '/v1/portal-sessions',
      { tenant: 'acme' },
    );
    const byPublishKey = await as(((await publishKey.json()) as { key: string }).key)(
      'POST',
      '/v1/portal-sessions',
      { tenant: 'acme' },
    );

    // Assess
    expect(noTenant.status).toBe(400);
    const fields = ((await noTenant.json()) as { errors: { field: string }[] }).errors
      .map((e) => e.field)
      .sort();
    expect(fields).toEqual(['/colour', '/tenant', '/ttlSeconds']);
    expect(tooLong.status).toBe(400);
    expect([byTenantKey.status, byPublishKey.status]).toEqual([403, 403]);
  });

  it('serves only the console’s own files under /console/', async () => {
    // Act
    const statuses = await Promise.all(
      [
        '/console/../package.json',
        '/console/%2e%2e/package.json',
        '/console/.env',
        '/console/nope.js',
      ].map(async (path) => (await fetch(`${system.apiUrl}${path}`)).status),
    );
    const root = await fetch(`${system.apiUrl}/`, { redirect: 'manual' });

    // Assess
    expect(statuses).toEqual([404, 404, 404, 404]);
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
  });
});

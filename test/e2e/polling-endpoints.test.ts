/**
 * Polling endpoints through the whole local system over real HTTP: deliveries wait in the
 * endpoint's feed in publish order, signed as a push would be when read; the cursor resumes
 * and re-reads; a long poll wakes when an event is published; and a tenant's keys read only
 * their own tenant's feeds.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';

interface FeedPage {
  items: { id: string; headers: Record<string, string>; body: string }[];
  cursor: string;
}

interface Created {
  id: string;
  secret: string;
  type: string;
}

const invoice = (extra: Record<string, unknown> = {}) => ({
  type: 'invoice.paid',
  data: exampleOf('invoice.paid'),
  ...extra,
});

describe('polling endpoints: deliveries for consumers without a public URL', () => {
  let system: LocalSystem;
  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    system.request(method, path, body, { authorization: `Bearer ${key}` });

  async function createPolling(body: Record<string, unknown> = {}, key = system.apiKey) {
    const response = await as(key)('POST', '/v1/endpoints', { type: 'polling', ...body });
    expect(response.status).toBe(201);
    return (await response.json()) as Created;
  }

  async function readFeed(id: string, query = '', key = system.apiKey) {
    const response = await as(key)('GET', `/v1/endpoints/${id}/feed${query}`);
    return { status: response.status, page: (await response.json()) as FeedPage };
  }

  async function publish(body: Record<string, unknown>, key = system.apiKey) {
    const response = await as(key)('POST', '/v1/events', body);
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  beforeAll(async () => {
    system = await startLocalSystem();
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('keeps the deliveries in publish order, each verifiable with the endpoint’s secret', async () => {
    // Prepare
    const endpoint = await createPolling({ tenant: 'offline', eventTypes: ['invoice.*'] });
    const batch = await system.request('POST', '/v1/events/batch', {
      events: [1, 2, 3].map((n) => invoice({ tenant: 'offline', id: `batch-${n}` })),
    });
    expect(batch.status).toBe(202);
    const single = await publish(invoice({ tenant: 'offline' }));
    await publish({
      type: 'customer.created',
      data: exampleOf('customer.created'),
      tenant: 'offline',
    });
    await publish(invoice({ tenant: 'someone-else' }));

    // Act
    const { status, page } = await readFeed(endpoint.id);

    // Assess
    expect(status).toBe(200);
    expect(page.items.map((item) => item.id)).toEqual(['batch-1', 'batch-2', 'batch-3', single]);
    const verifier = new Webhook(endpoint.secret);
    for (const item of page.items) {
      expect(item.headers['webhook-id']).toBe(item.id);
      expect(item.headers['user-agent']).toMatch(/^Hookline\//);
      const verified = verifier.verify(item.body, item.headers) as { type: string };
      expect(verified.type).toBe('invoice.paid');
    }
    expect(JSON.parse(page.items[0]?.body ?? '{}')).toEqual({
      type: 'invoice.paid',
      timestamp: expect.any(String),
      data: exampleOf('invoice.paid'),
    });
  });

  it('resumes from a cursor, re-reads from an old one, and refuses a forged one', async () => {
    // Prepare
    const endpoint = await createPolling();
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await publish(invoice()));

    // Act
    const first = await readFeed(endpoint.id, '?limit=2');
    const second = await readFeed(endpoint.id, `?limit=2&cursor=${first.page.cursor}`);
    const rest = await readFeed(endpoint.id, `?cursor=${second.page.cursor}`);
    const empty = await readFeed(endpoint.id, `?cursor=${rest.page.cursor}`);
    const again = await readFeed(endpoint.id, `?cursor=${first.page.cursor}`);
    const forged = await readFeed(endpoint.id, `?cursor=${first.page.cursor.replace(/^\d+/, '9')}`);

    // Assess
    expect(first.page.items.map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect(second.page.items.map((i) => i.id)).toEqual(ids.slice(2, 4));
    expect(rest.page.items.map((i) => i.id)).toEqual(ids.slice(4));
    expect(empty.page).toEqual({ items: [], cursor: rest.page.cursor });
    expect(again.page.items.map((i) => i.id)).toEqual(ids.slice(2));
    expect(forged.status).toBe(400);
  });

  it('answers a long poll as soon as an event is published', async () => {
    // Prepare
    const endpoint = await createPolling();
    const drained = await readFeed(endpoint.id);
    const started = Date.now();

    // Act
    const polling = readFeed(endpoint.id, `?waitSeconds=20&cursor=${drained.page.cursor}`);
    await new Promise((done) => setTimeout(done, 300));
    const published = await publish(invoice());
    const { page } = await polling;

    // Assess: woken by the publish, not by the end of the wait.
    expect(page.items.map((i) => i.id)).toEqual([published]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('counts feed deliveries as delivered: event status, attempts and stats, and test sends', async () => {
    // Prepare
    const endpoint = await createPolling({ tenant: 'stats' });
    const eventId = await publish(invoice({ tenant: 'stats' }));

    // Act
    const test = await system.request('POST', `/v1/endpoints/${endpoint.id}/test`, {
      eventType: 'customer.created',
    });
    const event = (await (
      await system.request('GET', `/v1/events/${eventId}?tenant=stats`)
    ).json()) as { deliveries: { endpointId: string; status: string }[] };
    const stats = (await (
      await system.request('GET', `/v1/endpoints/${endpoint.id}/stats`)
    ).json()) as { lastHour: { delivered: number; failed: number } };
    const { page } = await readFeed(endpoint.id);

    // Assess
    expect(test.status).toBe(202);
    expect(event.deliveries).toEqual([
      expect.objectContaining({ endpointId: endpoint.id, status: 'delivered' }),
    ]);
    expect(stats.lastHour).toMatchObject({ delivered: 2, failed: 0 });
    expect(page.items.map((i) => JSON.parse(i.body).type)).toEqual([
      'invoice.paid',
      'customer.created',
    ]);
  });

  it('replays from the event log into the feed', async () => {
    // Prepare
    const since = new Date(Date.now() - 1000).toISOString();
    const endpoint = await createPolling({ tenant: 'replayed' });
    const eventId = await publish(invoice({ tenant: 'replayed' }));

    // Act
    const replay = await system.request('POST', `/v1/endpoints/${endpoint.id}/replay`, { since });
    let items: FeedPage['items'] = [];
    for (let tries = 0; tries < 50 && items.length < 2; tries++) {
      items = (await readFeed(endpoint.id, '?waitSeconds=1')).page.items;
    }

    // Assess: the first delivery and the replayed one, the same webhook-id.
    expect(replay.status).toBe(202);
    expect(items.map((i) => i.id)).toEqual([eventId, eventId]);
  });

  it('keeps a tenant’s keys to their own tenant’s feeds', async () => {
    // Prepare
    const keyOf = async (tenant: string) => {
      const response = await system.request('POST', '/v1/api-keys', { scope: 'admin', tenant });
      return ((await response.json()) as { key: string }).key;
    };
    const acmeKey = await keyOf('acme');
    const globexKey = await keyOf('globex');
    const acme = await createPolling({}, acmeKey);
    const globex = await createPolling({}, globexKey);
    const acmeEvent = await publish(invoice(), acmeKey);
    await publish(invoice(), globexKey);

    // Act
    const own = await readFeed(acme.id, '', acmeKey);
    const other = await readFeed(globex.id, '', acmeKey);
    const stolenCursor = await readFeed(
      acme.id,
      `?cursor=${(await readFeed(globex.id, '', globexKey)).page.cursor}`,
      acmeKey,
    );

    // Assess
    expect(acme.type).toBe('polling');
    expect(own.page.items.map((i) => i.id)).toEqual([acmeEvent]);
    expect(other.status).toBe(404);
    expect(stolenCursor.status).toBe(400);
  });

  it('refuses push-only fields on a polling endpoint and a feed of a push endpoint', async () => {
    // Prepare
    const polling = await createPolling();
    const push = await system.request('POST', '/v1/endpoints', {
      url: `${system.apiUrl}/sandbox/push`,
    });
    const pushId = ((await push.json()) as Created).id;

    // Act
    const withUrl = await system.request('POST', '/v1/endpoints', {
      type: 'polling',
      url: 'https://example.com/hook',
      maxAttempts: 3,
    });
    const unknownType = await system.request('POST', '/v1/endpoints', { type: 'carrier-pigeon' });
    const retype = await system.request('PATCH', `/v1/endpoints/${polling.id}`, { type: 'push' });
    const patched = await system.request('PATCH', `/v1/endpoints/${polling.id}`, {
      description: 'laptop',
    });
    const pushFeed = await readFeed(pushId);

    // Assess
    expect(withUrl.status).toBe(400);
    const problems = ((await withUrl.json()) as { errors: { field: string }[] }).errors;
    expect(problems.map((p) => p.field).sort()).toEqual(['/maxAttempts', '/url']);
    expect(unknownType.status).toBe(400);
    expect(retype.status).toBe(400);
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ type: 'polling', description: 'laptop' });
    expect(pushFeed.status).toBe(409);
  });
});

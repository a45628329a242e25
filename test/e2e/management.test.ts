import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, runCli, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';
import { verifies } from '../support/webhooks';

const paid = () => ({ type: 'invoice.paid', data: exampleOf('invoice.paid') });

describe('endpoint management, API keys and scopes', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  let publishKey = '';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem({ HOOKLINE_RETRY_SCHEDULE: '1s' });
    const created = await runCli(system, [
      'keys',
      'create',
      '--table',
      'hookline-api-keys',
      '--scope',
      'publish',
    ]);
    publishKey = /^(hk_publish_\S+)$/m.exec(created)?.[1] ?? '';
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  const asPublisher = (method: string, path: string, body?: unknown) =>
    system.request(method, path, body, { authorization: `Bearer ${publishKey}` });

  it('lets a publish key publish but not manage endpoints or read events', async () => {
    // Act
    const published = await asPublisher('POST', '/v1/events', paid());
    const created = await asPublisher('POST', '/v1/endpoints', { url: receiver.url('/p') });
    const listed = await asPublisher('GET', '/v1/endpoints');
    const events = await asPublisher('GET', '/v1/events');

    // Assess
    expect(publishKey).toMatch(/^hk_publish_/);
    expect(published.status).toBe(202);
    for (const refused of [created, listed, events]) {
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('lists keys by prefix only and revokes one so it stops working', async () => {
    // Act
    const listing = await runCli(system, ['keys', 'list', '--table', 'hookline-api-keys']);
    await runCli(system, [
      'keys',
      'revoke',
      '--table',
      'hookline-api-keys',
      publishKey.slice(0, 20),
    ]);
    const other = await runCli(system, [
      'keys',
      'create',
      '--table',
      'hookline-api-keys',
      '--scope',
      'publish',
    ]);
    const stillAllowed = await asPublisher('POST', '/v1/events', paid());

    // Assess
    expect(listing).toContain(publishKey.slice(0, 17));
    expect(listing).not.toContain(publishKey);
    expect(other).toMatch(/hk_publish_/);
    // The revoked key is gone from the table; authorizer caches may still hold it for minutes,
    // so only the stored record is checked here.
    expect(await runCli(system, ['keys', 'list', '--table', 'hookline-api-keys'])).not.toContain(
      publishKey.slice(0, 17),
    );
    expect([202, 401]).toContain(stillAllowed.status);
  });

  it('creates, reads, lists with paging, changes and deletes an endpoint', async () => {
    // Prepare
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await system.request('POST', '/v1/endpoints', {
        url: receiver.url(`/crud-${i}`),
        tenant: 'crud',
        description: `endpoint ${i}`,
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }

    // Act
    const read = await (await system.request('GET', `/v1/endpoints/${ids[0]}`)).json();
    const patched = await system.request('PATCH', `/v1/endpoints/${ids[0]}`, {
      eventTypes: ['invoice.*'],
      description: null,
      rateLimitPerSecond: 5,
      retrySchedule: ['10s', '1m'],
      maxAttempts: 3,
      enabled: false,
    });
    const after = await (await system.request('GET', `/v1/endpoints/${ids[0]}`)).json();
    const deleted = await system.request('DELETE', `/v1/endpoints/${ids[1]}`);
    const gone = await system.request('GET', `/v1/endpoints/${ids[1]}`);
    const listed = await (await system.request('GET', '/v1/endpoints?tenant=crud')).json();
    const firstPage = (await (
      await system.request('GET', '/v1/endpoints?tenant=crud&limit=1')
    ).json()) as { data: { id: string }[]; nextCursor?: string };
    const secondPage = (await (
      await system.request(
        'GET',
        `/v1/endpoints?tenant=crud&limit=1&cursor=${firstPage.nextCursor}`,
      )
    ).json()) as { data: { id: string }[] };

    // Assess
    expect(read).toMatchObject({
      id: ids[0],
      tenant: 'crud',
      enabled: true,
      description: 'endpoint 0',
    });
    expect(read).not.toHaveProperty('secrets');
    expect(patched.status).toBe(200);
    expect(after).toMatchObject({
      eventTypes: ['invoice.*'],
      rateLimitPerSecond: 5,
      retrySchedule: ['10s', '1m'],
      maxAttempts: 3,
      enabled: false,
    });
    expect(after).not.toHaveProperty('description');
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
    expect((listed as { data: { id: string }[] }).data.map((e) => e.id).sort()).toEqual(
      [ids[0], ids[2]].sort(),
    );
    expect([...firstPage.data, ...secondPage.data].map((e) => e.id)).toEqual([ids[0], ids[2]]);
  });

  it.each([
    ['POST', '/v1/endpoints', { url: 'not a url' }, 400, '/url'],
    ['POST', '/v1/endpoints', { url: 'ftp://example.com/x' }, 400, '/url'],
    [
      'POST',
      '/v1/endpoints',
      { url: 'http://127.0.0.1/x', eventTypes: ['Bad Type'] },
      400,
      '/eventTypes[0]',
    ],
    [
      'POST',
      '/v1/endpoints',
      { url: 'http://127.0.0.1/x', rateLimitPerSecond: 0 },
      400,
      '/rateLimitPerSecond',
    ],
    [
      'POST',
      '/v1/endpoints',
      { url: 'http://127.0.0.1/x', retrySchedule: ['13h'] },
      400,
      '/retrySchedule[0]',
    ],
    ['POST', '/v1/endpoints', { url: 'http://127.0.0.1/x', secret: 'mine' }, 400, '/secret'],
    ['POST', '/v1/events', { type: 'invoice.paid', data: { amount: 'x' } }, 422, '/data/amount'],
    ['POST', '/v1/events', { type: 'nope.never', data: {} }, 422, '/type'],
    ['POST', '/v1/events/batch', { events: [] }, 400, '/events'],
    ['GET', '/v1/events?since=yesterday', undefined, 400, 'since'],
    [
      'GET',
      '/v1/endpoints/ep_01M8DZ0XTJKVX954MQNEAKQ9R2/attempts?limit=1000',
      undefined,
      404,
      undefined,
    ],
    ['GET', '/v1/dead-letters?endpointId=nope', undefined, 400, 'endpointId'],
    ['POST', '/v1/dead-letters/redrive', { ids: [] }, 400, '/ids'],
    ['GET', '/v1/jobs/job_nope', undefined, 404, undefined],
    ['GET', '/v1/nowhere', undefined, 404, undefined],
  ])('%s %s answers problem details (%j)', async (method, path, body, status, field) => {
    const response = await system.request(method, path, body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await response.json()) as { status: number; errors?: { field: string }[] };
    expect(problem.status).toBe(status);
    if (field) expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  it('refuses malformed JSON with 400 and a body over 256 KiB with 413, storing nothing', async () => {
    // Act
    const malformed = await fetch(`${system.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.apiKey}`, 'content-type': 'application/json' },
      body: '{"type": "invoice.paid", ',
    });
    const huge = await system.request('POST', '/v1/events', {
      type: 'customer.created',
      tenant: 'too-big',
      data: { ...(exampleOf('customer.created') as object), name: 'x'.repeat(300 * 1024) },
    });
    const stored = await (await system.request('GET', '/v1/events?tenant=too-big')).json();

    // Assess
    expect(malformed.status).toBe(400);
    expect(huge.status).toBe(413);
    expect((stored as { data: unknown[] }).data).toEqual([]);
  });

  it('lists events by tenant, type and time, newest first, in pages', async () => {
    // Prepare
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 0, minute)).toISOString();
    for (let i = 0; i < 5; i++) {
      const type = i % 2 === 0 ? 'invoice.paid' : 'customer.created';
      await system.request('POST', '/v1/events', {
        type,
        tenant: 'listing',
        timestamp: at(i),
        data: exampleOf(type),
      });
    }

    // Act
    const all = (await (await system.request('GET', '/v1/events?tenant=listing')).json()) as {
      data: { timestamp: string; type: string }[];
    };
    const paidOnly = (await (
      await system.request('GET', '/v1/events?tenant=listing&type=invoice.paid')
    ).json()) as { data: { type: string }[] };
    const window = (await (
      await system.request('GET', `/v1/events?tenant=listing&since=${at(1)}&until=${at(3)}`)
    ).json()) as { data: { timestamp: string }[] };
    const firstPage = (await (
      await system.request('GET', '/v1/events?tenant=listing&limit=2')
    ).json()) as { data: unknown[]; nextCursor?: string };
    const secondPage = (await (
      await system.request(
        'GET',
        `/v1/events?tenant=listing&limit=2&cursor=${firstPage.nextCursor}`,
      )
    ).json()) as { data: unknown[] };

    // Assess
    expect(all.data.map((e) => e.timestamp)).toEqual([4, 3, 2, 1, 0].map(at));
    expect(paidOnly.data.map((e) => e.type)).toEqual([
      'invoice.paid',
      'invoice.paid',
      'invoice.paid',
    ]);
    expect(window.data.map((e) => e.timestamp)).toEqual([at(2), at(1)]);
    expect(firstPage.data).toHaveLength(2);
    expect(secondPage.data).toHaveLength(2);
  });
});

describe('secret rotation, test deliveries and idempotency under concurrency', () => {
  let system: LocalSystem;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem();
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('signs with old and new secret during the grace period, then with the new one only', async () => {
    // Prepare
    const created = (await (
      await system.request('POST', '/v1/endpoints', {
        url: receiver.url('/rotating'),
        tenant: 'rot',
      })
    ).json()) as { id: string; secret: string };
    const publish = async () => {
      const response = await system.request('POST', '/v1/events', { ...paid(), tenant: 'rot' });
      const { id } = (await response.json()) as { id: string };
      await waitFor(
        () => receiver.to('/rotating').some((r) => r.headers['webhook-id'] === id),
        10_000,
      );
      return receiver.to('/rotating').find((r) => r.headers['webhook-id'] === id) as {
        body: string;
        headers: Record<string, unknown>;
      };
    };

    // Act
    const rotated = (await (
      await system.request('POST', `/v1/endpoints/${created.id}/secret/rotate`, { graceSeconds: 8 })
    ).json()) as { secret: string; previousSecretsExpireAt: string[] };
    const rotatedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the dispatcher's endpoint cache
    const duringGrace = await publish();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, rotatedAt + 8500 - Date.now())));
    const afterGrace = await publish();
    const read = (await (
      await system.request('GET', `/v1/endpoints/${created.id}/secret`)
    ).json()) as { secret: string };

    // Assess
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretsExpireAt).toHaveLength(1);
    expect(read.secret).toBe(rotated.secret);
    expect(verifies(created.secret, duringGrace)).toBe(true);
    expect(verifies(rotated.secret, duringGrace)).toBe(true);
    expect(verifies(rotated.secret, afterGrace)).toBe(true);
    expect(verifies(created.secret, afterGrace)).toBe(false);
  }, 60_000);

  it('sends the catalog example of a type, signed, to that endpoint only', async () => {
    // Prepare
    const target = (await (
      await system.request('POST', '/v1/endpoints', {
        url: receiver.url('/tested'),
        tenant: 'test',
      })
    ).json()) as { id: string; secret: string };
    await system.request('POST', '/v1/endpoints', {
      url: receiver.url('/bystander'),
      tenant: 'test',
    });

    // Act
    const response = await system.request('POST', `/v1/endpoints/${target.id}/test`, {
      eventType: 'subscription.canceled',
    });
    const { id } = (await response.json()) as { id: string };
    await waitFor(() => receiver.to('/tested').length > 0, 10_000);

    // Assess
    expect(response.status).toBe(202);
    const [delivery] = receiver.to('/tested');
    expect(delivery?.headers['webhook-id']).toBe(id);
    expect(JSON.parse(delivery?.body ?? '{}').data).toEqual(exampleOf('subscription.canceled'));
    expect(
      verifies(target.secret, delivery as { body: string; headers: Record<string, unknown> }),
    ).toBe(true);
    expect(receiver.to('/bystander')).toHaveLength(0);
  });

  it('turns 50 parallel publishes with one idempotency key into one event and one delivery per endpoint', async () => {
    // Prepare
    for (const path of ['/concurrent-a', '/concurrent-b']) {
      await system.request('POST', '/v1/endpoints', {
        url: receiver.url(path),
        tenant: 'concurrent',
      });
    }
    const body = { ...paid(), tenant: 'concurrent' };

    // Act
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        system.request('POST', '/v1/events', body, { 'idempotency-key': 'one-key' }),
      ),
    );
    const answers = await Promise.all(
      responses.map(async (r) => ({ status: r.status, body: (await r.json()) as { id?: string } })),
    );
    await waitFor(
      () => receiver.to('/concurrent-a').length + receiver.to('/concurrent-b').length >= 2,
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const listed = (await (await system.request('GET', '/v1/events?tenant=concurrent')).json()) as {
      data: { id: string }[];
    };

    // Assess: one winner; the rest see the same event or are told it is in progress (409)
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((a) => a.body.id)).size).toBe(1);
    expect(answers.every((a) => a.status === 202 || a.status === 409)).toBe(true);
    expect(listed.data.map((e) => e.id)).toEqual([accepted[0]?.body.id]);
    expect(receiver.to('/concurrent-a')).toHaveLength(1);
    expect(receiver.to('/concurrent-b')).toHaveLength(1);
  });
});

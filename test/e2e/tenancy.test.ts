/**
 * The tenant as a security boundary, tried the way a hostile key holder would: with tenant A's
 * own keys against every route of the API table, aiming at tenant B's endpoints, events, dead
 * letters and jobs by guessing ids and by reusing cursors. Local mode, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { managementRoutes } from '../../lambda/handlers/management';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';

interface Created {
  id: string;
  secret: string;
}

type Keys = Record<'admin' | 'publish', string>;

/** A's credentials that manage: its admin key, and a portal session opened for it. */
const MANAGERS = ['admin', 'portal'] as const;

const invoice = (extra: Record<string, unknown> = {}) => ({
  type: 'invoice.paid',
  data: exampleOf('invoice.paid'),
  ...extra,
});

describe('tenant-scoped keys: nothing of tenant B is readable, changeable, replayable or redrivable with tenant A’s keys', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  const keys = {} as Record<'a' | 'b', Keys>;
  const endpoints = {} as Record<'a' | 'b' | 'bFailing', Created>;
  const events = {} as Record<'a' | 'b', string>;
  let bJobId: string;
  let bLetterCount = 0;
  let portalA: string;
  const managerOfA = (kind: (typeof MANAGERS)[number]) =>
    kind === 'admin' ? keys.a.admin : portalA;

  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    system.request(method, path, body, { authorization: `Bearer ${key}` });
  const operator = (method: string, path: string, body?: unknown) =>
    system.request(method, path, body);
  const deadLettersOf = async (request: ReturnType<typeof as>, query = '') =>
    (await (await request('GET', `/v1/dead-letters?limit=100${query}`)).json()) as {
      data: { eventId: string; endpointId: string }[];
      queueDepth?: number;
    };

  beforeAll(async () => {
    // Prepare: two tenants with an admin and a publish key each; B has a healthy and a
    // failing endpoint, so it owns events, dead letters and a job.
    receiver = await new Receiver().start();
    receiver.behave('/b-failing', () => ({ status: 500 }));
    system = await startLocalSystem({
      HOOKLINE_MAX_ATTEMPTS: '1',
      HOOKLINE_RETRY_SCHEDULE: '1s',
    });
    for (const tenant of ['a', 'b'] as const) {
      keys[tenant] = { admin: '', publish: '' };
      for (const scope of ['admin', 'publish'] as const) {
        const response = await operator('POST', '/v1/api-keys', { scope, tenant });
        expect(response.status).toBe(201);
        keys[tenant][scope] = ((await response.json()) as { key: string }).key;
      }
    }
    const create = async (key: string, path: string) => {
      const response = await as(key)('POST', '/v1/endpoints', { url: receiver.url(path) });
      expect(response.status).toBe(201);
      return (await response.json()) as Created;
    };
    endpoints.a = await create(keys.a.admin, '/a');
    endpoints.b = await create(keys.b.admin, '/b');
    endpoints.bFailing = await create(keys.b.admin, '/b-failing');
    for (const tenant of ['a', 'b'] as const) {
      const response = await as(keys[tenant].publish)('POST', '/v1/events', invoice());
      expect(response.status).toBe(202);
      events[tenant] = ((await response.json()) as { id: string }).id;
    }
    const lettered = await waitFor(
      () => receiver.to('/b-failing').length > 0 && receiver.accepted('/a').length > 0,
      20_000,
    );
    expect(lettered).toBe(true);
    const bLetters = await waitFor(
      () => bLetterCount > 0,
      20_000,
      async () => {
        bLetterCount = (await deadLettersOf(as(keys.b.admin))).data.length;
      },
    );
    expect(bLetters).toBe(true);
    const job = await as(keys.b.admin)('POST', `/v1/endpoints/${endpoints.b.id}/replay`, {
      since: '2020-01-01T00:00:00Z',
    });
    expect(job.status).toBe(202);
    bJobId = ((await job.json()) as { id: string }).id;
    const session = await operator('POST', '/v1/portal-sessions', { tenant: 'a' });
    expect(session.status).toBe(201);
    portalA = ((await session.json()) as { token: string }).token;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it.each(MANAGERS)(
    'answers 404 for every by-id route aimed at B’s endpoint, event or job (A’s %s)',
    async (kind) => {
      // Prepare
      const a = as(managerOfA(kind));
      const b = endpoints.b.id;
      const byId: [string, string, unknown?][] = [
        ['GET', `/v1/endpoints/${b}`],
        ['PATCH', `/v1/endpoints/${b}`, { description: 'mine now' }],
        ['GET', `/v1/endpoints/${b}/secret`],
        ['POST', `/v1/endpoints/${b}/secret/rotate`, {}],
        ['POST', `/v1/endpoints/${b}/test`, {}],
        ['GET', `/v1/endpoints/${b}/attempts`],
        ['GET', `/v1/endpoints/${b}/stats`],
        ['GET', `/v1/endpoints/${b}/feed`],
        ['POST', `/v1/endpoints/${b}/replay`, { since: '2020-01-01T00:00:00Z' }],
        ['DELETE', `/v1/endpoints/${b}`],
        ['GET', `/v1/events/${events.b}`],
        ['GET', `/v1/jobs/${bJobId}`],
      ];

      // Act
      const statuses = await Promise.all(
        byId.map(async ([method, path, body]) => (await a(method, path, body)).status),
      );
      const tried = new Set(
        byId.map(
          ([method, path]) => `${method} ${path.replace(/\/(ep|msg|job)_[0-9A-Z]{26}/, '/{id}')}`,
        ),
      );
      const untried = managementRoutes
        .filter((route) => route.path.includes('{id}'))
        .map((route) => `${route.method} ${route.path}`)
        .filter((route) => !tried.has(route));

      // Assess: every by-id route of the API table was tried, all 404, and B's endpoint is
      // untouched (same secret, same description)
      expect(untried).toEqual([]);
      expect(statuses).toEqual(byId.map(() => 404));
      const stillB = (await (
        await as(keys.b.admin)('GET', `/v1/endpoints/${b}/secret`)
      ).json()) as {
        secret: string;
      };
      expect(stillB.secret).toBe(endpoints.b.secret);
      const bEndpoint = (await (await as(keys.b.admin)('GET', `/v1/endpoints/${b}`)).json()) as {
        description?: string;
      };
      expect(bEndpoint.description).toBeUndefined();
    },
  );

  it.each(MANAGERS)(
    'lists only A’s own endpoints, events, dead letters; naming tenant B is 403 (A’s %s)',
    async (kind) => {
      // Prepare
      const a = as(managerOfA(kind));

      // Act
      const ownEndpoints = (await (await a('GET', '/v1/endpoints')).json()) as {
        data: { id: string }[];
      };
      const ownEvents = (await (await a('GET', '/v1/events')).json()) as { data: { id: string }[] };
      const ownLetters = await deadLettersOf(a);
      const foreign = await Promise.all(
        ['/v1/endpoints?tenant=b', '/v1/events?tenant=b', `/v1/events/${events.b}?tenant=b`].map(
          async (path) => (await a('GET', path)).status,
        ),
      );
      const lettersOfB = await a('GET', `/v1/dead-letters?endpointId=${endpoints.bFailing.id}`);

      // Assess
      expect(ownEndpoints.data.map((e) => e.id)).toEqual([endpoints.a.id]);
      expect(ownEvents.data.map((e) => e.id)).toEqual([events.a]);
      expect(ownLetters.data).toEqual([]);
      expect(ownLetters.queueDepth).toBeUndefined();
      expect(foreign).toEqual([403, 403, 403]);
      expect(lettersOfB.status).toBe(404);
    },
  );

  it('publishes only into its own tenant: another tenant is 403, alone or in a batch', async () => {
    // Prepare
    const publish = as(keys.a.publish);

    // Act
    const single = await publish('POST', '/v1/events', invoice({ tenant: 'b' }));
    const batch = await publish('POST', '/v1/events/batch', {
      events: [invoice(), invoice({ tenant: 'b' })],
    });
    const { results } = (await batch.json()) as { results: { status: number }[] };

    // Assess
    expect(single.status).toBe(403);
    expect(await single.json()).toMatchObject({ errors: [{ field: '/tenant' }] });
    expect(batch.status).toBe(207);
    expect(results.map((r) => r.status)).toEqual([202, 403]);
  });

  it('redrives only its own dead letters, and cannot name B’s endpoint in a redrive', async () => {
    // Prepare
    const a = as(keys.a.admin);

    // Act
    const named = await a('POST', '/v1/dead-letters/redrive', {
      endpointId: endpoints.bFailing.id,
    });
    const everything = await a('POST', '/v1/dead-letters/redrive', {});
    const job = (await everything.json()) as { id: string };
    let status = '';
    await waitFor(
      () => status === 'completed',
      20_000,
      async () => {
        status = ((await (await a('GET', `/v1/jobs/${job.id}`)).json()) as { status: string })
          .status;
      },
    );
    const bLetters = await deadLettersOf(as(keys.b.admin));

    // Assess
    expect(named.status).toBe(404);
    expect(everything.status).toBe(202);
    expect(status).toBe('completed');
    expect(bLetters.data.map((l) => l.endpointId)).toContain(endpoints.bFailing.id);
    expect(receiver.to('/b-failing').length).toBe(1);
  });

  it('refuses a cursor from another tenant or another query, and a forged one, with 400', async () => {
    // Prepare: a second event of B's makes its event list two pages long
    await as(keys.b.publish)('POST', '/v1/events', invoice());
    const bPage = (await (await as(keys.b.admin)('GET', '/v1/events?limit=1')).json()) as {
      nextCursor: string;
    };
    const position = bPage.nextCursor.slice(0, bPage.nextCursor.lastIndexOf('.'));
    const forged = `${Buffer.from(JSON.stringify({ id: events.b, tenant: 'b', timestamp: '9' })).toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`;

    // Act
    const reused = await as(keys.a.admin)('GET', `/v1/events?limit=1&cursor=${bPage.nextCursor}`);
    const otherQuery = await as(keys.b.admin)(
      'GET',
      `/v1/events?limit=1&type=invoice.paid&cursor=${bPage.nextCursor}`,
    );
    const unsigned = await as(keys.b.admin)('GET', `/v1/events?limit=1&cursor=${position}`);
    const forgedAnswer = await operator('GET', `/v1/events?tenant=b&cursor=${forged}`);
    const genuine = await as(keys.b.admin)('GET', `/v1/events?limit=1&cursor=${bPage.nextCursor}`);

    // Assess
    for (const refused of [reused, otherQuery, unsigned, forgedAnswer]) {
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ errors: [{ field: 'cursor' }] });
    }
    expect(genuine.status).toBe(200);
  });

  it.each(MANAGERS)(
    'keeps API keys and portal sessions to operators: A’s %s can neither list nor mint nor revoke them',
    async (kind) => {
      // Act
      const statuses = await Promise.all(
        [
          ['GET', '/v1/api-keys'],
          ['POST', '/v1/api-keys', { scope: 'admin' }],
          ['DELETE', `/v1/api-keys/key_${'A'.repeat(22)}`],
          ['POST', '/v1/portal-sessions', { tenant: 'a' }],
          ['POST', '/v1/portal-sessions', { tenant: 'b' }],
        ].map(
          async ([method, path, body]) =>
            (await as(managerOfA(kind))(method as string, path as string, body)).status,
        ),
      );
      const listed = (await (await operator('GET', '/v1/api-keys')).json()) as {
        data: { tenant?: string; scope: string; prefix: string }[];
      };

      // Assess
      expect(statuses).toEqual([403, 403, 403, 403, 403]);
      expect(
        listed.data
          .filter((k) => k.tenant === 'a')
          .map((k) => k.scope)
          .sort(),
      ).toEqual(['admin', 'portal', 'publish']);
      expect(JSON.stringify(listed)).not.toContain(keys.a.admin);
      expect(JSON.stringify(listed)).not.toContain(portalA);
    },
  );

  it('revokes a key over the API: the next request with it is refused before any function', async () => {
    // Prepare
    const created = (await (
      await operator('POST', '/v1/api-keys', { scope: 'publish', tenant: 'c' })
    ).json()) as {
      id: string;
      key: string;
    };

    // Act
    const revoked = await operator('DELETE', `/v1/api-keys/${created.id}`);
    const again = await operator('DELETE', `/v1/api-keys/${created.id}`);
    const used = await as(created.key)('POST', '/v1/events', invoice());
    const listed = (await (await operator('GET', '/v1/api-keys')).json()) as {
      data: { id: string }[];
    };

    // Assess
    expect(revoked.status).toBe(204);
    expect(again.status).toBe(404);
    expect(used.status).toBe(403);
    expect(listed.data.map((k) => k.id)).not.toContain(created.id);
  });
});

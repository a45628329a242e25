import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';

const TYPES = catalog().map((entry) => entry.type);

/** Mostly well-formed events with one thing wrong, plus anything JSON can be. */
const publishBody = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      type: fc.oneof(fc.constantFrom(...TYPES), fc.string(), fc.jsonValue()),
      data: fc.oneof(
        fc.constantFrom(...TYPES).map((type) => exampleOf(type)),
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.jsonValue()),
      ),
      tenant: fc.oneof(fc.constant('fuzz'), fc.constant('fuzz'), fc.string(), fc.jsonValue()),
      id: fc.oneof(fc.string(), fc.integer(), fc.constant('x'.repeat(500))),
      timestamp: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      version: fc.oneof(fc.integer(), fc.string()),
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['type', 'data', 'tenant'] },
  ),
);

const endpointBody = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('http://127.0.0.1:9/x'), fc.jsonValue()),
      tenant: fc.oneof(fc.constant('fuzz-ep'), fc.string()),
      eventTypes: fc.oneof(
        fc.array(fc.constantFrom(...TYPES, 'invoice.*', '*', '')),
        fc.jsonValue(),
      ),
      description: fc.oneof(fc.string(), fc.string({ minLength: 600, maxLength: 700 })),
      rateLimitPerSecond: fc.oneof(fc.integer(), fc.double()),
      retrySchedule: fc.oneof(
        fc.array(fc.constantFrom('1s', '5m', '13h', 'soon', '')),
        fc.jsonValue(),
      ),
      maxAttempts: fc.oneof(fc.integer(), fc.string()),
    },
    { requiredKeys: ['url', 'tenant'] },
  ),
);

describe('property: no input crashes the API or leaves anything half-stored', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  async function countAll(path: string): Promise<number> {
    let count = 0;
    let cursor: string | undefined;
    do {
      const response = await system.request(
        'GET',
        `${path}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = (await response.json()) as { data: unknown[]; nextCursor?: string };
      count += page.data.length;
      cursor = page.nextCursor;
    } while (cursor);
    return count;
  }

  it('answers every publish with 202 or a 4xx problem, and stores exactly what it accepted', async () => {
    // Act
    let acceptedForFuzz = 0;
    await fc.assert(
      fc.asyncProperty(publishBody, async (body) => {
        const response = await system.request('POST', '/v1/events', body);
        expect(response.status).toBeLessThan(500);
        if (response.status === 202) {
          if ((body as { tenant?: unknown })?.tenant === 'fuzz') acceptedForFuzz++;
        } else {
          expect([400, 409, 413, 422]).toContain(response.status);
          expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
        }
      }),
      { numRuns: 200 },
    );

    // Assess
    expect(await countAll('/v1/events?tenant=fuzz')).toBe(acceptedForFuzz);
  }, 120_000);

  it('answers every endpoint creation with 201 or a 400 problem, and keeps exactly what it created', async () => {
    // Act
    let created = 0;
    await fc.assert(
      fc.asyncProperty(endpointBody, async (body) => {
        const response = await system.request('POST', '/v1/endpoints', body);
        expect([201, 400]).toContain(response.status);
        if (response.status === 201 && (body as { tenant?: unknown })?.tenant === 'fuzz-ep')
          created++;
      }),
      { numRuns: 200 },
    );
    const listed = await system.request('GET', '/v1/endpoints?tenant=fuzz-ep');

    // Assess
    expect(((await listed.json()) as { data: unknown[] }).data).toHaveLength(created);
  }, 120_000);

  it('answers any query, id or Idempotency-Key on any route with a 4xx at worst, never a 5xx', async () => {
    // Prepare: what a client controls besides the body
    const text = fc.oneof(
      fc.string(),
      fc.string({ minLength: 300, maxLength: 5000 }),
      fc.base64String(),
    );
    const query = fc.dictionary(
      fc.constantFrom(
        'tenant',
        'type',
        'since',
        'until',
        'cursor',
        'limit',
        'endpointId',
        'eventType',
        'status',
      ),
      text,
    );
    const path = fc.constantFrom(
      '/v1/events',
      '/v1/endpoints',
      '/v1/dead-letters',
      '/v1/dead-letters/redrive',
      '/v1/api-keys',
      '/v1/events/{id}',
      '/v1/endpoints/{id}',
      '/v1/endpoints/{id}/attempts',
      '/v1/jobs/{id}',
      '/v1/api-keys/{id}',
    );
    const method = fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE');

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(method, path, text, query, text, async (verb, route, id, params, key) => {
        const url = `${route.replace('{id}', encodeURIComponent(id) || 'x')}?${new URLSearchParams(params)}`;
        const response = await fetch(`${system.apiUrl}${url}`, {
          method: verb,
          headers: {
            authorization: `Bearer ${system.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': encodeURIComponent(key).slice(0, 4000) || 'k',
          },
          ...(verb !== 'GET' && verb !== 'DELETE' && { body: '{}' }),
        });
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('refuses bodies that are not JSON, of any content, with 400', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), async (text) => {
        fc.pre(!isJson(text));
        const response = await fetch(`${system.apiUrl}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${system.apiKey}`, 'content-type': 'application/json' },
          body: text,
        });
        expect(response.status).toBe(400);
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The limits the OpenAPI document states for endpoint, replay and redrive bodies are the ones
 * the domain parsers enforce: a value at the documented limit is accepted, one past it is a
 * 400 naming the field. The document writes some of these numbers itself (the parsers keep
 * them inline), so this is what keeps the two from drifting apart. Limits only the HTTP
 * routes enforce are tried in openapi-conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../docgen/openapi';
import { type Endpoint, parseEndpointInput } from '../../lambda/domain/endpoint';
import { BadRequestError } from '../../lambda/domain/errors';
import { parseRedriveRequest, parseReplayRequest } from '../../lambda/domain/job-requests';
import type { Json } from '../support/openapi';

type Limits = Record<
  string,
  { maxLength: number; minItems: number; maxItems: number; minimum: number; maximum: number }
>;

/**
 * The properties of a component schema of the document, with their constraints; of a schema
 * with variants (an endpoint is push or polling), the first variant's, which has them all.
 */
function documented(schema: string): Limits {
  const schemas = (openApiDocument().components as { schemas: Record<string, Json> }).schemas;
  const found = schemas[schema];
  const variant = (found?.oneOf as Json[] | undefined)?.[0];
  return (found?.properties ?? variant?.properties) as Limits;
}

/** The 400 problems a parse throws, or none. */
function problemsOf(parse: () => unknown): { field: string }[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (error instanceof BadRequestError) return [...error.errors];
    throw error;
  }
}

const LOCAL = { allowPrivateTargets: true };
const URL_BASE = 'https://hooks.example.com/';
const endpoint = documented('EndpointCreate');

/** `[field, a value at the documented limit, one past it]` for endpoint bodies. */
const endpointEdges: [string, unknown, unknown][] = [
  [
    'url',
    URL_BASE + 'p'.repeat((endpoint.url?.maxLength ?? 0) - URL_BASE.length),
    URL_BASE + 'p'.repeat((endpoint.url?.maxLength ?? 0) - URL_BASE.length + 1),
  ],
  [
    'description',
    'd'.repeat(endpoint.description?.maxLength ?? 0),
    'd'.repeat((endpoint.description?.maxLength ?? 0) + 1),
  ],
  [
    'eventTypes',
    Array(endpoint.eventTypes?.maxItems).fill('invoice.*'),
    Array((endpoint.eventTypes?.maxItems ?? 0) + 1).fill('invoice.*'),
  ],
  [
    'retrySchedule',
    Array(endpoint.retrySchedule?.maxItems).fill('30s'),
    Array((endpoint.retrySchedule?.maxItems ?? 0) + 1).fill('30s'),
  ],
  [
    'rateLimitPerSecond',
    endpoint.rateLimitPerSecond?.maximum,
    (endpoint.rateLimitPerSecond?.maximum ?? 0) + 1,
  ],
  [
    'rateLimitPerSecond',
    endpoint.rateLimitPerSecond?.minimum,
    (endpoint.rateLimitPerSecond?.minimum ?? 0) - 1,
  ],
  ['maxAttempts', endpoint.maxAttempts?.maximum, (endpoint.maxAttempts?.maximum ?? 0) + 1],
  ['maxAttempts', endpoint.maxAttempts?.minimum, (endpoint.maxAttempts?.minimum ?? 0) - 1],
];

describe('the limits of the OpenAPI document are the parsers’ limits', () => {
  it.each(endpointEdges)('endpoint %s: accepted at the limit, 400 past it', (name, at, past) => {
    // Prepare
    const body = (value: unknown) => ({ url: `${URL_BASE}in`, [name]: value });

    // Act
    const atLimit = problemsOf(() => parseEndpointInput(body(at), LOCAL));
    const pastLimit = problemsOf(() => parseEndpointInput(body(past), LOCAL));

    // Assess
    expect(at).toBeDefined();
    expect(atLimit).toEqual([]);
    expect(pastLimit.map((p) => p.field)).toEqual([`/${name}`]);
  });

  it('replay eventTypes: accepted at the limit, 400 past it', () => {
    // Prepare
    const max = documented('ReplayRequest').eventTypes?.maxItems ?? 0;
    const target = { id: 'ep_01M8GG4ETDQ22V9PR34594STQS', tenant: 'default' } as Endpoint;
    const replay = (count: number) => () =>
      parseReplayRequest(
        { since: '2026-01-01T00:00:00Z', eventTypes: Array(count).fill('invoice.*') },
        target,
        Date.parse('2026-06-01T00:00:00Z'),
      );

    // Act
    const atLimit = problemsOf(replay(max));
    const pastLimit = problemsOf(replay(max + 1));

    // Assess
    expect(max).toBeGreaterThan(0);
    expect(atLimit).toEqual([]);
    expect(pastLimit.map((p) => p.field)).toEqual(['/eventTypes']);
  });

  it('redrive ids: accepted within the documented count, 400 outside it', () => {
    // Prepare
    const ids = documented('RedriveRequest').ids;
    const redrive = (count: number) => () =>
      parseRedriveRequest({ ids: Array(count).fill('order-1042-paid') });

    // Act
    const atMost = problemsOf(redrive(ids?.maxItems ?? 0));
    const pastMost = problemsOf(redrive((ids?.maxItems ?? 0) + 1));
    const tooFew = problemsOf(redrive((ids?.minItems ?? 0) - 1));

    // Assess
    expect(ids?.maxItems).toBeGreaterThan(1);
    expect(atMost).toEqual([]);
    expect(pastMost.map((p) => p.field)).toEqual(['/ids']);
    expect(tooFew.map((p) => p.field)).toEqual(['/ids']);
  });
});

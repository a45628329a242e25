/**
 * Parameters, headers and answers many operations share: pagination, idempotency, and the
 * problems, of the functions (problem+json) and of API Gateway itself (its own JSON).
 */
import { IDEMPOTENCY_TTL_SECONDS } from '../../lambda/domain/publish';
import { MAX_JSON_DEPTH } from '../../lambda/http/middlewares';
import type { JsonSchema } from './json-schema';
import { schemaRef } from './json-schema';

/** Listings: `limit` from 1 to 100, 50 when left out (lambda/http/routes/shared.ts `paging`). */
export const PAGE_LIMIT = { min: 1, max: 100, default: 50 } as const;

const PROBLEM = 'application/problem+json';
const JSON_MEDIA = 'application/json';

export const parameterRef = (name: string): JsonSchema => ({
  $ref: `#/components/parameters/${name}`,
});
export const responseRef = (name: string): JsonSchema => ({
  $ref: `#/components/responses/${name}`,
});
export const headerRef = (name: string): JsonSchema => ({ $ref: `#/components/headers/${name}` });

const pathId = (schema: string, what: string): JsonSchema => ({
  name: 'id',
  in: 'path',
  required: true,
  description: `The ${what}’s id. One of another tenant, or not of this form, is 404.`,
  schema: schemaRef(schema),
});

export const parameters: Record<string, JsonSchema> = {
  EndpointId: pathId('EndpointId', 'endpoint'),
  EventId: pathId('EventId', 'event'),
  JobId: pathId('JobId', 'job'),
  ApiKeyId: pathId('ApiKeyId', 'API key'),
  Limit: {
    name: 'limit',
    in: 'query',
    description: 'Items per page.',
    schema: {
      type: 'integer',
      minimum: PAGE_LIMIT.min,
      maximum: PAGE_LIMIT.max,
      default: PAGE_LIMIT.default,
    },
  },
  Cursor: {
    name: 'cursor',
    in: 'query',
    description:
      'The `nextCursor` of the previous page. Cursors are opaque and signed for the query and tenant that made them: a changed, forged or borrowed one is 400.',
    schema: { type: 'string', maxLength: 4096 },
  },
  Tenant: {
    name: 'tenant',
    in: 'query',
    description:
      'The tenant to act on: `default` when left out, or the key’s own tenant; a tenant-scoped key naming another is 403.',
    schema: schemaRef('Tenant'),
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    description: `The same key within ${IDEMPOTENCY_TTL_SECONDS / 3600} h returns the first result and does nothing again; with a different request it is 409. Keys are per tenant and per route.`,
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  },
};

export const headers: Record<string, JsonSchema> = {
  Location: {
    description: 'Where the new resource is read.',
    required: true,
    schema: { type: 'string' },
  },
  IdempotentReplayed: {
    description:
      '`true` when this answer repeats an earlier request (same `Idempotency-Key`, or same event `id` and body): nothing new was published.',
    schema: { type: 'string', enum: ['true'] },
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying: the conflict is passing.',
    schema: { type: 'integer', minimum: 0 },
  },
};

const problem = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  description,
  ...extra,
  content: { [PROBLEM]: { schema: schemaRef('Problem') } },
});

export const responses: Record<string, JsonSchema> = {
  BadRequest: problem(
    `Malformed JSON, a body that is not \`application/json\`, nested deeper than ${MAX_JSON_DEPTH} levels, an unknown or mistyped field, or an invalid query parameter or header; \`errors[].field\` names each.`,
  ),
  Unauthorized: {
    description:
      'No `Authorization` header: API Gateway refuses the request itself, before any function runs.',
    content: { [JSON_MEDIA]: { schema: schemaRef('GatewayMessage') } },
  },
  Forbidden: {
    description:
      'An unknown key (API Gateway answers `{"message":"Forbidden"}` itself), or a key whose scope or tenant does not allow this request (problem details).',
    content: {
      [PROBLEM]: { schema: schemaRef('Problem') },
      [JSON_MEDIA]: { schema: schemaRef('GatewayMessage') },
    },
  },
  NotFound: problem('No such resource, or one of another tenant.'),
  Conflict: problem(
    'The idempotency key (or event id) was used for another request, a request with the same key is still running, or the resource changed meanwhile; retry the last two after `Retry-After`.',
    { headers: { 'Retry-After': headerRef('RetryAfter') } },
  ),
  PayloadTooLarge: problem('The body is over this route’s limit.'),
  Unprocessable: problem(
    'Well-formed but not publishable: an unknown event type or version, or `data` that does not match its schema; `errors` lists each violation.',
  ),
  TooManyRequests: {
    description: 'API Gateway’s throttling of the stage.',
    content: { [JSON_MEDIA]: { schema: schemaRef('GatewayMessage') } },
  },
  ServerError: {
    description:
      'Hookline or AWS failed, never the request: nothing was acknowledged, retry with the same `Idempotency-Key`.',
    content: {
      [PROBLEM]: { schema: schemaRef('Problem') },
      [JSON_MEDIA]: { schema: schemaRef('GatewayMessage') },
    },
  },
};

/** Answers any authorized operation may give, whatever it does. */
export const authorizedErrors: Record<string, JsonSchema> = {
  '401': responseRef('Unauthorized'),
  '403': responseRef('Forbidden'),
  '429': responseRef('TooManyRequests'),
  '5XX': responseRef('ServerError'),
};

export const securitySchemes: Record<string, JsonSchema> = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key, `Authorization: Bearer hk_…`. Its scope (`publish`, `admin`, or `portal` for a tenant portal session’s token) is the role an operation lists; a key with a tenant, and every portal session, is confined to that tenant on every route. Local mode prints its admin key on start.',
  },
};

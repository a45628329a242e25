/**
 * Component schemas of the API's requests and answers, read off the route handlers
 * (lambda/http/routes) and the domain parsers they call: here the shared ones, publishing,
 * the event log and API keys; endpoints and deliveries have modules of their own.
 */
import { API_KEY_ID_PATTERN } from '../../lambda/adapters/dynamo/api-key-store';
import { TENANT_PATTERN } from '../../lambda/domain/event';
import { ENDPOINT_ID_PATTERN, EVENT_ID_PATTERN } from '../../lambda/domain/ids';
import type { ApiKeyScope } from '../../lambda/domain/ports';
import {
  DEFAULT_PORTAL_TTL_SECONDS,
  MAX_PORTAL_TTL_SECONDS,
  MIN_PORTAL_TTL_SECONDS,
} from '../../lambda/http/routes/portal-sessions';
import { deliverySchemas } from './delivery-schemas';
import { endpointSchemas } from './endpoint-schemas';
import { catalogSchemas } from './events';
import {
  count,
  dateTime,
  everyMember,
  type JsonSchema,
  pageOf,
  patternOf,
  requestObject,
  responseObject,
  schemaRef,
} from './json-schema';
import { LIMITS } from './limits';

const API_KEY_SCOPES = everyMember<ApiKeyScope>()(['publish', 'admin', 'portal']);
/** What `POST /v1/api-keys` makes; portal tokens come from `POST /v1/portal-sessions`. */
const CREATABLE_SCOPES = ['publish', 'admin'];

/** What publishing answers for one accepted event, alone or as a batch item. */
const acceptedFields = (): Record<string, JsonSchema> => ({
  id: schemaRef('EventId'),
  type: schemaRef('EventTypeName'),
  timestamp: dateTime('The event’s timestamp, UTC.'),
  deliveries: count('Deliveries queued for the event: one per subscribed endpoint.'),
});

const API_KEY_REQUIRED = ['id', 'scope', 'prefix', 'createdAt'];
/** An API key as listed: never the key, nor its hash. */
const apiKeyView = (): Record<string, JsonSchema> => ({
  id: schemaRef('ApiKeyId'),
  scope: { type: 'string', enum: [...API_KEY_SCOPES] },
  tenant: schemaRef('Tenant'),
  prefix: { type: 'string', description: 'The first characters of the key, to recognise it.' },
  description: { type: 'string' },
  createdAt: dateTime('UTC.'),
  expiresAt: dateTime('When a portal session ends; keys have none.'),
});

export function componentSchemas(): Record<string, JsonSchema> {
  return {
    Tenant: { type: 'string', pattern: patternOf(TENANT_PATTERN), examples: ['acme'] },
    EndpointId: { type: 'string', pattern: patternOf(ENDPOINT_ID_PATTERN) },
    EventId: {
      type: 'string',
      pattern: patternOf(EVENT_ID_PATTERN),
      description: 'A generated id (`msg_…`) or the publisher’s own.',
    },
    JobId: { type: 'string', pattern: '^job_[0-9A-Z]{26}$' },
    ApiKeyId: { type: 'string', pattern: patternOf(API_KEY_ID_PATTERN) },
    ...catalogSchemas(),

    FieldProblem: responseObject(
      {
        field: {
          type: 'string',
          description:
            'JSON pointer into the body (`/data/amount`), or the query parameter or header named.',
        },
        message: { type: 'string' },
      },
      ['field', 'message'],
    ),
    Problem: responseObject(
      {
        type: { type: 'string', format: 'uri-reference', default: 'about:blank' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        instance: { type: 'string', description: 'The request path.' },
        errors: { type: 'array', items: schemaRef('FieldProblem') },
      },
      ['title', 'status'],
      'RFC 9457 problem details; `errors` names each offending field.',
    ),
    GatewayMessage: responseObject(
      { message: { type: 'string', examples: ['Unauthorized', 'Forbidden'] } },
      ['message'],
      'An answer of API Gateway itself, before any function ran.',
    ),
    Health: responseObject(
      { status: { const: 'ok' }, version: { type: 'string', description: 'Hookline’s version.' } },
      ['status', 'version'],
    ),

    PublishAccepted: responseObject(acceptedFields(), ['id', 'type', 'timestamp', 'deliveries']),
    BatchRequest: {
      type: 'object',
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          maxItems: LIMITS.batchEvents,
          items: schemaRef('PublishEvent'),
        },
      },
    },
    BatchItemAccepted: responseObject(
      {
        index: count('Position of the event in the request.'),
        status: { const: 202 },
        ...acceptedFields(),
        duplicate: {
          type: 'boolean',
          description:
            'True when the event repeated one already published (its `id`, or the request’s `Idempotency-Key`): the first result is returned and nothing new is delivered.',
        },
      },
      ['index', 'status', 'id', 'type', 'timestamp', 'deliveries', 'duplicate'],
    ),
    BatchItemRefused: responseObject(
      {
        index: count('Position of the event in the request.'),
        status: { type: 'integer', enum: [400, 403, 409, 413, 422] },
        problem: schemaRef('Problem'),
      },
      ['index', 'status', 'problem'],
    ),
    BatchResult: responseObject(
      {
        results: {
          type: 'array',
          items: { oneOf: [schemaRef('BatchItemAccepted'), schemaRef('BatchItemRefused')] },
        },
      },
      ['results'],
    ),

    CatalogEntry: responseObject(
      {
        type: schemaRef('EventType'),
        version: { type: 'integer', minimum: 1 },
        description: { type: 'string' },
        schema: { type: 'object', description: 'JSON Schema of `data`.' },
        example: { description: 'A `data` that matches the schema.' },
      },
      ['type', 'version', 'description', 'schema', 'example'],
    ),
    EventTypeList: responseObject({ data: { type: 'array', items: schemaRef('CatalogEntry') } }, [
      'data',
    ]),
    EventSummary: responseObject(
      {
        id: schemaRef('EventId'),
        type: schemaRef('EventTypeName'),
        tenant: schemaRef('Tenant'),
        timestamp: dateTime('UTC.'),
      },
      ['id', 'type', 'tenant', 'timestamp'],
    ),
    EventPage: pageOf('EventSummary'),
    ...deliverySchemas(),
    ...endpointSchemas(),
    Event: responseObject(
      {
        id: schemaRef('EventId'),
        type: schemaRef('EventTypeName'),
        version: { type: 'integer', minimum: 1 },
        tenant: schemaRef('Tenant'),
        timestamp: dateTime('UTC.'),
        data: { description: 'The payload, as published.' },
        endpointIds: {
          type: 'array',
          items: schemaRef('EndpointId'),
          description: 'The endpoints the event was fanned out to when it was published.',
        },
        deliveries: { type: 'array', items: schemaRef('EventDelivery') },
      },
      ['id', 'type', 'version', 'tenant', 'timestamp', 'data', 'endpointIds', 'deliveries'],
    ),

    ApiKeyCreate: requestObject(
      {
        scope: { type: 'string', enum: CREATABLE_SCOPES },
        tenant: schemaRef('Tenant'),
        description: { type: 'string', maxLength: LIMITS.apiKeyDescriptionLength },
      },
      ['scope'],
      '`publish` keys may publish events, `admin` keys may do everything; a `tenant` confines the key to that tenant.',
    ),
    ApiKey: responseObject(apiKeyView(), API_KEY_REQUIRED),
    ApiKeyCreated: responseObject(
      {
        ...apiKeyView(),
        key: {
          type: 'string',
          pattern: '^hk_(publish|admin)_[A-Za-z0-9_-]+$',
          description: 'The key itself, shown this once: only its hash is stored.',
        },
      },
      [...API_KEY_REQUIRED, 'key'],
    ),
    ApiKeyList: responseObject({ data: { type: 'array', items: schemaRef('ApiKey') } }, ['data']),
    Caller: responseObject(
      {
        scope: { type: 'string', enum: [...API_KEY_SCOPES] },
        tenant: schemaRef('Tenant'),
        expiresAt: dateTime('When a portal session ends.'),
      },
      ['scope'],
    ),
    PortalSessionCreate: requestObject(
      {
        tenant: schemaRef('Tenant'),
        ttlSeconds: {
          type: 'integer',
          minimum: MIN_PORTAL_TTL_SECONDS,
          maximum: MAX_PORTAL_TTL_SECONDS,
          description: `How long the link works (default ${DEFAULT_PORTAL_TTL_SECONDS}).`,
        },
      },
      ['tenant'],
    ),
    PortalSession: responseObject(
      {
        id: schemaRef('ApiKeyId'),
        url: {
          type: 'string',
          format: 'uri',
          description: 'The console’s address with `#portal=<token>`: open it, or embed it.',
        },
        token: {
          type: 'string',
          pattern: '^hk_portal_[A-Za-z0-9_-]+$',
          description: 'The session’s credential, shown this once: only its hash is stored.',
        },
        tenant: schemaRef('Tenant'),
        expiresAt: dateTime('When the session ends (UTC).'),
      },
      ['id', 'url', 'token', 'tenant', 'expiresAt'],
    ),
  };
}

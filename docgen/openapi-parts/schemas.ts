/**
 * Component schemas of the API's requests and answers, read off the route handlers
 * (lambda/http/routes) and the domain parsers they call. Limits the code keeps in exported
 * constants are imported; the few it writes inline are named here, and
 * test/docs/openapi-limits.test.ts checks each against the parsers.
 */
import { defaultSettings } from '#shared/settings';
import { API_KEY_ID_PATTERN } from '../../lambda/adapters/dynamo/api-key-store';
import type { AttemptView } from '../../lambda/adapters/dynamo/attempt-log';
import { EVENT_TYPE_PATTERN } from '../../lambda/domain/catalog';
import { TENANT_PATTERN } from '../../lambda/domain/event';
import { ENDPOINT_ID_PATTERN, EVENT_ID_PATTERN } from '../../lambda/domain/ids';
import type { JobStatus } from '../../lambda/domain/jobs';
import type { ApiKeyScope, DeadLetterReason, DeliveryStatus } from '../../lambda/domain/ports';
import { MAX_LIVE_SECRETS } from '../../lambda/domain/secrets';
import { catalogSchemas } from './events';
import {
  dateTime,
  everyMember,
  type JsonSchema,
  patternOf,
  requestObject,
  responseObject,
  schemaRef,
} from './json-schema';

/** Limits the parsers write inline (lambda/domain/endpoint.ts, job-requests.ts, routes/). */
export const LIMITS = {
  endpointUrlLength: 2048,
  endpointDescriptionLength: 500,
  endpointEventTypes: 100,
  rateLimitPerSecond: { min: 1, max: 10_000 },
  retryScheduleDelays: 20,
  endpointMaxAttempts: { min: 1, max: 50 },
  replayEventTypes: 100,
  redriveIds: 1000,
  apiKeyDescriptionLength: 256,
  graceSeconds: { min: 0, max: 7 * 86_400 },
  batchEvents: 100,
} as const;

const API_KEY_SCOPES = everyMember<ApiKeyScope>()(['publish', 'admin']);
const JOB_STATUSES = everyMember<JobStatus>()(['queued', 'running', 'completed']);
const DELIVERY_STATUSES = everyMember<DeliveryStatus>()([
  'retrying',
  'delivered',
  'dead_lettered',
  'requeued',
]);
const DEAD_LETTER_REASONS = everyMember<DeadLetterReason['reason']>()([
  'max_attempts',
  'circuit_open',
  'endpoint_gone',
  'endpoint_disabled',
  'dispatcher_failed',
]);
const ATTEMPT_OUTCOMES = everyMember<AttemptView['outcome']>()(['delivered', 'failed']);

const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const nullable = (type: string, description: string): JsonSchema => ({
  type: [type, 'null'],
  description,
});
const nextCursor: JsonSchema = {
  type: 'string',
  description: 'Pass as `cursor` for the next page; absent on the last page.',
};
const pageOf = (item: string, extra: Record<string, JsonSchema> = {}): JsonSchema =>
  responseObject({ data: { type: 'array', items: schemaRef(item) }, ...extra, nextCursor }, [
    'data',
  ]);

/** `30s`, `5m`, `2h`: the duration grammar of lambda/shared/durations.ts. */
const RETRY_DELAY: JsonSchema = {
  type: 'string',
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$',
  description: 'A delay from 1s to 12h, the range SQS can hide a message for.',
  examples: ['30s', '5m', '2h'],
};

const endpointFields = {
  url: {
    type: 'string',
    format: 'uri',
    maxLength: LIMITS.endpointUrlLength,
    description: `Where deliveries are POSTed: https, no credentials or fragment, a port the deployment allows (by default ${defaultSettings.endpointPorts.join(', ')}), and a host that resolves to public addresses only. Local mode also takes http and loopback hosts.`,
  },
  description: { type: 'string', maxLength: LIMITS.endpointDescriptionLength },
  eventTypes: {
    type: 'array',
    maxItems: LIMITS.endpointEventTypes,
    items: schemaRef('EventTypeFilter'),
    description: 'The types this endpoint receives; omitted or empty means every type.',
  },
  rateLimitPerSecond: {
    type: 'integer',
    minimum: LIMITS.rateLimitPerSecond.min,
    maximum: LIMITS.rateLimitPerSecond.max,
    description: 'Deliveries per second at most.',
  },
  retrySchedule: {
    type: 'array',
    maxItems: LIMITS.retryScheduleDelays,
    items: RETRY_DELAY,
    description: `Delays between attempts, overriding the deployment’s (${defaultSettings.retrySchedule.join(', ')} by default).`,
  },
  maxAttempts: {
    type: 'integer',
    minimum: LIMITS.endpointMaxAttempts.min,
    maximum: LIMITS.endpointMaxAttempts.max,
    description: `Attempts per delivery including the first, overriding the deployment’s (${defaultSettings.maxAttempts} by default).`,
  },
} satisfies Record<string, JsonSchema>;

/** `null` clears an optional field on PATCH. */
const clearable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

const windowStats = responseObject(
  {
    attempts: count('Attempts in the window.'),
    delivered: count('Attempts that delivered.'),
    failed: count('Attempts that failed.'),
    successRatio: {
      type: ['number', 'null'],
      minimum: 0,
      maximum: 1,
      description: 'Delivered over all attempts; null without attempts.',
    },
    latencyMs: responseObject(
      {
        p50: nullable('number', 'Median attempt duration in ms.'),
        p95: nullable('number', '95th percentile in ms.'),
        p99: nullable('number', '99th percentile in ms.'),
      },
      ['p50', 'p95', 'p99'],
    ),
    deadLetters: count('Deliveries dead-lettered in the window.'),
  },
  ['attempts', 'delivered', 'failed', 'successRatio', 'latencyMs', 'deadLetters'],
);

/** What publishing answers for one accepted event, alone or as a batch item. */
const acceptedFields = (): Record<string, JsonSchema> => ({
  id: schemaRef('EventId'),
  type: schemaRef('EventTypeName'),
  timestamp: dateTime('The event’s timestamp, UTC.'),
  deliveries: count('Deliveries queued for the event: one per subscribed endpoint.'),
});

/** An endpoint as the API shows it: everything but its secrets. */
const endpointView = (): Record<string, JsonSchema> => ({
  id: schemaRef('EndpointId'),
  tenant: schemaRef('Tenant'),
  ...endpointFields,
  enabled: { type: 'boolean' },
  disabledReason: { type: 'string', description: 'Why Hookline switched it off.' },
  disabledAt: dateTime('When Hookline switched it off.'),
  createdAt: dateTime('UTC.'),
  updatedAt: dateTime('UTC.'),
});
const ENDPOINT_REQUIRED = ['id', 'tenant', 'url', 'enabled', 'createdAt', 'updatedAt'];

const API_KEY_REQUIRED = ['id', 'scope', 'prefix', 'createdAt'];
/** An API key as listed: never the key, nor its hash. */
const apiKeyView = (): Record<string, JsonSchema> => ({
  id: schemaRef('ApiKeyId'),
  scope: { type: 'string', enum: [...API_KEY_SCOPES] },
  tenant: schemaRef('Tenant'),
  prefix: { type: 'string', description: 'The first characters of the key, to recognise it.' },
  description: { type: 'string' },
  createdAt: dateTime('UTC.'),
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
      },
      ['index', 'status', 'id', 'type', 'timestamp', 'deliveries'],
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
    EventDelivery: responseObject(
      {
        endpointId: schemaRef('EndpointId'),
        status: {
          type: 'string',
          enum: [...DELIVERY_STATUSES, 'pending'],
          description:
            '`pending` has no attempt recorded yet; `requeued` was replayed or redriven.',
        },
        attempts: count('Attempts made so far.'),
        lastAttemptAt: dateTime('When the last failed attempt was made.'),
        lastStatus: nullable('integer', 'HTTP status of the last failed attempt.'),
        lastError: nullable('string', 'Why the last attempt failed.'),
        finishedAt: dateTime('When the delivery succeeded or was dead-lettered.'),
        deadLetteredAt: dateTime('When the delivery was dead-lettered.'),
        requeuedAt: dateTime('When a replay or redrive queued it again.'),
        reason: { type: 'string', enum: [...DEAD_LETTER_REASONS] },
        eventType: schemaRef('EventTypeName'),
        tenant: schemaRef('Tenant'),
      },
      ['endpointId', 'status'],
    ),
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

    EndpointCreate: requestObject(
      { ...endpointFields, tenant: schemaRef('Tenant') },
      ['url'],
      'A new push endpoint. `tenant` defaults to `default`, or to the key’s own tenant.',
    ),
    EndpointUpdate: requestObject(
      {
        url: endpointFields.url,
        description: clearable(endpointFields.description),
        eventTypes: clearable(endpointFields.eventTypes),
        rateLimitPerSecond: clearable(endpointFields.rateLimitPerSecond),
        retrySchedule: clearable(endpointFields.retrySchedule),
        maxAttempts: clearable(endpointFields.maxAttempts),
        enabled: {
          type: 'boolean',
          description: 'Switching an endpoint back on forgets why it was switched off.',
        },
      },
      [],
      'The fields to change; `null` clears an optional one. `tenant` cannot change.',
    ),
    Endpoint: responseObject(endpointView(), ENDPOINT_REQUIRED),
    EndpointCreated: responseObject(
      { ...endpointView(), secret: schemaRef('SigningSecret') },
      [...ENDPOINT_REQUIRED, 'secret'],
      'The new endpoint and its signing secret: the only answer that carries it unasked.',
    ),
    EndpointPage: pageOf('Endpoint'),
    SigningSecret: {
      type: 'string',
      pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
      description: 'Standard Webhooks signing secret.',
    },
    Secret: responseObject(
      {
        secret: schemaRef('SigningSecret'),
        previousSecretsExpireAt: {
          type: 'array',
          maxItems: MAX_LIVE_SECRETS - 1,
          items: { type: 'string', format: 'date-time' },
          description: 'When each rotated-out secret, still signing, stops.',
        },
      },
      ['secret', 'previousSecretsExpireAt'],
    ),
    SecretRotation: requestObject({
      graceSeconds: {
        type: 'integer',
        minimum: LIMITS.graceSeconds.min,
        maximum: LIMITS.graceSeconds.max,
        description: `How long the old secret keeps signing; the deployment’s grace (${defaultSettings.secretRotationGraceHours} h by default) when left out, 0 ends it now.`,
      },
    }),
    TestRequest: requestObject({
      eventType: {
        ...schemaRef('EventType'),
        description:
          'The type whose catalog example is sent; by default the first one the endpoint subscribes to.',
      },
    }),
    TestSent: responseObject(
      {
        id: schemaRef('EventId'),
        type: schemaRef('EventType'),
        timestamp: dateTime('UTC.'),
      },
      ['id', 'type', 'timestamp'],
    ),
    Attempt: responseObject(
      {
        eventId: schemaRef('EventId'),
        eventType: schemaRef('EventTypeName'),
        outcome: { type: 'string', enum: [...ATTEMPT_OUTCOMES] },
        at: dateTime('When the attempt (or the batch of successes it belongs to) finished.'),
        attempt: { type: 'integer', minimum: 1, description: 'Failed attempts only.' },
        status: { type: 'integer', description: 'The endpoint’s HTTP status, when it answered.' },
        durationMs: { type: 'number', minimum: 0 },
        error: { type: 'string' },
        responseExcerpt: { type: 'string', description: 'The start of a failed answer’s body.' },
      },
      ['eventId', 'eventType', 'outcome', 'at', 'durationMs'],
    ),
    AttemptPage: pageOf('Attempt'),
    EndpointStats: responseObject(
      {
        endpointId: schemaRef('EndpointId'),
        lastHour: windowStats,
        lastDay: windowStats,
        complete: {
          type: 'boolean',
          description: 'False when the day held more attempts than were read: then a sample.',
        },
      },
      ['endpointId', 'lastHour', 'lastDay', 'complete'],
    ),

    ReplayRequest: requestObject(
      {
        since: { type: 'string', format: 'date-time', description: 'Events from this time on.' },
        until: {
          type: 'string',
          format: 'date-time',
          description: 'Events before this time; now when left out. Must be after `since`.',
        },
        eventTypes: {
          type: 'array',
          maxItems: LIMITS.replayEventTypes,
          items: schemaRef('EventTypeFilter'),
        },
        onlyFailed: { type: 'boolean', description: 'Only deliveries that did not succeed.' },
      },
      ['since'],
    ),
    RedriveRequest: requestObject(
      {
        endpointId: schemaRef('EndpointId'),
        eventType: { type: 'string', pattern: patternOf(EVENT_TYPE_PATTERN) },
        ids: {
          type: 'array',
          minItems: 1,
          maxItems: LIMITS.redriveIds,
          items: schemaRef('EventId'),
        },
      },
      [],
      'Which dead letters to send back; an empty filter takes every one (of the key’s tenant).',
    ),
    ReplayJobSpec: responseObject(
      {
        kind: { const: 'replay' },
        endpointId: schemaRef('EndpointId'),
        tenant: schemaRef('Tenant'),
        since: dateTime('UTC.'),
        until: dateTime('UTC.'),
        eventTypes: { type: 'array', items: schemaRef('EventTypeFilter') },
        onlyFailed: { type: 'boolean' },
      },
      ['kind', 'endpointId', 'tenant', 'since', 'until', 'onlyFailed'],
    ),
    RedriveJobSpec: responseObject(
      {
        kind: { const: 'redrive' },
        tenant: schemaRef('Tenant'),
        endpointId: schemaRef('EndpointId'),
        eventType: { type: 'string' },
        eventIds: { type: 'array', items: schemaRef('EventId') },
      },
      ['kind'],
    ),
    Job: responseObject(
      {
        id: schemaRef('JobId'),
        spec: { oneOf: [schemaRef('ReplayJobSpec'), schemaRef('RedriveJobSpec')] },
        status: { type: 'string', enum: [...JOB_STATUSES] },
        page: count('Pages done so far.'),
        cursor: { type: 'string', description: 'Where the next page starts.' },
        scanned: count('Events or dead letters looked at.'),
        queued: count('Deliveries put back on the delivery queue.'),
        createdAt: dateTime('UTC.'),
        updatedAt: dateTime('UTC.'),
        finishedAt: dateTime('UTC.'),
        links: responseObject({ self: { type: 'string' } }, ['self']),
      },
      ['id', 'spec', 'status', 'page', 'scanned', 'queued', 'createdAt', 'updatedAt', 'links'],
    ),
    DeadLetter: responseObject(
      {
        eventId: schemaRef('EventId'),
        endpointId: schemaRef('EndpointId'),
        eventType: schemaRef('EventTypeName'),
        reason: { type: 'string', enum: [...DEAD_LETTER_REASONS] },
        attempts: count('Attempts made.'),
        lastStatus: nullable('integer', 'HTTP status of the last attempt.'),
        lastError: nullable('string', 'Why the last attempt failed.'),
        deadLetteredAt: dateTime('UTC.'),
      },
      [
        'eventId',
        'endpointId',
        'eventType',
        'reason',
        'attempts',
        'lastStatus',
        'lastError',
        'deadLetteredAt',
      ],
    ),
    DeadLetterPage: pageOf('DeadLetter', {
      queueDepth: count('Messages in the dead-letter queue, every tenant’s: operator keys only.'),
    }),

    ApiKeyCreate: requestObject(
      {
        scope: { type: 'string', enum: [...API_KEY_SCOPES] },
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
  };
}

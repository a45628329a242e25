/** Schemas of endpoints and what hangs off one: secrets, test sends, attempts, stats. */
import { DURATION_PATTERN } from '#shared/durations';
import { MAX_RETRY_DELAY_SECONDS, MIN_RETRY_DELAY_SECONDS } from '#shared/limits';
import { defaultSettings } from '#shared/settings';
import type { AttemptView } from '../../lambda/adapters/dynamo/attempt-log';
import { ENDPOINT_TYPES } from '../../lambda/domain/endpoint';
import { FEED_MAX_WAIT_SECONDS } from '../../lambda/domain/feed';
import { MAX_LIVE_SECRETS } from '../../lambda/domain/secrets';
import {
  count,
  dateTime,
  everyMember,
  type JsonSchema,
  nullable,
  pageOf,
  patternOf,
  requestObject,
  responseObject,
  schemaRef,
} from './json-schema';
import { LIMITS } from './limits';

const ATTEMPT_OUTCOMES = everyMember<AttemptView['outcome']>()(['delivered', 'failed']);

/** `30s`, `5m`, `2h`: the duration grammar of lambda/shared/durations.ts. */
const RETRY_DELAY: JsonSchema = {
  type: 'string',
  pattern: patternOf(DURATION_PATTERN),
  description: `A delay from ${MIN_RETRY_DELAY_SECONDS}s to ${MAX_RETRY_DELAY_SECONDS / 3600}h, the range SQS can hide a message for.`,
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
    buckets: {
      type: 'array',
      description:
        'The window in equal slices, oldest first (12 of 5 minutes for the hour, 24 of an hour for the day): a chart’s bars.',
      items: responseObject(
        {
          start: dateTime('When the slice begins (UTC).'),
          delivered: count('Attempts that delivered in the slice.'),
          failed: count('Attempts that failed in the slice.'),
        },
        ['start', 'delivered', 'failed'],
      ),
    },
  },
  ['attempts', 'delivered', 'failed', 'successRatio', 'latencyMs', 'deadLetters', 'buckets'],
);

const ENDPOINT_TYPE: JsonSchema = {
  type: 'string',
  enum: [...ENDPOINT_TYPES],
  description:
    '`push`: each delivery is POSTed to `url`. `polling`: no URL; deliveries wait in the endpoint’s feed (`GET /v1/endpoints/{id}/feed`).',
};

/** An endpoint as the API shows it: everything but its secrets. */
const endpointView = (): Record<string, JsonSchema> => ({
  id: schemaRef('EndpointId'),
  tenant: schemaRef('Tenant'),
  type: ENDPOINT_TYPE,
  ...endpointFields,
  enabled: { type: 'boolean' },
  disabledReason: { type: 'string', description: 'Why Hookline switched it off.' },
  disabledAt: dateTime('When Hookline switched it off.'),
  createdAt: dateTime('UTC.'),
  updatedAt: dateTime('UTC.'),
});
const ENDPOINT_REQUIRED = ['id', 'tenant', 'type', 'enabled', 'createdAt', 'updatedAt'];

export function endpointSchemas(): Record<string, JsonSchema> {
  return {
    EndpointCreate: {
      description:
        'A new endpoint: push (the default) or polling. `tenant` defaults to `default`, or to the key’s own tenant.',
      oneOf: [
        requestObject(
          {
            type: { type: 'string', enum: ['push'] },
            ...endpointFields,
            tenant: schemaRef('Tenant'),
          },
          ['url'],
          'A push endpoint: Hookline POSTs each delivery to `url`.',
        ),
        requestObject(
          {
            type: { type: 'string', enum: ['polling'] },
            description: endpointFields.description,
            eventTypes: endpointFields.eventTypes,
            tenant: schemaRef('Tenant'),
          },
          ['type'],
          'A polling endpoint: no URL; its consumer reads its deliveries from its feed.',
        ),
      ],
    },
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
      'The fields to change; `null` clears an optional one. `tenant` and `type` cannot change; a polling endpoint takes only `description`, `eventTypes` and `enabled`.',
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
    FeedItem: responseObject(
      {
        id: schemaRef('EventId'),
        headers: responseObject(
          {
            'content-type': { type: 'string', enum: ['application/json'] },
            'user-agent': { type: 'string' },
            'webhook-id': schemaRef('EventId'),
            'webhook-timestamp': { type: 'string', pattern: '^[0-9]+$' },
            'webhook-signature': { type: 'string' },
          },
          ['content-type', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature'],
          'Exactly the headers a push delivery carries, signed when read.',
        ),
        body: {
          type: 'string',
          description: 'The exact request body a push delivery carries; verify these bytes.',
        },
      },
      ['id', 'headers', 'body'],
    ),
    FeedPage: responseObject(
      {
        items: { type: 'array', items: schemaRef('FeedItem'), maxItems: 100 },
        cursor: {
          type: 'string',
          description: `Where this read ended: pass it back to read on. Always present; an older cursor reads again from there. Reads wait up to ${FEED_MAX_WAIT_SECONDS} s for an empty feed.`,
        },
      },
      ['items', 'cursor'],
    ),
    EndpointStats: responseObject(
      {
        endpointId: schemaRef('EndpointId'),
        lastHour: windowStats,
        lastDay: windowStats,
        complete: {
          type: 'boolean',
          description: 'False when the day held more attempts than were read: then a sample.',
        },
        circuit: responseObject(
          {
            state: {
              type: 'string',
              enum: ['closed', 'open', 'half-open'],
              description:
                '`open`: deliveries wait until `openUntil`; `half-open`: a few probes go through, and the first success closes it.',
            },
            openUntil: dateTime('Until when an open circuit holds deliveries back.'),
          },
          ['state'],
        ),
      },
      ['endpointId', 'lastHour', 'lastDay', 'complete', 'circuit'],
    ),
  };
}

/** Schemas of deliveries after the fact: per-event status, dead letters, replay and redrive jobs. */
import { EVENT_TYPE_PATTERN } from '../../lambda/domain/catalog';
import type { JobStatus } from '../../lambda/domain/jobs';
import type { DeadLetterReason, DeliveryStatus } from '../../lambda/domain/ports';
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

export function deliverySchemas(): Record<string, JsonSchema> {
  return {
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
  };
}

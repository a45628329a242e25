/**
 * Every operation of the v1 API, as the handlers serve it: `GET /health`, ingest
 * (lambda/handlers/ingest.ts), `managementRoutes` (lambda/handlers/management.ts) and the API
 * keys function (lambda/handlers/keys.ts). Each lists the answers its route can really give.
 */
import { MAX_EVENT_BYTES } from '../../lambda/domain/event';
import { FEED_MAX_WAIT_SECONDS } from '../../lambda/domain/feed';
import { MAX_JSON_DEPTH } from '../../lambda/http/middlewares';
import { accessPaths } from './access-paths';
import { headerRef, parameterRef } from './components';
import { publishExample } from './events';
import { type JsonSchema, schemaRef } from './json-schema';
import {
  answer,
  created,
  ENDPOINT,
  instantQuery,
  NO_CONTENT,
  operation,
  PAGE,
  PUBLISHERS,
  query,
} from './operations';

const health: JsonSchema = {
  operationId: 'getHealth',
  tags: ['health'],
  summary: 'Liveness',
  description: 'Answers without a key.',
  security: [],
  responses: { '200': answer('Hookline is up.', 'Health') },
};

export function paths(): Record<string, Record<string, JsonSchema>> {
  return {
    ...accessPaths(),
    '/health': { get: health },
    '/v1/events': {
      post: operation({
        id: 'publishEvent',
        tag: 'events',
        summary: 'Publish one event',
        description: `Answered only once the event is stored and its deliveries are queued. The body may be ${MAX_EVENT_BYTES / 1024} KiB and nest ${MAX_JSON_DEPTH} levels at most.`,
        parameters: [parameterRef('IdempotencyKey')],
        body: { schema: 'PublishEvent', example: publishExample() },
        answers: {
          '202': answer('Accepted, or a repeat of an accepted request.', 'PublishAccepted', {
            'idempotent-replayed': headerRef('IdempotentReplayed'),
          }),
        },
        problems: ['400', '409', '413', '422'],
        security: PUBLISHERS,
      }),
      get: operation({
        id: 'listEvents',
        tag: 'events',
        summary: 'List a tenant’s events',
        description: 'Newest first; summaries only.',
        parameters: [
          parameterRef('Tenant'),
          query('type', 'Only events of this type.', schemaRef('EventTypeName')),
          instantQuery('since', 'Events from this time on.'),
          instantQuery('until', 'Events before this time.'),
          ...PAGE,
        ],
        answers: { '200': answer('A page of events.', 'EventPage') },
        problems: ['400'],
      }),
    },
    '/v1/events/batch': {
      post: operation({
        id: 'publishEventBatch',
        tag: 'events',
        summary: 'Publish up to 100 events',
        description: `Each event (${MAX_EVENT_BYTES / 1024} KiB at most) is accepted or refused on its own; the whole body may be about 6 MB. An \`Idempotency-Key\` covers the whole request: a retry with the same body gets the same ids back; another batch under the key is 409 for every item.`,
        parameters: [parameterRef('IdempotencyKey')],
        body: { schema: 'BatchRequest', example: { events: [publishExample()] } },
        answers: {
          '202': answer('Every event was accepted.', 'BatchResult'),
          '207': answer('Some events were refused: each result says which.', 'BatchResult'),
        },
        problems: ['400', '413'],
        security: PUBLISHERS,
      }),
    },
    '/v1/events/{id}': {
      get: operation({
        id: 'getEvent',
        tag: 'events',
        summary: 'One event and each endpoint’s delivery status',
        parameters: [
          parameterRef('EventId'),
          {
            ...parameterRef('Tenant'),
            description:
              'The tenant of an event published with its own `id`; generated ids (`msg_…`) are found without it.',
          },
        ],
        answers: { '200': answer('The event.', 'Event') },
        problems: ['400', '404'],
      }),
    },
    '/v1/event-types': {
      get: operation({
        id: 'listEventTypes',
        tag: 'event types',
        summary: 'The event catalog',
        description: 'Every type and version with its JSON Schema and an example.',
        answers: { '200': answer('The catalog.', 'EventTypeList') },
      }),
    },
    '/v1/endpoints': {
      post: operation({
        id: 'createEndpoint',
        tag: 'endpoints',
        summary: 'Create an endpoint',
        body: { schema: 'EndpointCreate' },
        answers: { '201': created('Created, with its signing secret.', 'EndpointCreated') },
        problems: ['400', '413'],
      }),
      get: operation({
        id: 'listEndpoints',
        tag: 'endpoints',
        summary: 'List a tenant’s endpoints',
        parameters: [parameterRef('Tenant'), ...PAGE],
        answers: { '200': answer('A page of endpoints.', 'EndpointPage') },
        problems: ['400'],
      }),
    },
    '/v1/endpoints/{id}': {
      get: operation({
        id: 'getEndpoint',
        tag: 'endpoints',
        summary: 'Read an endpoint',
        parameters: ENDPOINT,
        answers: { '200': answer('The endpoint.', 'Endpoint') },
        problems: ['404'],
      }),
      patch: operation({
        id: 'updateEndpoint',
        tag: 'endpoints',
        summary: 'Change an endpoint',
        description: 'A concurrent change makes this one fail with 409, never lost.',
        parameters: ENDPOINT,
        body: { schema: 'EndpointUpdate' },
        answers: { '200': answer('The changed endpoint.', 'Endpoint') },
        problems: ['400', '404', '409', '413'],
      }),
      delete: operation({
        id: 'deleteEndpoint',
        tag: 'endpoints',
        summary: 'Delete an endpoint',
        parameters: ENDPOINT,
        answers: NO_CONTENT,
        problems: ['404'],
      }),
    },
    '/v1/endpoints/{id}/secret': {
      get: operation({
        id: 'getEndpointSecret',
        tag: 'endpoints',
        summary: 'The current signing secret',
        parameters: ENDPOINT,
        answers: { '200': answer('The secret, and when rotated-out ones stop.', 'Secret') },
        problems: ['404'],
      }),
    },
    '/v1/endpoints/{id}/secret/rotate': {
      post: operation({
        id: 'rotateEndpointSecret',
        tag: 'endpoints',
        summary: 'Rotate the signing secret',
        description: 'The old secret keeps signing beside the new one for the grace period.',
        parameters: ENDPOINT,
        body: { schema: 'SecretRotation', required: false },
        answers: { '200': answer('The new secret.', 'Secret') },
        problems: ['400', '404', '409', '413'],
      }),
    },
    '/v1/endpoints/{id}/test': {
      post: operation({
        id: 'sendTestEvent',
        tag: 'endpoints',
        summary: 'Send a catalog example to this endpoint only, signed',
        parameters: ENDPOINT,
        body: { schema: 'TestRequest', required: false },
        answers: { '202': answer('Queued for delivery.', 'TestSent') },
        // A type outside the catalog is 422 naming /eventType, as publishing one is.
        problems: ['400', '404', '413', '422'],
      }),
    },
    '/v1/endpoints/{id}/attempts': {
      get: operation({
        id: 'listEndpointAttempts',
        tag: 'endpoints',
        summary: 'The attempt log, newest first',
        parameters: [
          ...ENDPOINT,
          query('status', 'Only delivered or only failed attempts.', {
            type: 'string',
            enum: ['delivered', 'failed'],
          }),
          ...PAGE,
        ],
        answers: { '200': answer('A page of attempts.', 'AttemptPage') },
        problems: ['400', '404'],
      }),
    },
    '/v1/endpoints/{id}/stats': {
      get: operation({
        id: 'getEndpointStats',
        tag: 'endpoints',
        summary: 'Delivery figures of the last hour and day',
        parameters: ENDPOINT,
        answers: { '200': answer('The figures.', 'EndpointStats') },
        problems: ['404'],
      }),
    },
    '/v1/endpoints/{id}/feed': {
      get: operation({
        id: 'readEndpointFeed',
        tag: 'endpoints',
        summary: 'A polling endpoint’s deliveries, by cursor',
        description:
          'Items in the order they entered the feed, each with the headers and body a push delivery would carry, signed with the endpoint’s secret when read. Without a cursor, from the oldest item kept (items stay for the event retention). With `waitSeconds`, an empty feed answers as soon as something arrives, or empty after that long. A push endpoint has no feed: 409.',
        parameters: [
          ...ENDPOINT,
          parameterRef('Cursor'),
          query('limit', 'Items at most (default 100).', {
            type: 'integer',
            minimum: 1,
            maximum: 100,
          }),
          query('waitSeconds', 'How long to wait for an empty feed (default 0).', {
            type: 'integer',
            minimum: 0,
            maximum: FEED_MAX_WAIT_SECONDS,
          }),
        ],
        answers: {
          '200': answer('Items after the cursor, and the cursor to read on from.', 'FeedPage'),
        },
        problems: ['400', '404', '409'],
      }),
    },
    '/v1/endpoints/{id}/replay': {
      post: operation({
        id: 'replayToEndpoint',
        tag: 'endpoints',
        summary: 'Re-deliver events from the event log',
        description:
          'Selects by the endpoint’s current subscription and the event `timestamp` over [since, until).',
        parameters: [...ENDPOINT, parameterRef('IdempotencyKey')],
        body: { schema: 'ReplayRequest', example: { since: '2026-11-27T00:00:00Z' } },
        answers: { '202': created('The job, started.', 'Job') },
        problems: ['400', '404', '409', '413'],
      }),
    },
    '/v1/dead-letters': {
      get: operation({
        id: 'listDeadLetters',
        tag: 'dead letters',
        summary: 'Dead letters with their reasons',
        parameters: [
          query('endpointId', 'Only this endpoint’s.', schemaRef('EndpointId')),
          query('eventType', 'Only this type’s.', schemaRef('EventTypeName')),
          ...PAGE,
        ],
        answers: { '200': answer('A page of dead letters.', 'DeadLetterPage') },
        problems: ['400', '404'],
      }),
    },
    '/v1/dead-letters/redrive': {
      post: operation({
        id: 'redriveDeadLetters',
        tag: 'dead letters',
        summary: 'Send dead letters back to the delivery queue',
        description: 'Letters whose delivery has since succeeded are dropped instead.',
        parameters: [parameterRef('IdempotencyKey')],
        body: { schema: 'RedriveRequest', required: false },
        answers: { '202': created('The job, started.', 'Job') },
        problems: ['400', '404', '409', '413'],
      }),
    },
    '/v1/jobs/{id}': {
      get: operation({
        id: 'getJob',
        tag: 'jobs',
        summary: 'A replay or redrive job’s progress',
        parameters: [parameterRef('JobId')],
        answers: { '200': answer('The job.', 'Job') },
        problems: ['404'],
      }),
    },
  };
}

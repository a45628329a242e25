/**
 * `docs/asyncapi.yaml`: the webhooks Hookline sends, as an AsyncAPI 3.0 document. One channel
 * (the receiver's endpoint URL), one message per catalog type and version, and one operation:
 * Hookline sending to the endpoint.
 */

import { stringify } from 'yaml';
import { HOOKLINE_VERSION, USER_AGENT } from '#shared/functions';
import { catalogEntries } from '../lambda/catalog/index';
import { EVENT_ID_PATTERN } from '../lambda/domain/ids';
import { deliveryFacts } from './delivery-policy';
import { eventPagePath } from './event-pages';
import { entryName, FIXTURE_EVENT_TIMESTAMP, fixtureOf } from './fixtures';
import type { GeneratedFile } from './index';

export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';

export const WEBHOOK_CHANNEL = 'webhook';
export const HEADERS_SCHEMA = 'WebhookHeaders';

/** One or more `v1,<base64 HMAC-SHA256>` signatures, space-separated. */
const SIGNATURE_PATTERN = '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$';

function headersSchema(): Record<string, unknown> {
  return {
    type: 'object',
    description:
      'The headers Hookline sets on every delivery (names are case-insensitive in HTTP). The request also carries the transport headers any HTTP client adds, such as host and content-length.',
    required: [
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'content-type',
      'user-agent',
    ],
    properties: {
      'webhook-id': {
        type: 'string',
        pattern: EVENT_ID_PATTERN.source,
        description:
          'The event id (msg_… when Hookline assigned it). The same on every attempt, redrive and replay of the event: deduplicate on it.',
      },
      'webhook-timestamp': {
        type: 'string',
        pattern: '^[0-9]+$',
        description:
          'When this attempt was signed, in unix seconds; new on every attempt. Reject requests too far from your clock (Standard Webhooks libraries allow 5 minutes by default).',
      },
      'webhook-signature': {
        type: 'string',
        pattern: SIGNATURE_PATTERN,
        description: `Standard Webhooks v1: "v1," + base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}", keyed with the base64-decoded part of the endpoint secret after "whsec_". One signature per live secret, space-separated, while a rotated secret is in its grace period (${deliveryFacts.rotationGrace} by default).`,
      },
      'content-type': { type: 'string', const: 'application/json' },
      'user-agent': {
        type: 'string',
        pattern: '^Hookline/',
        description: `Hookline/ and the version of the deployment, e.g. ${USER_AGENT}.`,
      },
    },
  };
}

function message(entry: (typeof catalogEntries)[number]): Record<string, unknown> {
  const fixture = fixtureOf(entry);
  return {
    name: entry.type,
    title: `${entry.type} v${entry.version}`,
    summary: entry.description,
    description: `Documentation: ${eventPagePath(entry)}. The body names the type but not the version.`,
    contentType: 'application/json',
    headers: { $ref: `#/components/schemas/${HEADERS_SCHEMA}` },
    payload: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'timestamp', 'data'],
      properties: {
        type: { type: 'string', const: entry.type, description: 'The event type.' },
        timestamp: {
          type: 'string',
          format: 'date-time',
          description:
            'When the event happened (ISO-8601, UTC): given by the publisher, or when Hookline accepted it.',
        },
        data: entry.schema,
      },
    },
    examples: [
      {
        name: 'catalog-example',
        summary: `The catalog example of ${entry.type} v${entry.version}, signed with the fixture secret.`,
        headers: { ...fixture.headers },
        payload: { type: entry.type, timestamp: FIXTURE_EVENT_TIMESTAMP, data: entry.example },
      },
    ],
  };
}

export function asyncApiDocument(): Record<string, unknown> {
  const messages = Object.fromEntries(
    catalogEntries.map((entry) => [entryName(entry), message(entry)]),
  );
  const names = Object.keys(messages);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Hookline webhooks',
      version: HOOKLINE_VERSION,
      description: [
        'The webhooks a Hookline deployment delivers to a receiver\'s endpoint: an HTTP POST per event and endpoint, with the JSON body {"type","timestamp","data"} and Standard Webhooks v1 signature headers.',
        'Verify webhook-signature over the raw body before parsing it. Delivery is at-least-once and unordered: deduplicate on webhook-id.',
        `Answer 2xx within ${deliveryFacts.timeout}. Anything else is a failed attempt; a delivery gets ${deliveryFacts.maxAttempts} attempts by default. 410 disables the endpoint; 429 or 503 with Retry-After delays the next attempt.`,
        'Each event type and version has a page under docs/events/ and a signed sample delivery under fixtures/.',
      ].join('\n\n'),
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    channels: {
      [WEBHOOK_CHANNEL]: {
        address: '{endpointUrl}',
        title: 'Your webhook endpoint',
        description:
          'The URL you registered with POST /v1/endpoints. An endpoint gets the event types it subscribed to (all when it names none), of its own tenant only.',
        parameters: {
          endpointUrl: {
            description:
              'The endpoint URL, as registered: https, resolving to public addresses (local mode also allows http and loopback).',
          },
        },
        messages: Object.fromEntries(
          names.map((name) => [name, { $ref: `#/components/messages/${name}` }]),
        ),
      },
    },
    operations: {
      deliverWebhook: {
        action: 'send',
        title: 'Deliver a webhook',
        summary: 'Hookline POSTs one event to the endpoint, retrying until it answers 2xx.',
        channel: { $ref: `#/channels/${WEBHOOK_CHANNEL}` },
        messages: names.map((name) => ({ $ref: `#/channels/${WEBHOOK_CHANNEL}/messages/${name}` })),
        bindings: { http: { method: 'POST', bindingVersion: '0.3.0' } },
      },
    },
    components: {
      schemas: { [HEADERS_SCHEMA]: headersSchema() },
      messages,
    },
  };
}

/**
 * YAML that reads the same in YAML 1.1 and 1.2 parsers: strings a 1.1 parser would take for
 * a date, a boolean or a number (`2026-11-27T10:00:00.000Z`, `on`) are quoted. No anchors.
 */
const YAML_OPTIONS = { version: '1.1', aliasDuplicateObjects: false, lineWidth: 0 } as const;

export function asyncApiFile(): GeneratedFile {
  const header = '# Generated by `npm run docs` from lambda/catalog; do not edit by hand.\n';
  return { path: ASYNCAPI_PATH, content: header + stringify(asyncApiDocument(), YAML_OPTIONS) };
}

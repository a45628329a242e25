/**
 * Schemas derived from the event catalog (lambda/catalog): the publishable types, each type's
 * `data`, and the publish request as one variant per type. Adding a catalog file changes the
 * document with no edit here.
 */
import { type CatalogEntry, catalogEntries } from '../../lambda/catalog/index';
import { EVENT_TYPE_PATTERN } from '../../lambda/domain/catalog';
import { EVENT_ID_PATTERN, GENERATED_EVENT_ID_PREFIX } from '../../lambda/domain/ids';
import { byCodeUnits, type JsonSchema, patternOf, requestObject, schemaRef } from './json-schema';

/** `invoice.paid` v1 → `EventData.invoice.paid.v1`: component names may hold dots. */
export const eventDataSchemaName = (entry: Pick<CatalogEntry, 'type' | 'version'>): string =>
  `EventData.${entry.type}.v${entry.version}`;

/** `prefix.*` filters, as lambda/domain/subscriptions.ts accepts them besides exact types. */
const PREFIX_FILTER_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+)*\\.\\*$';

const publishVariantName = (type: string): string => `PublishEvent.${type}`;

/** Catalog types in a fixed order, so the document is the same bytes on every run. */
function catalogTypes(): string[] {
  return [...new Set(catalogEntries.map((entry) => entry.type))].sort();
}

function versionsOf(type: string): CatalogEntry[] {
  return catalogEntries
    .filter((entry) => entry.type === type)
    .sort((a, b) => a.version - b.version);
}

/** `data` of one type: its only version's schema, or any of its versions'. */
function dataOf(type: string): JsonSchema {
  const refs = versionsOf(type).map((entry) => schemaRef(eventDataSchemaName(entry)));
  return refs.length === 1 ? (refs[0] as JsonSchema) : { anyOf: refs };
}

/** Fields every published event may carry besides `type` and `data`. */
const COMMON_PUBLISH_FIELDS: Record<string, JsonSchema> = {
  tenant: schemaRef('PublishTenant'),
  id: schemaRef('PublisherEventId'),
  timestamp: schemaRef('EventTimestamp'),
};

function publishVariant(type: string): JsonSchema {
  const versions = versionsOf(type);
  const latest = versions.at(-1) as CatalogEntry;
  return requestObject(
    {
      type: { const: type },
      version: {
        type: 'integer',
        enum: versions.map((entry) => entry.version),
        description: `The schema version \`data\` is checked against; the latest (${latest.version}) when left out.`,
      },
      data: dataOf(type),
      ...COMMON_PUBLISH_FIELDS,
    },
    ['type', 'data'],
    latest.description,
  );
}

/** Component schemas that come from the catalog. */
export function catalogSchemas(): Record<string, JsonSchema> {
  const types = catalogTypes();
  const dataSchemas = Object.fromEntries(
    [...catalogEntries]
      .sort((a, b) => byCodeUnits(eventDataSchemaName(a), eventDataSchemaName(b)))
      .map((entry) => [
        eventDataSchemaName(entry),
        {
          ...entry.schema,
          description: `\`data\` of ${entry.type} v${entry.version}: ${entry.description}`,
          examples: [entry.example],
        },
      ]),
  );
  return {
    EventType: {
      type: 'string',
      enum: types,
      description:
        'A type of the event catalog (`GET /v1/event-types` lists them with their schemas).',
    },
    EventTypeName: {
      type: 'string',
      pattern: patternOf(EVENT_TYPE_PATTERN),
      description:
        '`resource.action` in lowercase letters, digits and underscores; a type that is not in the catalog matches nothing.',
    },
    EventTypeFilter: {
      type: 'string',
      anyOf: [{ pattern: patternOf(EVENT_TYPE_PATTERN) }, { pattern: PREFIX_FILTER_PATTERN }],
      description: 'An exact event type (`invoice.paid`) or a prefix (`invoice.*`).',
      examples: ['invoice.paid', 'invoice.*'],
    },
    PublishTenant: {
      ...schemaRef('Tenant'),
      description:
        'The producer’s customer the event belongs to: it goes only to that tenant’s endpoints. Defaults to `default`, or to the key’s own tenant; a tenant-scoped key naming another tenant is refused (403).',
    },
    PublisherEventId: {
      type: 'string',
      pattern: patternOf(EVENT_ID_PATTERN),
      not: { pattern: `^${GENERATED_EVENT_ID_PREFIX}` },
      description: `Your own id for the event, unique within its tenant and never overwritten: the same id with the same event again is answered as a repeat (\`idempotent-replayed: true\`), with a different body it is 409, at any age. Ids starting with \`${GENERATED_EVENT_ID_PREFIX}\` are Hookline’s own (400).`,
    },
    EventTimestamp: {
      type: 'string',
      format: 'date-time',
      description: 'When the event happened, with a zone; stored in UTC. Defaults to now.',
    },
    PublishEvent: {
      description:
        'One event to publish. `type` must be in the catalog and `data` must match its JSON Schema, else 422 listing each violation (`/data/amount`).',
      oneOf: types.map((type) => schemaRef(publishVariantName(type))),
      discriminator: {
        propertyName: 'type',
        mapping: Object.fromEntries(
          types.map((type) => [type, `#/components/schemas/${publishVariantName(type)}`]),
        ),
      },
    },
    ...Object.fromEntries(types.map((type) => [publishVariantName(type), publishVariant(type)])),
    ...dataSchemas,
  };
}

/** A realistic request body for the documentation: the catalog example of the first type. */
export function publishExample(): JsonSchema {
  const entry = [...catalogEntries].sort((a, b) => byCodeUnits(a.type, b.type))[0];
  if (entry === undefined) throw new Error('the event catalog is empty');
  return { type: entry.type, data: entry.example as JsonSchema };
}

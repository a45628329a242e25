import { Parser } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { asyncApiFile, WEBHOOK_CHANNEL } from '../../docgen/asyncapi';
import { entryName } from '../../docgen/fixtures';
import { catalogEntries } from '../../lambda/catalog/index';

/** Severity of a diagnostic that makes a document invalid (Spectral's `DiagnosticSeverity.Error`). */
const ERROR = 0;
const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

interface ObjectSchema {
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly required?: readonly string[];
}

/** A schema's JSON as an object schema (a boolean schema has no properties). */
const objectSchema = (json: unknown): ObjectSchema =>
  json !== null && typeof json === 'object' ? (json as ObjectSchema) : {};

type Parsed = Awaited<ReturnType<Parser['parse']>>;
type AsyncApiDocument = NonNullable<Parsed['document']>;

/** Ajv for JSON Schema 2020-12 that accepts the parser's own schema ids. */
function schemaValidator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addKeyword('x-parser-schema-id');
  return ajv;
}

describe('docs/asyncapi.yaml', () => {
  let parsed: Parsed;
  let document: AsyncApiDocument;

  beforeAll(async () => {
    parsed = await new Parser().parse(asyncApiFile().content);
    if (!parsed.document) throw new Error(JSON.stringify(parsed.diagnostics, null, 2));
    document = parsed.document;
  });

  it('is a valid AsyncAPI 3.0.0 document', () => {
    // Act
    const errors = parsed.diagnostics.filter((diagnostic) => diagnostic.severity === ERROR);

    // Assess
    expect(errors).toEqual([]);
    expect(document.version()).toBe('3.0.0');
  });

  it('has every catalog type and version as a message on the webhook channel', () => {
    // Prepare
    const channel = document.channels().get(WEBHOOK_CHANNEL);

    // Act
    const messages = channel?.messages().all() ?? [];

    // Assess
    expect(messages.map((message) => message.id()).sort()).toEqual(
      catalogEntries.map(entryName).sort(),
    );
    for (const entry of catalogEntries) {
      const payload = objectSchema(channel?.messages().get(entryName(entry))?.payload()?.json());
      expect(payload.properties?.type).toMatchObject({ const: entry.type });
      expect(payload.properties?.data).toMatchObject(entry.schema);
    }
  });

  it('has Hookline send every message to the endpoint', () => {
    // Act
    const sends = document.operations().filterBySend();

    // Assess
    expect(sends).toHaveLength(1);
    const [operation] = sends;
    expect(
      operation
        ?.channels()
        .all()
        .map((channel) => channel.id()),
    ).toEqual([WEBHOOK_CHANNEL]);
    expect(
      operation
        ?.messages()
        .all()
        .map((message) => message.id())
        .sort(),
    ).toEqual(catalogEntries.map(entryName).sort());
  });

  it('describes the Standard Webhooks headers on every message', () => {
    for (const message of document.messages().all()) {
      // Act
      const headers = objectSchema(message.headers()?.json());

      // Assess
      expect(headers.required, message.id()).toEqual(expect.arrayContaining(WEBHOOK_HEADERS));
      expect(Object.keys(headers.properties ?? {}), message.id()).toEqual(
        expect.arrayContaining([...WEBHOOK_HEADERS, 'content-type', 'user-agent']),
      );
    }
  });

  it("has examples whose payload and headers validate against the message's schemas", () => {
    // Prepare
    const ajv = schemaValidator();

    for (const message of document.messages().all()) {
      const validatePayload = ajv.compile(message.payload()?.json() ?? false);
      const validateHeaders = ajv.compile(message.headers()?.json() ?? false);
      const examples = message.examples().all();
      expect(examples.length, message.id()).toBeGreaterThan(0);

      for (const example of examples) {
        // Act
        const payloadValid = validatePayload(example.payload());
        const headersValid = validateHeaders(example.headers());

        // Assess
        expect(validatePayload.errors ?? [], message.id()).toEqual([]);
        expect(payloadValid).toBe(true);
        expect(validateHeaders.errors ?? [], message.id()).toEqual([]);
        expect(headersValid).toBe(true);
      }
    }
  });

  it('rejects a payload of the wrong type with the schema it publishes', () => {
    // Prepare
    const ajv = schemaValidator();
    const [first, second] = document.messages().all();
    const validateFirst = ajv.compile(first?.payload()?.json() ?? false);

    // Act
    const valid = validateFirst(second?.examples().all()[0]?.payload());

    // Assess
    expect(valid).toBe(false);
  });
});

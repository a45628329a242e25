/** Small builders shared by the OpenAPI modules, so every schema is spelled one way. */

export type JsonSchema = Record<string, unknown>;

export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** Locale-independent order: the document must not change with the machine's locale. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A JSON Schema `pattern` from the regular expression the code itself checks with. */
export const patternOf = (regex: RegExp): string => regex.source;

export const dateTime = (description: string): JsonSchema => ({
  type: 'string',
  format: 'date-time',
  description,
});

/** A request body or part of one: the API refuses any field it does not list (400). */
export function requestObject(
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
  description?: string,
): JsonSchema {
  return { ...responseObject(properties, required, description), additionalProperties: false };
}

/**
 * What the API answers. Left open to new fields, so clients generated from the document keep
 * working when a field is added; the conformance test closes them to prove none is missing.
 */
export function responseObject(
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
  description?: string,
): JsonSchema {
  return {
    type: 'object',
    ...(description !== undefined && { description }),
    ...(required.length > 0 && { required: [...required] }),
    properties,
  };
}

/**
 * The members of a string union written out, checked by the compiler to name every member:
 * the union lives only in types, and a member added to it must show in the document too.
 */
export const everyMember =
  <Union extends string>() =>
  <const List extends readonly Union[]>(
    list: List & ([Union] extends [List[number]] ? unknown : never),
  ): List =>
    list;

export const count = (description: string): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  description,
});

export const nullable = (type: string, description: string): JsonSchema => ({
  type: [type, 'null'],
  description,
});

/** A page of a listing: `data`, and `nextCursor` unless it is the last page. */
export const pageOf = (item: string, extra: Record<string, JsonSchema> = {}): JsonSchema =>
  responseObject(
    {
      data: { type: 'array', items: schemaRef(item) },
      ...extra,
      nextCursor: {
        type: 'string',
        description: 'Pass as `cursor` for the next page; absent on the last page.',
      },
    },
    ['data'],
  );

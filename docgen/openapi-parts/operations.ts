/** How an operation of the OpenAPI document is written: its answers, problems and security. */
import { authorizedErrors, headerRef, parameterRef, responseRef } from './components';
import { type JsonSchema, schemaRef } from './json-schema';

export const JSON_MEDIA = 'application/json';

/** Who may call an operation: the scopes of API keys, as security requirement roles. */
export const PUBLISHERS = [{ apiKey: ['publish'] }, { apiKey: ['admin'] }];
/** Operator admin keys only: keys and portal sessions, which no tenant may mint. */
export const OPERATORS = [{ apiKey: ['admin'] }];
/** The management routes: admin keys and portal sessions (confined to their tenant). */
export const MANAGERS = [{ apiKey: ['admin'] }, { apiKey: ['portal'] }];

export interface Operation {
  readonly id: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly parameters?: readonly JsonSchema[];
  readonly body?: { readonly schema: string; readonly required?: boolean; example?: JsonSchema };
  /** The success answers, by status. */
  readonly answers: Record<string, JsonSchema>;
  /** Problems this route can answer besides {@link authorizedErrors}. */
  readonly problems?: readonly ('400' | '404' | '409' | '413' | '422')[];
  readonly security?: readonly Record<string, string[]>[];
}

const PROBLEM_RESPONSES = {
  '400': 'BadRequest',
  '404': 'NotFound',
  '409': 'Conflict',
  '413': 'PayloadTooLarge',
  '422': 'Unprocessable',
} as const;

export function operation(op: Operation): JsonSchema {
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description !== undefined && { description: op.description }),
    ...(op.parameters !== undefined && { parameters: [...op.parameters] }),
    ...(op.body !== undefined && {
      requestBody: {
        required: op.body.required ?? true,
        content: {
          [JSON_MEDIA]: {
            schema: schemaRef(op.body.schema),
            ...(op.body.example !== undefined && { example: op.body.example }),
          },
        },
      },
    }),
    responses: {
      ...op.answers,
      ...Object.fromEntries(
        (op.problems ?? []).map((status) => [status, responseRef(PROBLEM_RESPONSES[status])]),
      ),
      ...authorizedErrors,
    },
    ...(op.security !== undefined && { security: [...op.security] }),
  };
}

export const answer = (
  description: string,
  schema?: string,
  headers: Record<string, JsonSchema> = {},
): JsonSchema => ({
  description,
  ...(Object.keys(headers).length > 0 && { headers }),
  ...(schema !== undefined && { content: { [JSON_MEDIA]: { schema: schemaRef(schema) } } }),
});

export const created = (description: string, schema: string) =>
  answer(description, schema, { Location: headerRef('Location') });
export const NO_CONTENT = { '204': answer('Done; no body.') };
export const PAGE = [parameterRef('Limit'), parameterRef('Cursor')];
export const ENDPOINT = [parameterRef('EndpointId')];

export const query = (name: string, description: string, schema: JsonSchema): JsonSchema => ({
  name,
  in: 'query',
  description,
  schema,
});

export const instantQuery = (name: string, description: string) =>
  query(name, `${description} An ISO-8601 date-time with a zone.`, {
    type: 'string',
    format: 'date-time',
  });

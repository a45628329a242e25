/**
 * An HTTP client that calls the API by OpenAPI operation id and checks every exchange against
 * the document: the request uses only documented parameters (and, when the API accepts it,
 * is valid by the document), and the answer's status, media type, body and headers are
 * documented for that operation. A mismatch fails the test that made the call.
 */
import { expect } from 'vitest';
import {
  type DocumentedOperation,
  isObject,
  type Json,
  operationsOf,
  resolveRef,
  SchemaValidators,
} from './openapi';

export interface CallOptions {
  /** Values of the path's `{…}` parameters. */
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is, for malformed or oversized bodies. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** The API key; `null` sends no `Authorization` header. The admin key when left out. */
  readonly key?: string | null;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  /** Whether the body, parameters and headers sent are valid by the document. */
  readonly requestMatchesDocument: boolean;
}

/** Response headers whose presence the document must announce. */
const ANNOUNCED_HEADERS = ['location', 'idempotent-replayed', 'retry-after'];

/** A query or header value as the schema types it: `limit=5` is the integer 5. */
function typed(value: string, schema: unknown): unknown {
  const type = isObject(schema) ? schema.type : undefined;
  const numeric = type === 'integer' || type === 'number';
  return numeric && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

export class ConformanceClient {
  /** Statuses seen, by operation id. */
  readonly observed = new Map<string, Set<number>>();
  private readonly operations: Map<string, DocumentedOperation>;
  /** Requests: the document's schemas as written (request bodies are closed there already). */
  private readonly requestSchemas: SchemaValidators;
  /** Answers: every listed-properties object closed, so no field goes undocumented. */
  private readonly responseSchemas: SchemaValidators;

  constructor(
    private readonly document: Json,
    private readonly baseUrl: string,
    private readonly adminKey: string,
  ) {
    this.operations = new Map(
      operationsOf(document).map((op) => [String(op.operation.operationId), op]),
    );
    this.requestSchemas = new SchemaValidators(document, false);
    this.responseSchemas = new SchemaValidators(document, true);
  }

  operationIds(): string[] {
    return [...this.operations.keys()];
  }

  async call(operationId: string, options: CallOptions = {}): Promise<Answer> {
    const documented = this.operations.get(operationId);
    if (!documented) throw new Error(`no operation ${operationId} in the document`);
    const requestProblems = this.requestProblems(documented, options);
    const response = await this.send(documented, options);
    const text = await response.text();
    const body = text === '' ? undefined : (JSON.parse(text) as unknown);
    const context = `${operationId} → ${response.status} ${text.slice(0, 500)}`;

    expect(this.responseProblems(documented, response, body), context).toEqual([]);
    expect(this.undocumentedParameters(documented, options), context).toEqual([]);
    // The document must accept what the API accepts (207 accepted only part of the request).
    if (response.status < 300 && response.status !== 207) {
      expect(requestProblems, `${context}\nrequest ${JSON.stringify(options)}`).toEqual([]);
    }
    const statuses = this.observed.get(operationId) ?? new Set<number>();
    statuses.add(response.status);
    this.observed.set(operationId, statuses);
    return {
      status: response.status,
      headers: response.headers,
      body,
      requestMatchesDocument: requestProblems.length === 0,
    };
  }

  private send(documented: DocumentedOperation, options: CallOptions): Promise<Response> {
    const path = documented.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`no value for {${name}}`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams(options.query ?? {}).toString();
    const key = options.key === undefined ? this.adminKey : options.key;
    const payload =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    return fetch(`${this.baseUrl}${path}${query ? `?${query}` : ''}`, {
      method: documented.method,
      headers: {
        ...(key !== null && { authorization: `Bearer ${key}` }),
        ...(payload !== undefined && { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(payload !== undefined && { body: payload }),
    });
  }

  private parameters(documented: DocumentedOperation): Json[] {
    const listed = Array.isArray(documented.operation.parameters)
      ? documented.operation.parameters
      : [];
    return listed.map((parameter) => resolveRef(this.document, parameter) as Json);
  }

  /** Query parameters and headers a call sends that the operation does not list. */
  private undocumentedParameters(documented: DocumentedOperation, options: CallOptions): string[] {
    const listed = this.parameters(documented).map((p) => `${p.in} ${String(p.name)}`);
    const listedLower = listed.map((name) => name.toLowerCase());
    return [
      ...Object.keys(options.query ?? {}).map((name) => `query ${name}`),
      ...Object.keys(options.headers ?? {})
        .filter((name) => name.toLowerCase() !== 'content-type')
        .map((name) => `header ${name}`),
    ].filter((name) => !listedLower.includes(name.toLowerCase()));
  }

  /** Why the request is not valid by the document; empty when it is. */
  private requestProblems(documented: DocumentedOperation, options: CallOptions): string[] {
    const problems: string[] = [];
    const sent: Record<string, Record<string, string>> = {
      path: options.params ?? {},
      query: options.query ?? {},
      header: Object.fromEntries(
        Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
      ),
    };
    for (const parameter of this.parameters(documented)) {
      const where = String(parameter.in);
      const name =
        where === 'header' ? String(parameter.name).toLowerCase() : String(parameter.name);
      const value = sent[where]?.[name];
      if (value === undefined) {
        if (parameter.required === true) problems.push(`${where} ${name} is required`);
        continue;
      }
      const schema = resolveRef(this.document, parameter.schema);
      for (const error of this.requestSchemas.errors(parameter.schema, typed(value, schema))) {
        problems.push(`${where} ${name}: ${error}`);
      }
    }
    const requestBody = resolveRef(this.document, documented.operation.requestBody) as
      | Json
      | undefined;
    const media = isObject(requestBody?.content)
      ? (requestBody.content['application/json'] as Json | undefined)
      : undefined;
    const payload = options.rawBody ?? options.body;
    if (payload === undefined) {
      if (requestBody?.required === true) problems.push('the body is required');
    } else if (!media) {
      problems.push('the operation takes no body');
    } else {
      let parsed: unknown;
      try {
        parsed = options.rawBody === undefined ? options.body : JSON.parse(options.rawBody);
      } catch {
        return [...problems, 'the body is not JSON'];
      }
      problems.push(...this.requestSchemas.errors(media.schema, parsed).map((e) => `body ${e}`));
    }
    return problems;
  }

  /** Where the answer departs from the document; empty when it conforms. */
  private responseProblems(
    documented: DocumentedOperation,
    response: Response,
    body: unknown,
  ): string[] {
    const responses = documented.operation.responses as Json;
    const status = String(response.status);
    const listed = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    if (listed === undefined) return [`status ${status} is not documented`];
    const spec = resolveRef(this.document, listed) as Json;
    const problems: string[] = [];
    const content = isObject(spec.content) ? spec.content : undefined;
    if (body === undefined) {
      if (content !== undefined) problems.push(`status ${status} documents a body; none came`);
    } else {
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
      const media = content?.[mediaType] as Json | undefined;
      if (!media) problems.push(`media type ${mediaType} is not documented for ${status}`);
      else problems.push(...this.responseSchemas.errors(media.schema, body));
    }
    if (response.status === 404 && isObject(body) && String(body.detail).startsWith('no route')) {
      problems.push('the API does not serve this operation');
    }
    const headers = isObject(spec.headers) ? spec.headers : {};
    const documentedHeaders = Object.keys(headers).map((name) => name.toLowerCase());
    for (const name of ANNOUNCED_HEADERS) {
      if (response.headers.has(name) && !documentedHeaders.includes(name)) {
        problems.push(`header ${name} is not documented for ${status}`);
      }
    }
    for (const [name, listedHeader] of Object.entries(headers)) {
      const header = resolveRef(this.document, listedHeader) as Json;
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required === true) problems.push(`header ${name} is missing`);
        continue;
      }
      const schema = resolveRef(this.document, header.schema);
      for (const error of this.responseSchemas.errors(header.schema, typed(value, schema))) {
        problems.push(`header ${name}: ${error}`);
      }
    }
    return problems;
  }
}

/**
 * Reading the generated OpenAPI document in tests: its operations, `$ref`s resolved, and JSON
 * Schema validators (Ajv, draft 2020-12 as OpenAPI 3.1 uses) for its request and response
 * schemas.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export type Json = Record<string, unknown>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface DocumentedOperation {
  /** Upper case, as the route lists in the code write it. */
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
}

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every operation of `document`, in document order. */
export function operationsOf(document: Json): DocumentedOperation[] {
  const paths = isObject(document.paths) ? document.paths : {};
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(isObject(item) ? item : {})
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operation: operation as Json,
      })),
  );
}

/** Follows a local `$ref` (`#/components/…`) until a value that is not one. */
export function resolveRef(document: Json, value: unknown): unknown {
  let current = value;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error(`$ref loop at ${current.$ref}`);
    const pointer = current.$ref;
    if (!pointer.startsWith('#/')) throw new Error(`not a local $ref: ${pointer}`);
    current = pointer
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), document);
    if (current === undefined) throw new Error(`unresolved $ref ${pointer}`);
  }
  return current;
}

const COMPONENTS_ID = 'urn:hookline:openapi-components';
const SCHEMA_REF = '#/components/schemas/';

/**
 * A copy of `value` whose schema `$ref`s point into the components registered with Ajv. With
 * `closed`, every object schema that lists its properties and says nothing of others refuses
 * others: what the API answers must be documented field by field.
 */
function forAjv(value: unknown, closed: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => forAjv(item, closed));
  if (!isObject(value)) return value;
  const copy = Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_REF)
        ? `${COMPONENTS_ID}#/$defs/${child.slice(SCHEMA_REF.length)}`
        : forAjv(child, closed),
    ]),
  );
  if (closed && isObject(copy.properties) && !('additionalProperties' in copy)) {
    copy.additionalProperties = false;
  }
  return copy;
}

/** Compiles the document's schemas with Ajv in strict mode: an unknown keyword is an error. */
export class SchemaValidators {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    private readonly document: Json,
    private readonly closed: boolean,
  ) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(this.ajv);
    // OpenAPI's own keywords: documentation to a JSON Schema validator.
    this.ajv.addVocabulary(['discriminator', 'example', 'externalDocs', 'xml']);
    const components = isObject(document.components) ? document.components : {};
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: forAjv(components.schemas, closed) });
  }

  /** The validator of a schema taken from the document (an operation's, or a component's). */
  validator(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(forAjv(schema, this.closed) as Json);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** Errors of `value` against `schema`, as readable lines; empty when it is valid. */
  errors(schema: unknown, value: unknown): string[] {
    const validate = this.validator(schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    );
  }

  /** Every component schema compiles: catches a misspelt keyword the OpenAPI validator allows. */
  compileAll(): void {
    const components = isObject(this.document.components) ? this.document.components : {};
    for (const name of Object.keys(isObject(components.schemas) ? components.schemas : {})) {
      this.validator({ $ref: `${SCHEMA_REF}${name}` });
    }
  }
}

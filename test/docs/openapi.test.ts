/**
 * The OpenAPI document as a document: valid OpenAPI 3.1, the same bytes on every run, its
 * YAML the same object, and its operations exactly the routes the code serves and the README
 * lists. What the API answers is checked in openapi-conformance.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openApiDocument, openApiFile } from '../../docgen/openapi';
import { catalogEntries } from '../../lambda/catalog/index';
import { managementRoutes } from '../../lambda/handlers/management';
import { apiRoutes } from '../../lambda/shared/api';
import {
  isObject,
  type Json,
  operationsOf,
  resolveRef,
  SchemaValidators,
} from '../support/openapi';

const README = resolve(import.meta.dirname, '../../README.md');

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * Method and path pairs of the README's API table (between `## API (v1)` and the next `##`).
 * A cell like "`GET /v1/endpoints/{id}` · `PATCH` · `DELETE`" names three routes: a bare
 * method takes the path before it. Query strings are not part of a route.
 */
function readmeRoutes(markdown: string): string[] {
  const section = /^## API \(v1\)\n([\s\S]*?)^## /m.exec(markdown)?.[1] ?? '';
  const routes: string[] = [];
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    // Cells split on pipes that are not escaped (`failed\|delivered` is one cell).
    const firstCell = line.split(/(?<!\\)\|/)[1] ?? '';
    let path = '';
    for (const [, span] of firstCell.matchAll(/`([^`]+)`/g)) {
      const match = /^([A-Z]+(?:\/[A-Z]+)*)(?:\s+(\/[^\s?]*))?/.exec(span?.trim() ?? '');
      if (!match?.[1]) throw new Error(`unreadable route in README: ${span}`);
      path = match[2] ?? path;
      for (const method of match[1].split('/')) routes.push(routeKey(method, path));
    }
  }
  return routes;
}

/** Routes the code serves: API Gateway's route list and the management function's router. */
function codeRoutes(): string[] {
  const gateway = apiRoutes
    .filter((route) => route.method !== 'ANY')
    .map((route) => routeKey(route.method, route.path));
  const management = managementRoutes.map((route) => routeKey(route.method, route.path));
  return [...new Set([...gateway, ...management])].sort();
}

const documentedRoutes = (document: Json) =>
  operationsOf(document)
    .map(({ method, path }) => routeKey(method, path))
    .sort();

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    // Prepare
    const validator = new Validator();

    // Act
    const result = await validator.validate(openApiDocument());

    // Assess
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('holds schemas a strict JSON Schema 2020-12 validator compiles, and no dangling $ref', () => {
    // Prepare
    const document = openApiDocument();
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);

    // Act
    const compileAll = () => new SchemaValidators(document, false).compileAll();

    // Assess
    expect(compileAll).not.toThrow();
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) expect(() => resolveRef(document, { $ref: ref }), ref).not.toThrow();
  });

  it('is written as YAML that YAML 1.2 and 1.1 readers parse back to the same object, the same bytes every time', () => {
    // Act
    const file = openApiFile();
    const again = openApiFile();

    // Assess
    expect(file.path).toBe('docs/openapi.yaml');
    expect(parse(file.content)).toEqual(openApiDocument());
    // A YAML 1.1 reader (many OpenAPI tools) must not turn date-like strings into dates.
    expect(parse(file.content, { version: '1.1' })).toEqual(openApiDocument());
    expect(again.content).toBe(file.content);
    expect(file.content).not.toMatch(/&a\d|\*a\d/); // no YAML anchors for shared objects
  });

  it('documents every route of the README’s API table', () => {
    // Prepare
    const listed = readmeRoutes(readFileSync(README, 'utf8'));

    // Act
    const documented = documentedRoutes(openApiDocument());

    // Assess
    expect(listed).toContain('GET /health');
    expect(listed).toContain('DELETE /v1/endpoints/{id}');
    expect(listed.length).toBeGreaterThanOrEqual(20);
    expect(documented).toEqual(expect.arrayContaining(listed));
  });

  it('documents exactly the routes the code serves: none missing, none extra', () => {
    // Act
    const documented = documentedRoutes(openApiDocument());

    // Assess
    expect(documented).toEqual(codeRoutes());
  });

  it('gives every operation a unique id, and a key to every one but GET /health', () => {
    // Prepare
    const document = openApiDocument();
    const operations = operationsOf(document);

    // Act
    const ids = operations.map(({ operation }) => operation.operationId);
    const open = operations.filter(({ operation }) => {
      const security = operation.security ?? document.security;
      return Array.isArray(security) && security.length === 0;
    });

    // Assess
    expect(new Set(ids).size).toBe(operations.length);
    expect(open.map(({ method, path }) => routeKey(method, path))).toEqual(['GET /health']);
  });

  it('offers exactly the catalog’s event types for publishing, each with its data schema', () => {
    // Prepare
    const document = openApiDocument();
    const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
    const validators = new SchemaValidators(document, false);

    // Act
    const types = schemas.EventType?.enum;
    const examplesValid = catalogEntries.map((entry) =>
      validators.errors(schemas.PublishEvent, {
        type: entry.type,
        version: entry.version,
        data: entry.example,
      }),
    );

    // Assess
    expect(types).toEqual([...new Set(catalogEntries.map((entry) => entry.type))].sort());
    expect(examplesValid.flat()).toEqual([]);
    expect(validators.errors(schemas.PublishEvent, { type: 'invoice.paid', data: {} })).not.toEqual(
      [],
    );
  });

  it('describes problems as RFC 9457 problem details with errors[].field', () => {
    // Prepare
    const document = openApiDocument();
    const components = document.components as Record<string, Record<string, Json>>;

    // Act
    const problem = components.schemas?.Problem;
    const badRequest = resolveRef(document, components.responses?.BadRequest) as Json;

    // Assess
    expect(isObject(problem?.properties) && Object.keys(problem.properties)).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'instance', 'errors']),
    );
    expect(Object.keys(badRequest.content as Json)).toEqual(['application/problem+json']);
    expect(components.schemas?.FieldProblem?.required).toEqual(['field', 'message']);
  });
});

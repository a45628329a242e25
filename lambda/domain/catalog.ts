import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { type CatalogEntry, catalogEntries } from '../catalog/index';
import { type FieldProblem, UnprocessableError } from './errors';

export const EVENT_TYPE_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

interface CompiledEntry extends CatalogEntry {
  readonly validate: ValidateFunction;
}

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);

/** Validators are compiled once per process, at module load. */
const compiled: ReadonlyMap<string, readonly CompiledEntry[]> = (() => {
  const byType = new Map<string, CompiledEntry[]>();
  for (const entry of catalogEntries) {
    if (!EVENT_TYPE_PATTERN.test(entry.type)) {
      throw new Error(`catalog type ${entry.type} is not resource.action`);
    }
    const versions = byType.get(entry.type) ?? [];
    versions.push({ ...entry, validate: ajv.compile(entry.schema) });
    versions.sort((a, b) => a.version - b.version);
    byType.set(entry.type, versions);
  }
  return byType;
})();

export function catalog(): readonly CatalogEntry[] {
  return [...compiled.values()].flat().map(({ validate: _, ...entry }) => entry);
}

export function isKnownEventType(type: string): boolean {
  return compiled.has(type);
}

function toFieldProblems(errors: readonly ErrorObject[] | null | undefined): FieldProblem[] {
  return (errors ?? []).map((error) => {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
    const extra =
      error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '';
    return {
      field: `/data${error.instancePath}${missing}${extra}`,
      message: error.message ?? error.keyword,
    };
  });
}

/**
 * Checks `data` against the schema of `type` (latest version unless one is named) and
 * returns the version it was validated against.
 */
export function validateEventData(type: string, data: unknown, version?: number): number {
  const versions = compiled.get(type);
  if (!versions) {
    throw new UnprocessableError(`unknown event type ${type}`, [
      { field: '/type', message: `is not in the catalog (see GET /v1/event-types)` },
    ]);
  }
  const entry =
    version === undefined ? versions.at(-1) : versions.find((v) => v.version === version);
  if (!entry) {
    throw new UnprocessableError(`event type ${type} has no version ${version}`, [
      { field: '/version', message: `must be one of ${versions.map((v) => v.version).join(', ')}` },
    ]);
  }
  if (!entry.validate(data)) {
    throw new UnprocessableError(
      `data does not match the schema of ${type} v${entry.version}`,
      toFieldProblems(entry.validate.errors),
    );
  }
  return entry.version;
}

/** The newest example payload of a type, for test deliveries and documentation. */
export function exampleOf(type: string): unknown {
  return compiled.get(type)?.at(-1)?.example;
}

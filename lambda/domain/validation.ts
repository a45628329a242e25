/** Small, explicit readers for untrusted JSON; each problem names its field. */
import { BadRequestError, type FieldProblem } from './errors';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 date-time with a zone, normalised to UTC; undefined when it is not one. */
export function parseInstant(text: string): string | undefined {
  if (!ISO_TIMESTAMP.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A reader of a request body's top-level fields; a body that is no JSON object is a problem at `/`. */
export function bodyFields(raw: unknown): FieldReader {
  const fields = new FieldReader(isPlainObject(raw) ? raw : {}, '/');
  if (!isPlainObject(raw)) fields.problems.push({ field: '/', message: 'must be a JSON object' });
  return fields;
}

export class FieldReader {
  readonly problems: FieldProblem[] = [];

  constructor(
    private readonly source: Record<string, unknown>,
    private readonly prefix = '',
  ) {}

  private problem(field: string, message: string): undefined {
    this.problems.push({ field: `${this.prefix}${field}`, message });
    return undefined;
  }

  string(
    field: string,
    options: { required?: boolean; pattern?: RegExp; maxLength?: number; hint?: string } = {},
  ): string | undefined {
    const value = this.source[field];
    if (value === undefined || value === null) {
      return options.required ? this.problem(field, 'is required') : undefined;
    }
    if (typeof value !== 'string') return this.problem(field, 'must be a string');
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      return this.problem(field, `must be at most ${options.maxLength} characters`);
    }
    if (options.pattern && !options.pattern.test(value)) {
      return this.problem(field, options.hint ?? `must match ${options.pattern.source}`);
    }
    return value;
  }

  /** An ISO-8601 date-time with a zone, returned in UTC. */
  instant(field: string, options: { required?: boolean } = {}): string | undefined {
    const text = this.string(field, options);
    if (text === undefined) return undefined;
    const instant = parseInstant(text);
    if (instant === undefined) {
      return this.problem(
        field,
        'must be an ISO-8601 date-time with a zone, e.g. 2026-11-27T09:30:00Z',
      );
    }
    return instant;
  }

  integer(field: string, options: { min: number; max: number }): number | undefined {
    const value = this.source[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.problem(field, 'must be an integer');
    }
    if (value < options.min || value > options.max) {
      return this.problem(field, `must be between ${options.min} and ${options.max}`);
    }
    return value;
  }

  stringArray(
    field: string,
    options: { maxItems: number; check: (item: string) => boolean; hint: string },
  ): string[] | undefined {
    const value = this.source[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.problem(field, 'must be an array of strings');
    if (value.length > options.maxItems) {
      return this.problem(field, `must have at most ${options.maxItems} items`);
    }
    const bad = value.findIndex((item) => typeof item !== 'string' || !options.check(item));
    if (bad >= 0) return this.problem(`${field}[${bad}]`, options.hint);
    return value as string[];
  }

  rejectUnknown(allowed: readonly string[]): void {
    for (const key of Object.keys(this.source)) {
      if (!allowed.includes(key)) this.problem(key, 'is not a known field');
    }
  }

  /** Throws a 400 listing every problem found so far. */
  throwIfInvalid(what: string): void {
    if (this.problems.length > 0) {
      throw new BadRequestError(`invalid ${what}`, this.problems);
    }
  }
}

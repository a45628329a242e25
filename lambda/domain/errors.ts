/**
 * One base class for every failure Hookline knows; each kind says whether retrying can help
 * and which HTTP status it maps to at the edge (RFC 9457 problem details).
 */
export interface FieldProblem {
  /** JSON pointer or dotted path of the offending field, e.g. `/data/amount` or `url`. */
  readonly field: string;
  readonly message: string;
}

export abstract class HooklineError extends Error {
  abstract readonly status: number;
  /** Short, stable slug used in the problem `type` URI. */
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  readonly errors: readonly FieldProblem[];

  constructor(message: string, errors: readonly FieldProblem[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.errors = errors;
  }
}

/** The request is not well-formed: bad JSON, a missing or mistyped field. */
export class BadRequestError extends HooklineError {
  readonly status = 400;
  readonly code = 'bad-request';
  readonly retryable = false;
}

/** Well-formed but semantically wrong: unknown event type, schema violation. */
export class UnprocessableError extends HooklineError {
  readonly status = 422;
  readonly code = 'unprocessable';
  readonly retryable = false;
}

export class PayloadTooLargeError extends HooklineError {
  readonly status = 413;
  readonly code = 'payload-too-large';
  readonly retryable = false;
}

export class UnauthorizedError extends HooklineError {
  readonly status = 401;
  readonly code = 'unauthorized';
  readonly retryable = false;
}

export class ForbiddenError extends HooklineError {
  readonly status = 403;
  readonly code = 'forbidden';
  readonly retryable = false;
}

export class NotFoundError extends HooklineError {
  readonly status = 404;
  readonly code = 'not-found';
  readonly retryable = false;
}

/** The idempotency key was used before with a different request body. */
export class IdempotencyConflictError extends HooklineError {
  readonly status = 409;
  readonly code = 'idempotency-conflict';
  readonly retryable = false;
}

/** The resource changed between read and write. */
export class ConflictError extends HooklineError {
  readonly status = 409;
  readonly code = 'conflict';
  readonly retryable = true;
}

/** Another request with the same idempotency key is still being processed. */
export class IdempotencyInProgressError extends HooklineError {
  readonly status = 409;
  readonly code = 'idempotency-in-progress';
  readonly retryable = true;
}

/** A storage or queue call failed; the caller may retry (with the same idempotency key). */
export class DependencyError extends HooklineError {
  readonly status = 503;
  readonly code = 'dependency-unavailable';
  readonly retryable = true;
}

/** Configuration is missing or invalid: the deployment is broken, not the request. */
export class ConfigurationError extends HooklineError {
  readonly status = 500;
  readonly code = 'configuration';
  readonly retryable = false;
}

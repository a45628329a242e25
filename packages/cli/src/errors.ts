/** Exit codes: 1 when the API or the network refused, 2 when the command line was wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * An expected failure: printed as one line (`hookline: <message>`) without a stack trace.
 * Anything else that escapes a command is a bug and keeps its stack.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line itself is wrong: a missing or contradictory option. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/**
 * A failure the command has already told in its own lines (the smoke test's failed steps):
 * it sets the exit code and prints nothing more.
 */
export class ReportedFailure extends CliError {
  constructor(exitCode: number = EXIT_FAILURE) {
    super('', exitCode);
  }
}

/** One offending field of an RFC 9457 problem, as the API names it. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The problem+json body the API answers errors with (and 207 batch items carry). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
}

/** `Title: detail; /field: message; …`, the one line a person reads. */
export function describeProblem(problem: Problem): string {
  const head = [problem.title, problem.detail].filter(Boolean).join(': ');
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [head || `HTTP ${problem.status ?? '?'}`, ...fields].join('; ');
}

/** The API answered with a non-2xx status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(describeProblem(problem));
  }
}

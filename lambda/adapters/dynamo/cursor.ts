import { BadRequestError } from '../../domain/errors';

/** One page of a listing; `cursor` is absent on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

/** DynamoDB's LastEvaluatedKey as an opaque, URL-safe cursor. */
export const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
      return key as Record<string, unknown>;
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw invalidCursor();
}

/** The 400 for a cursor this API did not hand out. */
export const invalidCursor = () =>
  new BadRequestError('invalid cursor', [
    { field: 'cursor', message: 'must be a cursor returned by this API' },
  ]);

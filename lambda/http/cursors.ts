import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../domain/errors';

const MAC_CHARS = 22;

const invalid = () =>
  new BadRequestError('invalid cursor', [
    { field: 'cursor', message: 'must be a cursor this API returned for the same query' },
  ]);

/**
 * Makes a storage position an opaque, tamper-evident cursor: HMAC-signed together with what
 * it pages over (the route, the tenant, the filters). A forged cursor, or one taken to
 * another query or tenant, is a 400, never a storage error.
 */
export class CursorSigner {
  constructor(private readonly key: () => Promise<Uint8Array>) {}

  async seal(position: string, binding: string): Promise<string> {
    return `${position}.${await this.mac(position, binding)}`;
  }

  /** The position a cursor carries; undefined when none was sent. */
  async open(cursor: string | undefined, binding: string): Promise<string | undefined> {
    if (cursor === undefined || cursor === '') return undefined;
    const dot = cursor.lastIndexOf('.');
    if (dot <= 0 || cursor.length > 4096) throw invalid();
    const position = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1));
    const expected = Buffer.from(await this.mac(position, binding));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    return position;
  }

  private async mac(position: string, binding: string): Promise<string> {
    return createHmac('sha256', await this.key())
      .update(binding)
      .update('\n')
      .update(position)
      .digest('base64url')
      .slice(0, MAC_CHARS);
  }
}

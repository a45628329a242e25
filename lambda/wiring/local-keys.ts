import { hkdfSync } from 'node:crypto';

/** A key for one purpose, derived from local mode's master key (see RuntimeConfig). */
export const localKey = (master: Uint8Array, purpose: string): Uint8Array =>
  new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), `hookline:${purpose}`, 32));

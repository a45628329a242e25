import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * Cryptographic randomness drawn from a pooled buffer: the library's default asks the
 * system for one byte per character, which cost more than signing a webhook.
 */
const pool = new Uint32Array(1024);
let next = pool.length;
function pooledRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return (pool[next++] as number) / 0x1_0000_0000;
}

const nextUlid = monotonicFactory(pooledRandom);

export const newUlid = (): string => nextUlid();
export const newEventId = (): string => `msg_${nextUlid()}`;
export const newEndpointId = (): string => `ep_${nextUlid()}`;

/** Publisher-supplied event ids: printable, bounded, safe as a header value and a key. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Ids Hookline generates; unique across tenants, and a prefix publishers may not use. */
export const GENERATED_EVENT_ID_PATTERN = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;
export const GENERATED_EVENT_ID_PREFIX = 'msg_';
export const isGeneratedEventId = (id: string): boolean => GENERATED_EVENT_ID_PATTERN.test(id);
export const ENDPOINT_ID_PATTERN = /^ep_[0-9A-HJKMNP-TV-Z]{26}$/;

import { randomFillSync } from 'node:crypto';
import { monotonicFactory, ulid } from 'ulid';

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
export const newEndpointId = (): string => `ep_${nextUlid()}`;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Events one page can hold: the last two characters of an id number them. */
export const EVENTS_PER_PAGE_MAX = CROCKFORD.length ** 2;
/** `msg_` and the first 24 characters of a ULID: the key of the page an event is stored in. */
const PAGE_KEY_LENGTH = 4 + 24;

/**
 * A new page of event ids. Generated event ids are `msg_<ULID>` whose last two characters
 * number the event within its page, so an id locates its page without an index entry
 * (docs/adr/0008). The 24 leading characters are 10 of time and 14 random ones (70 bits),
 * drawn afresh per page: a monotonic ULID would share its prefix with the next one.
 */
export function newEventPage(): { readonly key: string; eventId(index: number): string } {
  const key = `msg_${ulid(undefined, pooledRandom).slice(0, 24)}`;
  return {
    key,
    eventId(index: number): string {
      if (!Number.isInteger(index) || index < 0 || index >= EVENTS_PER_PAGE_MAX) {
        throw new RangeError(`a page holds events 0 to ${EVENTS_PER_PAGE_MAX - 1}, not ${index}`);
      }
      return `${key}${CROCKFORD[index >> 5]}${CROCKFORD[index & 31]}`;
    },
  };
}

/** An event id of its own page, e.g. for a test event. */
export const newEventId = (): string => newEventPage().eventId(0);

/** Publisher-supplied event ids: printable, bounded, safe as a header value and a key. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Ids Hookline generates; unique across tenants, and a prefix publishers may not use. */
export const GENERATED_EVENT_ID_PATTERN = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;
export const GENERATED_EVENT_ID_PREFIX = 'msg_';
export const isGeneratedEventId = (id: string): boolean => GENERATED_EVENT_ID_PATTERN.test(id);
export const ENDPOINT_ID_PATTERN = /^ep_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The page a generated id names, and the event's place in it. */
export function pageOfEventId(id: string): { readonly key: string; readonly slot: string } {
  return { key: id.slice(0, PAGE_KEY_LENGTH), slot: id.slice(PAGE_KEY_LENGTH) };
}

/** Page keys are shorter than any generated event id, so the two never name the same item. */
export const isEventPageKey = (key: string): boolean =>
  key.length === PAGE_KEY_LENGTH && key.startsWith(GENERATED_EVENT_ID_PREFIX);

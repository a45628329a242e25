import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

export const newUlid = (): string => nextUlid();
export const newEventId = (): string => `msg_${nextUlid()}`;
export const newEndpointId = (): string => `ep_${nextUlid()}`;

/** Publisher-supplied event ids: printable, bounded, safe as a header value and a key. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const ENDPOINT_ID_PATTERN = /^ep_[0-9A-HJKMNP-TV-Z]{26}$/;

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { StoredEvent } from '../../domain/event';
import { pageOfEventId } from '../../domain/ids';

/**
 * An event page: the events of one publish request that share a tenant and a timestamp, in
 * one item with one index entry (docs/adr/0008). Their fields are deflated together: a page of
 * 100 typical events is about 6 KB, where one item per event cost 2 KB of writes each.
 */
export interface EventPageItem {
  /** The page key: the first 28 characters of each of its events' ids. */
  readonly id: string;
  readonly tenant: string;
  /** Of the page's first event: what the time index sorts by. */
  readonly timestamp: string;
  /** Set when every event of the page has this type, so the index can skip the page. */
  readonly type?: string;
  readonly events: number;
  readonly body: Uint8Array;
  readonly expiresAt: number;
}

interface PageBody {
  /** Distinct endpoint lists: a batch's events mostly share one. */
  readonly lists: readonly (readonly string[])[];
  readonly events: readonly {
    readonly slot: string;
    readonly type: string;
    readonly version: number;
    /** `data` as JSON text, exactly as received. */
    readonly data: string;
    readonly list: number;
    /** Only when it differs from the page's. */
    readonly timestamp?: string;
  }[];
}

/** DynamoDB's item limit is 400 KB; the planner keeps raw pages far below it. */
const ITEM_LIMIT_BYTES = 400 * 1024 - 1024;

export function encodePage(events: readonly StoredEvent[], expiresAt: number): EventPageItem {
  const first = events[0];
  if (first === undefined) throw new Error('an event page needs at least one event');
  const key = pageOfEventId(first.id).key;
  const lists: string[][] = [];
  const listIndex = new Map<string, number>();
  const encoded = events.map((event) => {
    if (event.tenant !== first.tenant || pageOfEventId(event.id).key !== key) {
      throw new Error(`event ${event.id} does not belong to page ${key} of ${first.tenant}`);
    }
    const listKey = event.endpointIds.join(',');
    let list = listIndex.get(listKey);
    if (list === undefined) {
      list = lists.push([...event.endpointIds]) - 1;
      listIndex.set(listKey, list);
    }
    return {
      slot: pageOfEventId(event.id).slot,
      type: event.type,
      version: event.version,
      data: JSON.stringify(event.data),
      list,
      ...(event.timestamp !== first.timestamp && { timestamp: event.timestamp }),
    };
  });
  const body = deflateRawSync(JSON.stringify({ lists, events: encoded } satisfies PageBody));
  if (body.byteLength > ITEM_LIMIT_BYTES) {
    throw new Error(`event page ${key} is ${body.byteLength} bytes compressed; too large`);
  }
  const types = new Set(events.map((e) => e.type));
  return {
    id: key,
    tenant: first.tenant,
    timestamp: first.timestamp,
    ...(types.size === 1 && { type: first.type }),
    events: events.length,
    body,
    expiresAt,
  };
}

/** The events of a page, in id order. */
export function decodePage(item: EventPageItem): StoredEvent[] {
  const body = JSON.parse(inflateRawSync(item.body).toString('utf8')) as PageBody;
  return body.events.map((event) => ({
    id: `${item.id}${event.slot}`,
    type: event.type,
    version: event.version,
    tenant: item.tenant,
    timestamp: event.timestamp ?? item.timestamp,
    data: JSON.parse(event.data),
    endpointIds: body.lists[event.list] ?? [],
  }));
}

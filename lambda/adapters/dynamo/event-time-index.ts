import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/event';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor';

/** A row of the `byTenantTime` index: an event page, or an event stored on its own. */
export interface IndexRow {
  readonly id: string;
  readonly tenant: string;
  readonly timestamp: string;
  readonly type?: string;
}

export interface TimeQuery {
  readonly tenant: string;
  /** Inclusive. */
  readonly since: string;
  /** Exclusive; absent for no end. */
  readonly until?: string;
  readonly newestFirst: boolean;
  readonly limit: number;
  readonly cursor: string | undefined;
  readonly type?: string;
}

/**
 * Where a listing stands: after index row `k`, with `s` events of the next row already
 * returned, since a page row may hold more events than one listing page takes.
 */
interface Position {
  readonly k?: Record<string, unknown>;
  readonly s: number;
}

function positionOf(cursor: string | undefined): Position {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return { s: 0 };
  if (!('s' in decoded)) return { k: decoded, s: 0 }; // a cursor from before pages (0.4)
  const { k, s } = decoded;
  const validKey = k === undefined || (typeof k === 'object' && k !== null && !Array.isArray(k));
  if (!validKey || typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
    throw invalidCursor();
  }
  return { ...(k !== undefined && { k: k as Record<string, unknown> }), s };
}

/** Index rows whose items are read in one go while a listing fills up. */
const ROWS_PER_READ = 25;

const keyOf = (row: IndexRow) => ({ id: row.id, tenant: row.tenant, timestamp: row.timestamp });

/**
 * One tenant's events by time, read from the `byTenantTime` index and expanded row by row
 * (`expand` gives each row's events in id order). One index query per call, like any
 * DynamoDB page: a short page with a cursor is not the end.
 */
export async function readByTime(
  db: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  query: TimeQuery,
  expand: (rows: readonly IndexRow[]) => Promise<StoredEvent[][]>,
): Promise<{ items: StoredEvent[]; cursor?: string }> {
  const position = positionOf(query.cursor);
  // BETWEEN is inclusive; stored timestamps have millisecond precision, so the last
  // millisecond before `until` makes the range half-open.
  const last = query.until
    ? new Date(Date.parse(query.until) - 1).toISOString()
    : '9999-12-31T23:59:59.999Z';
  const result = await db.client.send(
    new QueryCommand({
      TableName: db.tableName,
      IndexName: 'byTenantTime',
      KeyConditionExpression: 'tenant = :tenant AND #ts BETWEEN :since AND :last',
      // A page of mixed types has no `type`: it is read and its events filtered one by one.
      ...(query.type && { FilterExpression: 'attribute_not_exists(#type) OR #type = :type' }),
      ExpressionAttributeNames: { '#ts': 'timestamp', ...(query.type && { '#type': 'type' }) },
      ExpressionAttributeValues: {
        ':tenant': query.tenant,
        ':since': query.since,
        ':last': last,
        ...(query.type && { ':type': query.type }),
      },
      ScanIndexForward: !query.newestFirst,
      Limit: query.limit,
      ExclusiveStartKey: position.k,
    }),
  );
  const rows = (result.Items ?? []) as IndexRow[];
  const items: StoredEvent[] = [];
  let before = position.k;
  let skip = position.s;
  let consumed = 0;
  // Rows are expanded a few at a time: a page row may hold enough events for the whole listing,
  // and the pages behind the rows not reached need not be read.
  while (consumed < rows.length && items.length < query.limit) {
    const chunk = rows.slice(consumed, consumed + ROWS_PER_READ);
    const expanded = await expand(chunk);
    for (const [index, row] of chunk.entries()) {
      const inRange = (expanded[index] ?? []).filter(
        (e) => e.timestamp >= query.since && e.timestamp <= last,
      );
      const events = query.newestFirst ? inRange.reverse() : inRange;
      const fresh = events.slice(skip);
      const room = query.limit - items.length;
      if (fresh.length > room) {
        items.push(...fresh.slice(0, room));
        return { items, cursor: encodeCursor({ ...(before && { k: before }), s: skip + room }) };
      }
      items.push(...fresh);
      skip = 0;
      before = keyOf(row);
      consumed++;
      if (items.length === query.limit) break;
    }
  }
  if (consumed < rows.length) {
    return { items, cursor: encodeCursor({ ...(before && { k: before }), s: 0 }) };
  }
  return result.LastEvaluatedKey
    ? { items, cursor: encodeCursor({ k: result.LastEvaluatedKey, s: 0 }) }
    : { items };
}

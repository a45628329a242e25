/**
 * DynamoDB on-demand capacity arithmetic, from item sizes (AWS "Item sizes and formats" and
 * "Read/write capacity mode" pages): 1 write unit per started KB written per item, the same
 * again for each GSI the item lands in; reads 1 unit per started 4 KB strongly consistent,
 * half that eventually consistent.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { IndexDefinition, TableDefinition } from '#shared/tables';

export type Item = Record<string, AttributeValue>;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Numbers: about 1 byte per two significant digits, plus 1. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return 1 + Math.ceil(Math.max(1, significant.length) / 2);
}

function binarySize(value: Uint8Array | string): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : value.length;
}

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binarySize(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((s, v) => s + utf8(v), 0);
  if (value.NS !== undefined) return value.NS.reduce((s, v) => s + numberSize(v), 0);
  if (value.BS !== undefined) return value.BS.reduce((s, v) => s + binarySize(v), 0);
  // Lists and maps: 3 bytes, plus 1 byte per element (and each map key's name).
  if (value.L !== undefined) return 3 + value.L.reduce((s, v) => s + 1 + valueSize(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((s, [k, v]) => s + 1 + utf8(k) + valueSize(v), 0);
  return 0;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((s, [name, v]) => s + utf8(name) + valueSize(v), 0);
}

export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

const indexKeyNames = (index: IndexDefinition) =>
  [index.partitionKey.name, index.sortKey?.name].filter((n): n is string => n !== undefined);

function inIndex(item: Item | undefined, index: IndexDefinition): item is Item {
  return item !== undefined && indexKeyNames(index).every((name) => item[name] !== undefined);
}

/** The copy of `item` the index holds: table keys, index keys and the projected attributes. */
export function indexEntry(table: TableDefinition, index: IndexDefinition, item: Item): Item {
  if (!index.include) return item;
  const names = new Set([
    table.partitionKey.name,
    ...(table.sortKey ? [table.sortKey.name] : []),
    ...indexKeyNames(index),
    ...index.include,
  ]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

const same = (a: Item, b: Item) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const sorted = (item: Item) => Object.entries(item).sort(([x], [y]) => (x < y ? -1 : 1));

/**
 * Write units one item change costs in each GSI of the table: a new index entry or a removed
 * one is one write of its size; a changed index key is a delete plus a put; a change to
 * projected attributes only is one write; no projected change costs nothing.
 */
export function indexWriteUnits(
  table: TableDefinition,
  before: Item | undefined,
  after: Item | undefined,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const index of table.globalIndexes ?? []) {
    const wasIn = inIndex(before, index);
    const isIn = inIndex(after, index);
    const old = wasIn ? indexEntry(table, index, before) : undefined;
    const now = isIn ? indexEntry(table, index, after) : undefined;
    let units = 0;
    if (old && now) {
      const keysMoved = indexKeyNames(index).some(
        (name) => JSON.stringify(old[name]) !== JSON.stringify(now[name]),
      );
      if (keysMoved) units = writeUnits(itemSize(old)) + writeUnits(itemSize(now));
      else if (!same(old, now)) units = writeUnits(Math.max(itemSize(old), itemSize(now)));
    } else if (now) units = writeUnits(itemSize(now));
    else if (old) units = writeUnits(itemSize(old));
    if (units > 0) result[index.indexName] = units;
  }
  return result;
}

/** The key attributes of `item` for the table. */
export function keyOf(table: TableDefinition, item: Item): Item {
  const key: Item = {};
  for (const name of [table.partitionKey.name, table.sortKey?.name]) {
    if (name !== undefined && item[name] !== undefined) key[name] = item[name];
  }
  return key;
}

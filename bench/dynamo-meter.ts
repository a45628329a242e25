import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type TableDefinition, type TableName, tables } from '#shared/tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../lib/local/tables';
import type { Input, Output, Row, Stack } from './aws-meter';
import { type Item, indexWriteUnits, itemSize, keyOf, readUnits, writeUnits } from './dynamo-units';

/** Where the DynamoDB meter reports: one call's units, or a problem counting it. */
export interface DynamoSink {
  add(
    row: Omit<Row, 'calls' | 'units' | 'items' | 'bytes'>,
    units: number,
    items?: number,
    bytes?: number,
  ): void;
  problem(text: string): void;
}

const plainToItem = (value: unknown): Item =>
  marshall(value as Record<string, unknown>, {
    removeUndefinedValues: true,
    convertClassInstanceToMap: true,
  });

/**
 * DynamoDB capacity units per call, from the items written and read (dynamo-units.ts). Single
 * item writes are weighed against the item's image before (and, for updates, after), read on
 * a separate, unmetered client: DynamoDB bills the larger of the two, and each GSI the item
 * enters, leaves or changes in.
 */
export class DynamoMeter {
  private readonly tableByName = new Map<string, TableDefinition>();
  private readonly side: DynamoDBClient;

  constructor(
    private readonly sink: DynamoSink,
    local: { readonly dynamoEndpoint: string; readonly tableNames: Record<TableName, string> },
  ) {
    for (const [name, table] of Object.entries(tables) as [TableName, TableDefinition][]) {
      this.tableByName.set(local.tableNames[name], table);
    }
    this.side = new DynamoDBClient({
      endpoint: local.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  }

  attach(client: DynamoDBDocumentClient): void {
    // The build step sees the marshalled request; answers are unmarshalled again by then.
    (client.middlewareStack as unknown as Stack).add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        const input = args.input;
        const table = this.tableByName.get(String(input.TableName));
        // A put that may only create (attribute_not_exists) has no earlier image to read.
        const createOnly =
          operation === 'PutItem' && /attribute_not_exists/.test(String(input.ConditionExpression));
        const single =
          ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation) && !createOnly && table;
        const key = single ? this.keyFor(operation, input, table) : undefined;
        const before = key && table ? await this.image(String(input.TableName), key) : undefined;
        let output: Output;
        let failed = false;
        try {
          const result = await next(args);
          output = result.output;
          return result;
        } catch (error) {
          failed = true;
          throw error;
        } finally {
          try {
            await this.countDynamo(operation, input, output, failed, before, key);
          } catch (error) {
            this.sink.problem(`dynamodb ${operation}: ${(error as Error).message}`);
          }
        }
      },
      { step: 'build', name: 'benchAwsMeter' },
    );
  }

  private keyFor(operation: string, input: Input, table: TableDefinition): Item {
    return operation === 'PutItem' ? keyOf(table, input.Item as Item) : (input.Key as Item);
  }

  private async image(tableName: string, key: Item): Promise<Item | undefined> {
    const result = await this.side.send(
      new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item as Item | undefined;
  }

  private tableLabel(name: unknown, index?: unknown): string {
    const table = this.tableByName.get(String(name));
    const label = table?.name ?? String(name);
    return index ? `${label}/${String(index)}` : label;
  }

  private async countDynamo(
    operation: string,
    input: Input,
    output: Output,
    failed: boolean,
    before: Item | undefined,
    key: Item | undefined,
  ): Promise<void> {
    const base = { service: 'dynamodb' as const, operation, caller: 'functions' as const };
    const table = this.tableByName.get(String(input.TableName));
    switch (operation) {
      case 'GetItem': {
        const size = output?.Item ? itemSize(plainToItem(output.Item)) : 0;
        const units = readUnits(size, input.ConsistentRead === true);
        this.sink.add(
          { ...base, target: this.tableLabel(input.TableName), unit: 'RRU' },
          units,
          output?.Item ? 1 : 0,
          size,
        );
        return;
      }
      case 'Query':
      case 'Scan': {
        const items = ((output?.Items ?? []) as unknown[]).map(plainToItem);
        const size = items.reduce((s, item) => s + itemSize(item), 0);
        const units = readUnits(size, input.ConsistentRead === true);
        const target = this.tableLabel(input.TableName, input.IndexName);
        this.sink.add({ ...base, target, unit: 'RRU' }, units, items.length, size);
        return;
      }
      case 'BatchGetItem': {
        const request = (input.RequestItems ?? {}) as Record<
          string,
          { Keys: Item[]; ConsistentRead?: boolean }
        >;
        const responses = (output?.Responses ?? {}) as Record<string, unknown[]>;
        for (const [name, { Keys, ConsistentRead }] of Object.entries(request)) {
          const found = (responses[name] ?? []).map(plainToItem);
          const consistent = ConsistentRead === true;
          const size = found.reduce((s, item) => s + itemSize(item), 0);
          const units =
            found.reduce((s, item) => s + readUnits(itemSize(item), consistent), 0) +
            Math.max(0, Keys.length - found.length) * readUnits(0, consistent);
          this.sink.add(
            { ...base, target: this.tableLabel(name), unit: 'RRU' },
            units,
            found.length,
            size,
          );
        }
        return;
      }
      case 'BatchWriteItem': {
        const request = (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
        >;
        for (const [name, writes] of Object.entries(request)) {
          const definition = this.tableByName.get(name);
          const unprocessed = ((output?.UnprocessedItems ?? {}) as Record<string, unknown[]>)[name];
          if (unprocessed?.length)
            this.sink.problem(`${unprocessed.length} unprocessed in ${name}`);
          let units = 0;
          let bytes = 0;
          const indexUnits: Record<string, number> = {};
          for (const write of writes) {
            // Items are new (fresh ULID keys): no earlier image to weigh against.
            const item = write.PutRequest?.Item;
            const size = itemSize(item);
            bytes += size;
            units += writeUnits(size);
            if (definition && item) {
              for (const [index, u] of Object.entries(indexWriteUnits(definition, undefined, item)))
                indexUnits[index] = (indexUnits[index] ?? 0) + u;
            }
          }
          this.sink.add(
            { ...base, target: this.tableLabel(name), unit: 'WRU' },
            units,
            writes.length,
            bytes,
          );
          for (const [index, u] of Object.entries(indexUnits))
            this.sink.add(
              { ...base, target: `${this.tableLabel(name)}/${index} (GSI)`, unit: 'WRU' },
              u,
              writes.length,
            );
        }
        return;
      }
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        let after: Item | undefined;
        if (failed) after = before;
        else if (operation === 'PutItem') after = input.Item as Item;
        else if (operation === 'UpdateItem' && key)
          after = await this.image(String(input.TableName), key);
        const size = Math.max(
          itemSize(before),
          operation === 'PutItem' ? itemSize(input.Item as Item) : itemSize(after),
        );
        const label = `${operation}${failed ? ' (condition failed)' : ''}`;
        this.sink.add(
          { ...base, operation: label, target: this.tableLabel(input.TableName), unit: 'WRU' },
          writeUnits(size),
          1,
          size,
        );
        if (table && !failed) {
          for (const [index, u] of Object.entries(indexWriteUnits(table, before, after)))
            this.sink.add(
              { ...base, operation: label, target: `${table.name}/${index} (GSI)`, unit: 'WRU' },
              u,
              1,
            );
        }
        return;
      }
      default:
        this.sink.add({ ...base, target: this.tableLabel(input.TableName), unit: 'requests' }, 1);
    }
  }

  close(): void {
    this.side.destroy();
  }
}

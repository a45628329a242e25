import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type KeyDefinition, type TableDefinition, type TableName, tables } from '#shared/tables';
import { pascalCase } from '../naming';

/** Reads of single items and of one partition: GetItem, BatchGetItem, Query, ConditionCheckItem. */
export const KEY_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

/** Item writes: PutItem, UpdateItem, DeleteItem, BatchWriteItem. */
export const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** The global secondary index names a table has in `#shared/tables`. */
export type IndexName<T extends TableName> = (typeof tables)[T] extends {
  readonly globalIndexes: readonly (infer I)[];
}
  ? I extends { readonly indexName: infer N extends string }
    ? N
    : never
  : never;

export interface StorageProps {
  /**
   * Deletion protection on every table; when on, the tables are also RETAINed if they leave
   * the stack, so neither a console click nor a stack deletion can drop the event log.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/** Every DynamoDB table of `#shared/tables`, created from its definition. */
export class Storage extends Construct {
  readonly tables: Readonly<Record<TableName, Table>>;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const deletionProtection = props.deletionProtection ?? true;
    const entries = Object.entries(tables) as [TableName, TableDefinition][];
    this.tables = Object.fromEntries(
      entries.map(([name, definition]) => [name, this.createTable(definition, deletionProtection)]),
    ) as Record<TableName, Table>;
  }

  private createTable(definition: TableDefinition, deletionProtection: boolean): Table {
    const table = new Table(this, `${pascalCase(definition.name)}Table`, {
      partitionKey: attribute(definition.partitionKey),
      sortKey: definition.sortKey && attribute(definition.sortKey),
      // Webhook traffic is bursty and unpredictable; on-demand needs no capacity planning.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: definition.ttlAttribute,
      deletionProtection,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of definition.globalIndexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey && attribute(index.sortKey),
        ...(index.include && {
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...index.include],
        }),
      });
    }
    return table;
  }
}

/**
 * Reads by key and by Query only: narrower than `grantReadData`, which also allows Scan and
 * stream reads. Hot paths look items up by key (fan-out never scans). Through
 * `Table.grant` this covers every index of the table as well (`<table>/index/*`), which is
 * meant for the endpoints table and its byId index; use {@link grantOnTable} with
 * {@link KEY_READ_ACTIONS} where a reader must not use the indexes.
 */
export function grantKeyReads(table: ITable, grantee: IGrantable): Grant {
  return table.grant(grantee, ...KEY_READ_ACTIONS);
}

/**
 * Grants `actions` on the table itself and never on its indexes. The `grant*` methods of
 * `Table` add `<table>/index/*` as soon as a table has an index, which would let every reader
 * or writer of an indexed table also query (and scan) each of its indexes. No KMS grant: the
 * tables use the AWS-managed key (see {@link Storage}).
 */
export function grantOnTable(table: ITable, grantee: IGrantable, ...actions: string[]): Grant {
  return Grant.addToPrincipal({ grantee, actions, resourceArns: [table.tableArn] });
}

/**
 * Like `grantReadWriteData`, on the table only (see {@link grantOnTable}): item reads and
 * writes, Scan and DescribeTable, without the stream actions that apply to no table ARN.
 */
export function grantTableReadWrite(table: ITable, grantee: IGrantable): Grant {
  return grantOnTable(
    table,
    grantee,
    ...KEY_READ_ACTIONS,
    'dynamodb:Scan',
    ...WRITE_ACTIONS,
    'dynamodb:DescribeTable',
  );
}

/**
 * Grants `actions` (reads: Query, Scan) on one named global secondary index of a table from
 * {@link Storage}: an exact index ARN, not the `<table>/index/*` wildcard.
 */
export function grantOnIndex<T extends TableName>(
  storageTables: Readonly<Record<TableName, ITable>>,
  tableName: T,
  indexName: IndexName<T>,
  grantee: IGrantable,
  ...actions: ('dynamodb:Query' | 'dynamodb:Scan')[]
): Grant {
  const definition: TableDefinition = tables[tableName];
  if (!definition.globalIndexes?.some((index) => index.indexName === indexName)) {
    throw new Error(`table ${tableName} has no index ${indexName}`);
  }
  const resourceArns = [`${storageTables[tableName].tableArn}/index/${indexName}`];
  return Grant.addToPrincipal({ grantee, actions, resourceArns });
}

function attribute(key: KeyDefinition): Attribute {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

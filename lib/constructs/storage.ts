import { RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ENDPOINT_SECRETS_CONTEXT } from '#shared/functions';
import { type KeyDefinition, type TableDefinition, type TableName, tables } from '#shared/tables';
import { pascalCase } from '../naming';

/**
 * The item and query actions Hookline's functions call, one per SDK command (the document
 * client's GetCommand is GetItem, QueryCommand Query, BatchWriteCommand BatchWriteItem, …).
 * Deliberately no `dynamodb:*Stream*` action: no table has a stream, and no `DescribeTable`:
 * no function calls it.
 */
export type ItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem';

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

/**
 * Every DynamoDB table of `#shared/tables`, created from its definition, and the customer
 * managed key that seals the endpoints' signing secrets inside the endpoints table.
 */
export class Storage extends Construct {
  readonly tables: Readonly<Record<TableName, Table>>;
  /**
   * Wraps the data keys that encrypt endpoint signing secrets (envelope encryption, every data
   * key bound to {@link ENDPOINT_SECRETS_CONTEXT}). A customer key so that reading a secret
   * takes a `kms:Decrypt` that only the dispatcher and management roles are granted: a role
   * that can read the endpoints table, or a table backup, sees ciphertext only.
   */
  readonly endpointSecretsKey: Key;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const deletionProtection = props.deletionProtection ?? true;
    const entries = Object.entries(tables) as [TableName, TableDefinition][];
    this.tables = Object.fromEntries(
      entries.map(([name, definition]) => [name, this.createTable(definition, deletionProtection)]),
    ) as Record<TableName, Table>;
    const stackName = Stack.of(this).stackName;
    this.endpointSecretsKey = new Key(this, 'EndpointSecretsKey', {
      description: `${stackName}: wraps the data keys that encrypt endpoint signing secrets`,
      alias: `alias/${stackName}/endpoint-secrets`,
      enableKeyRotation: true,
      // Losing the key loses every signing secret: it stays whenever the tables stay.
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
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
 * Grants exactly `actions` on the table itself and never on its indexes. Every grant on a
 * table goes through here or {@link grantOnIndex}: the `grant*` methods of `Table` over-grant
 * (`grantReadData` adds Scan, DescribeTable and the stream actions, and each of them adds
 * `<table>/index/*` as soon as the table has an index). No KMS grant: the tables use the
 * AWS-managed key (see {@link Storage}).
 */
export function grantOnTable(table: ITable, grantee: IGrantable, ...actions: ItemAction[]): Grant {
  return Grant.addToPrincipal({ grantee, actions, resourceArns: [table.tableArn] });
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

/** What the endpoint secrets key is used for: unwrapping data keys, and making new ones. */
export type EndpointSecretsAction = 'kms:Decrypt' | 'kms:GenerateDataKey';

/**
 * Grants `actions` on the endpoint secrets key for data keys bound to
 * {@link ENDPOINT_SECRETS_CONTEXT} only, so the grant cannot be used to decrypt anything else
 * sealed under the key.
 */
export function grantEndpointSecrets(
  key: IKey,
  grantee: IGrantable,
  ...actions: EndpointSecretsAction[]
): Grant {
  const context = Object.fromEntries(
    Object.entries(ENDPOINT_SECRETS_CONTEXT).map(([name, value]) => [
      `kms:EncryptionContext:${name}`,
      value,
    ]),
  );
  return Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [key.keyArn],
    conditions: { StringEquals: context },
  });
}

function attribute(key: KeyDefinition): Attribute {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

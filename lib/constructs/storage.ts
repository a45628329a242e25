import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  type ITable,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type KeyDefinition, type TableDefinition, type TableName, tables } from '../resources';

export interface StorageProps {
  /**
   * Deletion protection on every table; when on, the tables are also RETAINed if they leave
   * the stack, so neither a console click nor a stack deletion can drop the event log.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/** Every DynamoDB table in `tables` of resources.ts, created from its definition. */
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
      });
    }
    return table;
  }
}

/**
 * Reads by key and by Query only: narrower than `grantReadData`, which also allows Scan and
 * stream reads. Hot paths look items up by key (DESIGN §2: fan-out never scans).
 */
export function grantKeyReads(table: ITable, grantee: IGrantable): Grant {
  return table.grant(
    grantee,
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
  );
}

function attribute(key: KeyDefinition): Attribute {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

/** `api-keys` → `ApiKeys`, a stable construct id that keeps logical ids readable. */
function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

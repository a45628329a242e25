import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { operationalEvents, operationsBus } from '#shared/bus';
import { ENDPOINT_SECRETS_CONTEXT, type FunctionName, functionEnv } from '#shared/functions';
import { type QueueDefinition, type QueueName, queues } from '#shared/queues';
import { type TableDefinition, type TableName, tables } from '#shared/tables';
import { arnOf, asArray, buildStack, ref, StackTemplate, type Statement } from './synth';

let t: StackTemplate;

beforeAll(() => {
  t = new StackTemplate(buildStack());
}, 60_000);

const fns = () => t.fns;
const tableNames = Object.keys(tables) as TableName[];
const queueNames = Object.keys(queues) as QueueName[];

/** `<arn>/index/<name>`, as the grants write an index ARN. */
const indexArn = (logicalId: string, index: string) => ({
  'Fn::Join': ['', [arnOf(logicalId), `/index/${index}`]],
});

/**
 * A readable name for every resource a policy may name: `table:events`,
 * `index:events/byTenantTime` (and `index:events/*` for the wildcard `Table.grant*` adds),
 * `queue:delivery`, `bus:operations`, `key:endpointSecrets`, `secret:cursor`, `logs:own`.
 */
function resourceNames(fn: IConstruct): Map<string, string> {
  const { storage, ingress, auth, api } = t.stack;
  const named: [string, unknown][] = [];
  for (const name of tableNames) {
    const id = t.id(storage.tables[name]);
    named.push([`table:${name}`, arnOf(id)], [`index:${name}/*`, indexArn(id, '*')]);
    const definition: TableDefinition = tables[name];
    for (const index of definition.globalIndexes ?? [])
      named.push([`index:${name}/${index.indexName}`, indexArn(id, index.indexName)]);
  }
  for (const name of queueNames) named.push([`queue:${name}`, arnOf(t.id(t.stack.queues[name]))]);
  named.push(
    ['bus:producers', arnOf(t.id(ingress.eventBus))],
    ['bus:operations', arnOf(t.id(ingress.operationsBus))],
    ['key:endpointSecrets', arnOf(t.id(storage.endpointSecretsKey))],
    ['secret:bootstrapAdminKey', ref(t.id(auth.bootstrapAdminKey))],
    ['secret:cursor', ref(t.id(api.cursorSecret))],
    ['logs:own', arnOf(ownLogGroup(fn))],
  );
  return new Map(named.map(([name, arn]) => [JSON.stringify(arn), name]));
}

function ownLogGroup(fn: IConstruct): string {
  const config = t.resource(fn).Properties.LoggingConfig as { LogGroup: { Ref: string } };
  return config.LogGroup.Ref;
}

/**
 * Every action the function's role is allowed, by resource name, sorted: the whole policy as
 * a reviewer reads it. A resource with no name above shows as its JSON, and fails the test.
 */
function grantsOf(fn: { role?: IConstruct } & IConstruct): Record<string, string[]> {
  const names = resourceNames(fn);
  const grants: Record<string, Set<string>> = {};
  for (const statement of t.statements(fn)) {
    for (const resource of asArray(statement.Resource)) {
      const name = names.get(JSON.stringify(resource)) ?? JSON.stringify(resource);
      grants[name] ??= new Set();
      for (const action of asArray(statement.Action)) grants[name].add(action);
    }
  }
  return Object.fromEntries(
    Object.entries(grants)
      .map(([name, actions]) => [name, [...actions].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/**
 * The roles of the custom resource handlers that CDK adds for the console's hosting (its
 * BucketDeployment and the auto-delete of its bucket): they run during deploys only, with
 * policies aws-cdk-lib writes. Checked on their own below.
 */
const cdkHandlerRoles = (): string[] =>
  t
    .ofType('AWS::IAM::Role')
    .map(([id]) => id)
    .filter(
      (id) =>
        id.startsWith('CustomCDKBucketDeployment') ||
        id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderRole'),
    );

/** Every role but CDK's console deployment handlers: Hookline's own. */
const hooklineRole = (roleIds: readonly string[]) =>
  !roleIds.some((id) => cdkHandlerRoles().includes(id));

/** Statements of every IAM policy of the template attached to roles `holders` accepts: any by default. */
const allPolicyStatements = (
  holders: (roleIds: readonly string[]) => boolean = () => true,
): Statement[] =>
  t
    .ofType('AWS::IAM::Policy')
    .filter(([, policy]) =>
      holders((policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref)),
    )
    .flatMap(
      ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** What the Lambda event source mapping calls on the queue it polls. */
const POLL = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
];

/**
 * Each role's whole policy, derived from the SDK calls of the adapters its wiring builds
 * (lambda/wiring/). Sorted by resource name and action.
 */
const EXPECTED: Readonly<Record<FunctionName, Record<string, string[]>>> = {
  // Fan-out reads the tenant's endpoints (Query); each event is a conditional PutItem, read
  // back (GetItem) when an idempotent retry returns it; idempotency claims are put, read,
  // taken over and released. Its failed asynchronous invocations go to the ingest DLQ. A
  // polling endpoint's deliveries are appended to its feed (places claimed on the counter,
  // items batch-written) and recorded in the attempt log.
  ingest: {
    'logs:own': LOGS,
    'queue:delivery': ['sqs:SendMessage'],
    'queue:ingestDeadLetter': ['sqs:SendMessage'],
    'table:apiKeys': ['dynamodb:GetItem'],
    'table:attempts': ['dynamodb:BatchWriteItem'],
    'table:endpoints': ['dynamodb:Query'],
    'table:events': ['dynamodb:GetItem', 'dynamodb:PutItem'],
    'table:feeds': ['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
    'table:idempotency': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  management: {
    'index:deliveries/deadLetters': ['dynamodb:Query', 'dynamodb:Scan'],
    'index:endpoints/byId': ['dynamodb:Query'],
    'index:events/byTenantTime': ['dynamodb:Query'],
    'key:endpointSecrets': ['kms:Decrypt', 'kms:GenerateDataKey'],
    'logs:own': LOGS,
    'queue:deadLetter': ['sqs:GetQueueAttributes'],
    'queue:delivery': ['sqs:SendMessage'],
    'queue:jobs': ['sqs:SendMessage'],
    'secret:cursor': ['secretsmanager:GetSecretValue'],
    'table:apiKeys': ['dynamodb:GetItem'],
    // Read, and written for a test delivery to a polling endpoint, as its feed is.
    'table:attempts': ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
    'table:deliveries': ['dynamodb:Query'],
    // The stats show each endpoint's circuit.
    'table:endpointState': ['dynamodb:GetItem'],
    'table:endpoints': [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ],
    'table:events': ['dynamodb:GetItem', 'dynamodb:PutItem'],
    'table:feeds': ['dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    'table:idempotency': ['dynamodb:GetItem', 'dynamodb:PutItem'],
    'table:jobs': ['dynamodb:GetItem', 'dynamodb:PutItem'],
  },
  keys: {
    'logs:own': LOGS,
    'table:apiKeys': [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Scan',
    ],
  },
  dispatcher: {
    'bus:operations': ['events:PutEvents'],
    'key:endpointSecrets': ['kms:Decrypt'],
    'logs:own': LOGS,
    'queue:deadLetter': ['sqs:SendMessage'],
    // Polled by one event source mapping per lane; every wait is a new message on a lane.
    'queue:delivery': [...POLL, 'sqs:SendMessage'],
    'queue:slowDelivery': [...POLL, 'sqs:SendMessage'],
    'table:attempts': ['dynamodb:BatchWriteItem'],
    'table:deliveries': ['dynamodb:UpdateItem'],
    'table:endpointState': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'table:endpoints': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // Replays and redrives to polling endpoints come by the queue and go to their feeds.
    'table:feeds': ['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
  },
  replay: {
    'index:events/byTenantTime': ['dynamodb:Query'],
    'logs:own': LOGS,
    'queue:deadLetter': ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'],
    'queue:delivery': ['sqs:SendMessage'],
    'queue:jobs': [...POLL, 'sqs:SendMessage'],
    'table:deliveries': ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
    'table:endpoints': ['dynamodb:GetItem'],
    'table:events': ['dynamodb:BatchGetItem'],
    'table:jobs': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  },
  authorizer: {
    'logs:own': LOGS,
    'secret:bootstrapAdminKey': ['secretsmanager:GetSecretValue'],
    'table:apiKeys': ['dynamodb:GetItem'],
  },
};

describe('IAM: exactly the calls each function makes', () => {
  it.each(Object.keys(EXPECTED) as FunctionName[])('%s', (name) => {
    // Prepare
    const fn = fns()[name];

    // Act
    const grants = grantsOf(fn);

    // Assess
    expect(grants).toEqual(EXPECTED[name]);
  });

  it('attaches no managed policy and allows no wildcard action or resource', () => {
    for (const [id, role] of t.ofType('AWS::IAM::Role')) {
      if (cdkHandlerRoles().includes(id)) continue;
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
    for (const statement of allPolicyStatements(hooklineRole)) {
      expect(asArray(statement.Action).filter((a) => a.includes('*'))).toEqual([]);
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|\/\*"/);
    }
  });

  it("leaves wildcards only to CDK's console deployment handlers, on the console's buckets", () => {
    // Prepare: the two handlers that run during a deploy only (BucketDeployment, which
    // copies the console's files and invalidates the distribution, and the auto-delete of
    // the files bucket), whose policies aws-cdk-lib writes.
    const hosting = t.stack.console;
    if (hosting === undefined) throw new Error('console hosting is on by default');
    const filesBucket = arnOf(t.id(hosting.bucket));
    const cdkAssets =
      /:s3:::",\{"Fn::Sub":"cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}"\}/;

    // Act
    const roles = cdkHandlerRoles();
    const wildcards = allPolicyStatements((roleIds) => roleIds.some((id) => roles.includes(id)));

    // Assess: exactly these two roles, and every statement of theirs stays on the CDK asset
    // bucket and the console bucket, but the invalidation, which CDK does not narrow.
    expect(roles).toEqual([
      expect.stringMatching(/^CustomS3AutoDeleteObjectsCustomResourceProviderRole/),
      t.id(hosting.deployment.handlerRole),
    ]);
    for (const statement of wildcards) {
      const resources = asArray(statement.Resource).map((r) => JSON.stringify(r));
      if (JSON.stringify(statement.Action).includes('cloudfront:')) {
        expect(statement.Action).toEqual([
          'cloudfront:CreateInvalidation',
          'cloudfront:GetInvalidation',
        ]);
        continue;
      }
      for (const resource of resources) {
        expect(
          resource.includes(JSON.stringify(filesBucket)) || cdkAssets.test(resource),
          resource,
        ).toBe(true);
      }
    }
  });

  it('allows no stream action anywhere, and no Scan of the event log, by any role', () => {
    // Prepare: the events table and each of its indexes.
    const events = t.id(t.stack.storage.tables.events);
    const statements = allPolicyStatements();

    // Act
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    const scansOfEvents = statements.filter(
      (statement) =>
        asArray(statement.Action).includes('dynamodb:Scan') &&
        JSON.stringify(statement.Resource).includes(`"${events}"`),
    );

    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => /^dynamodb:.*Stream/i.test(action))).toEqual([]);
    expect(scansOfEvents).toEqual([]);
  });

  it('lets only the keys function write the api-keys table', () => {
    // Prepare
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

    // Act
    const writers = (Object.keys(EXPECTED) as FunctionName[]).filter((name) =>
      (grantsOf(fns()[name])['table:apiKeys'] ?? []).some((action) =>
        [...writes, 'dynamodb:BatchWriteItem'].includes(action),
      ),
    );

    // Assess: management, which tenant-scoped keys reach, only looks keys up.
    expect(writers).toEqual(['keys']);
    expect(grantsOf(fns().management)['table:apiKeys']).toEqual(['dynamodb:GetItem']);
  });

  it('binds every use of the endpoint secrets key to its encryption context', () => {
    // Prepare
    const key = t.id(t.stack.storage.endpointSecretsKey);

    // Act
    const onKey = allPolicyStatements().filter((statement) =>
      JSON.stringify(statement.Resource).includes(`"${key}"`),
    );

    // Assess: the dispatcher unwraps, management also makes data keys; nobody else.
    expect(onKey).toHaveLength(2);
    for (const statement of onKey) {
      expect(statement.Condition).toEqual({
        StringEquals: { 'kms:EncryptionContext:purpose': ENDPOINT_SECRETS_CONTEXT.purpose },
      });
    }
    expect(ENDPOINT_SECRETS_CONTEXT.purpose).toBe('hookline-endpoint-secrets');
  });

  it('lets the dispatcher put events of source hookline only, on the operations bus only', () => {
    // Prepare
    const producers = t.id(t.stack.ingress.eventBus);
    const operations = t.id(t.stack.ingress.operationsBus);

    // Act
    const putEvents = allPolicyStatements().filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('events:')),
    );

    // Assess: one statement, the dispatcher's; nothing of Hookline puts on the producers' bus.
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]).toMatchObject({
      Action: 'events:PutEvents',
      Resource: arnOf(operations),
      Condition: { StringEquals: { 'events:source': operationalEvents.source } },
    });
    expect(t.statements(fns().dispatcher)).toContainEqual(putEvents[0]);
    expect(JSON.stringify(allPolicyStatements())).not.toContain(`"${producers}"`);
  });

  it('gives no other statement a condition', () => {
    const conditioned = allPolicyStatements().filter((s) => s.Condition !== undefined);
    // The two key statements and the PutEvents one.
    expect(conditioned).toHaveLength(3);
  });
});

describe('environment matches grants', () => {
  it.each(Object.keys(EXPECTED) as FunctionName[])(
    '%s is told of exactly the tables and queues it may use',
    (name) => {
      // Prepare
      const fn = fns()[name];
      const grants = grantsOf(fn);
      const environment = t.environment(fn);

      // Act: tables granted (on the table or an index), queues granted that have a URL.
      const grantedTables = tableNames.filter((table) =>
        Object.keys(grants).some((r) => r === `table:${table}` || r.startsWith(`index:${table}/`)),
      );
      const grantedQueues = queueNames.filter(
        (queue) =>
          grants[`queue:${queue}`] !== undefined &&
          (queues[queue] as QueueDefinition).envVar !== undefined,
      );
      const toldTables = tableNames.filter((table) => tables[table].envVar in environment);
      const toldQueues = queueNames.filter((queue) => {
        const envVar = (queues[queue] as QueueDefinition).envVar;
        return envVar !== undefined && envVar in environment;
      });

      // Assess
      expect(toldTables).toEqual(grantedTables);
      expect(toldQueues).toEqual(grantedQueues);
      expect(functionEnv.endpointSecretsKeyArn in environment).toBe(
        grants['key:endpointSecrets'] !== undefined,
      );
      expect(functionEnv.cursorSecretArn in environment).toBe(
        grants['secret:cursor'] !== undefined,
      );
      expect(operationsBus.envVar in environment).toBe(grants['bus:operations'] !== undefined);
    },
  );
});

describe('queue policies: only Hookline sends', () => {
  const queuePolicy = (name: QueueName): Statement[] => {
    const id = t.id(t.stack.queues[name]);
    const found = t
      .ofType('AWS::SQS::QueuePolicy')
      .filter(([, p]) => JSON.stringify(p.Properties.Queues) === JSON.stringify([ref(id)]));
    expect(found).toHaveLength(1);
    const document = found[0]?.[1].Properties.PolicyDocument as { Statement: Statement[] };
    return document.Statement;
  };
  const roleArn = (name: FunctionName) => arnOf(t.id(fns()[name].role as IConstruct));
  /** The functions whose roles are allowed sqs:SendMessage on the queue. */
  const sendersOf = (queue: QueueName) =>
    (Object.keys(EXPECTED) as FunctionName[]).filter((name) =>
      grantsOf(fns()[name])[`queue:${queue}`]?.includes('sqs:SendMessage'),
    );

  it('denies SendMessage on the delivery queue to every role but ingest, management, the dispatcher and replay', () => {
    // Prepare
    const statements = queuePolicy('delivery');
    const arn = arnOf(t.id(t.stack.pipeline.deliveryQueue));

    // Act
    const deny = statements.find((s) => s.Effect === 'Deny' && s.Action === 'sqs:SendMessage');

    // Assess
    expect(deny).toEqual({
      Sid: 'OnlyHooklineRolesSend',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
      Resource: arn,
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': [
            roleArn('ingest'),
            roleArn('management'),
            roleArn('dispatcher'),
            roleArn('replay'),
          ],
        },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    // Nothing is allowed by the queue policy; the TLS-only statement stays.
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:*',
      Resource: arn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('denies SendMessage on the slow lane to every role but the dispatcher', () => {
    // Prepare
    const statements = queuePolicy('slowDelivery');
    const arn = arnOf(t.id(t.stack.pipeline.slowDeliveryQueue));

    // Act
    const deny = statements.find((s) => s.Sid === 'OnlyHooklineRolesSend');

    // Assess: TLS only, no Allow, and only the dispatcher moves deliveries into the lane.
    expect(deny).toEqual({
      Sid: 'OnlyHooklineRolesSend',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
      Resource: arn,
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': [roleArn('dispatcher')] },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:*',
      Resource: arn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it.each(queueNames)('admits on %s exactly the roles allowed to send to it', (queue) => {
    // Prepare
    const senders = sendersOf(queue);

    // Act
    const deny = queuePolicy(queue).find((s) => s.Sid === 'OnlyHooklineRolesSend');

    // Assess: the Deny spares the senders and no one else (all principals when none).
    expect(deny?.Effect).toBe('Deny');
    expect(deny?.Condition?.ArnNotEquals).toEqual(
      senders.length === 0 ? undefined : { 'aws:PrincipalArn': senders.map(roleArn) },
    );
  });

  it('has the senders a reviewer expects on each queue', () => {
    expect(Object.fromEntries(queueNames.map((queue) => [queue, sendersOf(queue)]))).toEqual({
      delivery: ['ingest', 'management', 'dispatcher', 'replay'],
      slowDelivery: ['dispatcher'],
      deadLetter: ['dispatcher'],
      jobs: ['management', 'replay'],
      jobsDeadLetter: [],
      ingestDeadLetter: ['ingest'],
    });
  });

  it('still lets EventBridge dead-letter the ingest rule into the ingest DLQ', () => {
    const allows = queuePolicy('ingestDeadLetter').filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(t.id(t.stack.ingress.rule)) } },
      }),
    ]);
  });
});

describe('operations bus policy', () => {
  it('denies PutEvents to every principal but the dispatcher role', () => {
    // Prepare
    const bus = t.id(t.stack.ingress.operationsBus);

    // Act
    const policies = t
      .ofType('AWS::Events::EventBusPolicy')
      .map(([, policy]) => policy.Properties)
      .filter((p) => JSON.stringify(p.EventBusName) === JSON.stringify(ref(bus)));

    // Assess
    expect(policies).toEqual([
      {
        EventBusName: ref(bus),
        StatementId: 'cdk-OnlyHooklineRolesPutEvents',
        Statement: {
          Sid: 'cdk-OnlyHooklineRolesPutEvents',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'events:PutEvents',
          Resource: arnOf(bus),
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': [arnOf(t.id(fns().dispatcher.role as IConstruct))],
            },
          },
        },
      },
    ]);
  });

  it("leaves the producers' bus without a policy: its access is the producers' IAM", () => {
    const bus = ref(t.id(t.stack.ingress.eventBus));
    const policies = t
      .ofType('AWS::Events::EventBusPolicy')
      .filter(([, p]) => JSON.stringify(p.Properties.EventBusName) === JSON.stringify(bus));
    expect(policies).toEqual([]);
  });
});

describe('secrets', () => {
  it('lets the authorizer alone read the bootstrap key, and management alone the cursor key', () => {
    // Prepare
    const readers = (secret: string) =>
      (Object.keys(EXPECTED) as FunctionName[]).filter((name) => grantsOf(fns()[name])[secret]);

    // Act
    const secretActions = allPolicyStatements()
      .flatMap((statement) => asArray(statement.Action))
      .filter((action) => action.startsWith('secretsmanager:'));

    // Assess
    expect(readers('secret:bootstrapAdminKey')).toEqual(['authorizer']);
    expect(readers('secret:cursor')).toEqual(['management']);
    expect(secretActions).toEqual([
      'secretsmanager:GetSecretValue',
      'secretsmanager:GetSecretValue',
    ]);
    expect(t.ofType('AWS::SecretsManager::ResourcePolicy')).toHaveLength(0);
  });
});

describe('outputs', () => {
  it('exports what operators and the CLI need', () => {
    const { stack } = t;
    const outputs = t.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(t.id(stack.api.httpApi));
    expect(outputs.EventBusName?.Value).toEqual(ref(t.id(stack.ingress.eventBus)));
    expect(outputs.OperationsBusName?.Value).toEqual(ref(t.id(stack.ingress.operationsBus)));
    expect(outputs.DeliveryQueueUrl?.Value).toEqual(ref(t.id(stack.pipeline.deliveryQueue)));
    expect(outputs.SlowDeliveryQueueUrl?.Value).toEqual(
      ref(t.id(stack.pipeline.slowDeliveryQueue)),
    );
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual(ref(t.id(stack.pipeline.deadLetterQueue)));
    expect(outputs.JobsQueueUrl?.Value).toEqual(ref(t.id(stack.replay.jobsQueue)));
    expect(outputs.ApiKeysTableName?.Value).toEqual(ref(t.id(stack.storage.tables.apiKeys)));
    expect(outputs.BootstrapAdminKeySecretArn?.Value).toEqual(
      ref(t.id(stack.auth.bootstrapAdminKey)),
    );
  });
});

import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableName } from '#shared/tables';
import { arnOf, asArray, buildStack, ref, StackTemplate } from './synth';

let t: StackTemplate;

beforeAll(() => {
  t = new StackTemplate(buildStack());
}, 60_000);

const fns = () => t.fns;
type Fn = ReturnType<typeof fns>[keyof ReturnType<typeof fns>];

describe('IAM least privilege', () => {
  const table = (name: TableName) => t.id(t.stack.storage.tables[name]);
  const queue = (name: 'delivery' | 'dlq' | 'jobs' | 'jobsDlq') =>
    t.id(
      {
        delivery: t.stack.pipeline.deliveryQueue,
        dlq: t.stack.pipeline.deadLetterQueue,
        jobs: t.stack.replay.jobsQueue,
        jobsDlq: t.stack.replay.jobsDeadLetterQueue,
      }[name],
    );
  /** Actions on the table itself, not on its indexes. */
  const onTable = (fn: Fn, name: TableName) => t.actionsOnArn(fn, table(name));
  /** Actions on one index of a table (`*` for the wildcard that `Table.grant*` adds). */
  const onIndex = (fn: Fn, name: TableName, index: string) =>
    t.actionsOnArn(fn, table(name), `/index/${index}`);
  const writes = [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ];
  const consume = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

  it('attaches no managed policy and allows no wildcard action or resource', () => {
    for (const [, role] of t.ofType('AWS::IAM::Role'))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const fn of Object.values(fns())) {
      for (const statement of t.statements(fn)) {
        expect(asArray(statement.Action).filter((a) => a.endsWith('*'))).toEqual([]);
        expect(asArray(statement.Resource)).not.toContain('*');
      }
    }
  });

  it('lets ingest read endpoints and keys by key only, and touch no delivery state', () => {
    const { ingest } = fns();
    const endpoints = t.actionsOn(ingest, table('endpoints'));
    expect(endpoints).toContain('dynamodb:Query');
    expect(endpoints).not.toContain('dynamodb:Scan');
    for (const action of writes) {
      expect(endpoints).not.toContain(action);
      expect(t.actionsOn(ingest, table('apiKeys'))).not.toContain(action);
    }
    expect(t.actionsOn(ingest, table('events'))).toContain('dynamodb:PutItem');
    expect(t.actionsOn(ingest, table('idempotency'))).toContain('dynamodb:PutItem');
    expect(t.actionsOn(ingest, table('deliveries')).size).toBe(0);
    expect(t.actionsOn(ingest, table('attempts')).size).toBe(0);
    expect(t.actionsOn(ingest, t.id(t.stack.pipeline.deliveryQueue))).toContain('sqs:SendMessage');
  });

  it('lets the dispatcher consume its queue, dead-letter, publish events and only update endpoints', () => {
    const { dispatcher } = fns();
    const endpoints = t.actionsOn(dispatcher, table('endpoints'));
    expect([...endpoints].filter((a) => writes.includes(a))).toEqual(['dynamodb:UpdateItem']);
    expect(t.actionsOn(dispatcher, table('apiKeys')).size).toBe(0);
    expect(t.actionsOn(dispatcher, table('idempotency')).size).toBe(0);
    expect(t.actionsOn(dispatcher, t.id(t.stack.pipeline.deliveryQueue))).toContain(
      'sqs:ChangeMessageVisibility',
    );
    expect(t.actionsOn(dispatcher, t.id(t.stack.pipeline.deadLetterQueue))).toContain(
      'sqs:SendMessage',
    );
    expect(t.actionsOn(dispatcher, t.id(t.stack.ingress.eventBus))).toEqual(
      new Set(['events:PutEvents']),
    );
  });

  it('grants index access only by exact index ARN, but for the endpoints byId wildcard', () => {
    for (const fn of Object.values(fns())) {
      for (const statement of t.statements(fn)) {
        for (const resource of asArray(statement.Resource)) {
          const text = JSON.stringify(resource);
          if (!text.includes('/index/')) continue;
          if (text.includes('/index/*')) expect(text).toContain(`"${table('endpoints')}"`);
          else expect(text).toMatch(/"\/index\/(byId|byTenantTime|deadLetters)"/);
        }
      }
    }
  });

  it('keeps ingest and the dispatcher off the events and deliveries indexes', () => {
    const { ingest, dispatcher } = fns();
    for (const fn of [ingest, dispatcher]) {
      for (const name of ['events', 'deliveries'] as const) {
        for (const index of ['*', 'byTenantTime', 'deadLetters'])
          expect(onIndex(fn, name, index).size).toBe(0);
      }
    }
    expect(onTable(ingest, 'events')).toContain('dynamodb:PutItem');
    expect(onTable(dispatcher, 'deliveries')).toContain('dynamodb:UpdateItem');
  });

  it('keeps ingest away from jobs, endpoint state and the replay queues', () => {
    const { ingest } = fns();
    for (const name of ['jobs', 'endpointState'] as const)
      expect(t.actionsOn(ingest, table(name)).size).toBe(0);
    for (const name of ['dlq', 'jobs', 'jobsDlq'] as const)
      expect(t.actionsOn(ingest, queue(name)).size).toBe(0);
  });

  it('lets the dispatcher keep endpoint state, and stay out of jobs', () => {
    const { dispatcher } = fns();
    const state = onTable(dispatcher, 'endpointState');
    for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'])
      expect(state).toContain(action);
    expect(t.actionsOn(dispatcher, table('jobs')).size).toBe(0);
    expect(t.actionsOn(dispatcher, table('events')).size).toBe(0);
    expect(t.actionsOn(dispatcher, queue('jobs')).size).toBe(0);
    expect(t.actionsOn(dispatcher, queue('jobsDlq')).size).toBe(0);
  });

  it('lets management claim job idempotency keys and read the DLQ depth, not its messages', () => {
    const { management } = fns();
    expect(t.actionsOn(management, table('idempotency'))).toContain('dynamodb:PutItem');
    expect(t.actionsOn(management, t.id(t.stack.ingress.eventBus)).size).toBe(0);
    expect(t.actionsOn(management, table('apiKeys'))).toContain('dynamodb:PutItem');
    const dlq = t.actionsOn(management, t.id(t.stack.pipeline.deadLetterQueue));
    expect([...dlq]).toEqual(['sqs:GetQueueAttributes']);
  });

  it('lets management start jobs and read the new indexes, scanning only dead letters', () => {
    const { management } = fns();
    const jobs = onTable(management, 'jobs');
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'])
      expect(jobs).toContain(action);
    expect(t.actionsOnArn(management, queue('jobs'))).toContain('sqs:SendMessage');
    for (const action of consume)
      expect(t.actionsOn(management, queue('jobs'))).not.toContain(action);
    expect(t.actionsOn(management, queue('jobsDlq')).size).toBe(0);
    expect(onIndex(management, 'events', 'byTenantTime')).toEqual(new Set(['dynamodb:Query']));
    expect(onIndex(management, 'deliveries', 'deadLetters')).toEqual(
      new Set(['dynamodb:Query', 'dynamodb:Scan']),
    );
    expect(onIndex(management, 'events', '*').size).toBe(0);
    expect(onIndex(management, 'deliveries', '*').size).toBe(0);
  });

  it('lets management only read attempts and endpoint state', () => {
    const { management } = fns();
    for (const name of ['attempts', 'endpointState'] as const) {
      const actions = t.actionsOn(management, table(name));
      expect(actions).toContain('dynamodb:Query');
      expect(actions).not.toContain('dynamodb:Scan');
      for (const action of writes) expect(actions).not.toContain(action);
    }
  });

  it('lets replay read events by tenant and time, never write or scan them', () => {
    const { replay } = fns();
    const events = onTable(replay, 'events');
    expect(events).toContain('dynamodb:GetItem');
    expect(events).not.toContain('dynamodb:Scan');
    for (const action of writes) expect(events).not.toContain(action);
    expect(onIndex(replay, 'events', 'byTenantTime')).toEqual(new Set(['dynamodb:Query']));
    expect(onIndex(replay, 'events', '*').size).toBe(0);
  });

  it('lets replay requeue deliveries and find dead letters on their index', () => {
    const { replay } = fns();
    const deliveries = onTable(replay, 'deliveries');
    for (const action of ['dynamodb:Query', 'dynamodb:UpdateItem'])
      expect(deliveries).toContain(action);
    expect(onIndex(replay, 'deliveries', 'deadLetters')).toEqual(
      new Set(['dynamodb:Query', 'dynamodb:Scan']),
    );
    expect(onIndex(replay, 'deliveries', '*').size).toBe(0);
    const jobs = onTable(replay, 'jobs');
    for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem'])
      expect(jobs).toContain(action);
  });

  it('lets replay read endpoints by key only and touch nothing else in storage', () => {
    const { replay } = fns();
    const endpoints = t.actionsOn(replay, table('endpoints'));
    expect(endpoints).toContain('dynamodb:Query');
    expect(endpoints).not.toContain('dynamodb:Scan');
    for (const action of writes) expect(endpoints).not.toContain(action);
    for (const name of ['apiKeys', 'idempotency', 'attempts', 'endpointState'] as const)
      expect(t.actionsOn(replay, table(name)).size, name).toBe(0);
    expect(t.actionsOn(replay, t.id(t.stack.ingress.eventBus)).size).toBe(0);
  });

  it('lets replay enqueue deliveries and job pages, and move dead letters out of the DLQ', () => {
    const { replay } = fns();
    expect(t.actionsOnArn(replay, queue('delivery'))).toContain('sqs:SendMessage');
    for (const action of consume)
      expect(t.actionsOnArn(replay, queue('delivery'))).not.toContain(action);
    const dlq = t.actionsOnArn(replay, queue('dlq'));
    for (const action of [...consume, 'sqs:SendMessage']) expect(dlq).toContain(action);
    // The event source consumes job pages; continuation pages are sent by the function.
    const jobs = t.actionsOnArn(replay, queue('jobs'));
    for (const action of [...consume, 'sqs:SendMessage']) expect(jobs).toContain(action);
    expect(t.actionsOn(replay, queue('jobsDlq')).size).toBe(0);
  });
});

describe('IAM least privilege of the API key authorizer', () => {
  const secretId = () => t.id(t.stack.auth.bootstrapAdminKey);
  const apiKeys = () => t.id(t.stack.storage.tables.apiKeys);

  it('lets the authorizer read the bootstrap key and get api keys, and nothing else', () => {
    const { authorizer } = fns();
    expect(t.actionsOn(authorizer, secretId())).toEqual(new Set(['secretsmanager:GetSecretValue']));
    expect(t.actionsOnArn(authorizer, apiKeys())).toEqual(new Set(['dynamodb:GetItem']));
    const logGroup = (
      t.resource(authorizer).Properties.LoggingConfig as { LogGroup: { Ref: string } }
    ).LogGroup.Ref;
    // Every statement: the secret, the api-keys table (not its indexes), or its own log group.
    const allowed = [ref(secretId()), arnOf(apiKeys()), arnOf(logGroup)].map((r) =>
      JSON.stringify(r),
    );
    for (const statement of t.statements(authorizer)) {
      for (const resource of asArray(statement.Resource))
        expect(allowed).toContain(JSON.stringify(resource));
    }
    const actions = t.statements(authorizer).flatMap((statement) => asArray(statement.Action));
    expect(actions.sort()).toEqual([
      'dynamodb:GetItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
  });

  it('lets no other role read the bootstrap key, nor any role other secrets', () => {
    const authorizerRole = t.id(fns().authorizer.role as IConstruct);
    for (const [, policy] of t.ofType('AWS::IAM::Policy')) {
      const document = JSON.stringify(policy.Properties.PolicyDocument);
      if (JSON.stringify(policy.Properties.Roles) === JSON.stringify([ref(authorizerRole)])) {
        continue;
      }
      expect(document).not.toContain(`"${secretId()}"`);
      expect(document).not.toContain('secretsmanager:');
    }
    for (const [name, fn] of Object.entries(fns())) {
      if (name === 'authorizer') continue;
      expect(t.actionsOn(fn, secretId()).size, name).toBe(0);
    }
    expect(t.ofType('AWS::SecretsManager::ResourcePolicy')).toHaveLength(0);
  });
});

describe('outputs', () => {
  it('exports what operators and the CLI need', () => {
    const { stack } = t;
    const outputs = t.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(t.id(stack.api.httpApi));
    expect(outputs.EventBusName?.Value).toEqual(ref(t.id(stack.ingress.eventBus)));
    expect(outputs.DeliveryQueueUrl?.Value).toEqual(ref(t.id(stack.pipeline.deliveryQueue)));
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual(ref(t.id(stack.pipeline.deadLetterQueue)));
    expect(outputs.JobsQueueUrl?.Value).toEqual(ref(t.id(stack.replay.jobsQueue)));
    expect(outputs.ApiKeysTableName?.Value).toEqual(ref(t.id(stack.storage.tables.apiKeys)));
    expect(outputs.BootstrapAdminKeySecretArn?.Value).toEqual(
      ref(t.id(stack.auth.bootstrapAdminKey)),
    );
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { TableName } from '../../lib/resources';
import { asArray, buildStack, ref, StackTemplate } from './synth';

let t: StackTemplate;

beforeAll(() => {
  t = new StackTemplate(buildStack());
}, 60_000);

const fns = () => t.fns;

describe('IAM least privilege', () => {
  const table = (name: TableName) => t.id(t.stack.storage.tables[name]);
  const writes = [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ];

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

  it('keeps management away from idempotency keys and the bus', () => {
    const { management } = fns();
    expect(t.actionsOn(management, table('idempotency')).size).toBe(0);
    expect(t.actionsOn(management, t.id(t.stack.ingress.eventBus)).size).toBe(0);
    expect(t.actionsOn(management, table('apiKeys'))).toContain('dynamodb:PutItem');
    expect(t.actionsOn(management, t.id(t.stack.pipeline.deadLetterQueue))).toContain(
      'sqs:ReceiveMessage',
    );
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
    expect(outputs.ApiKeysTableName?.Value).toEqual(ref(t.id(stack.storage.tables.apiKeys)));
  });
});

import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  apiRoutes,
  deriveTimeouts,
  eventBus,
  ingestRulePattern,
  queues,
  settingsEnvironment,
  type TableName,
  tables,
} from '../../lib/resources';
import { arnOf, buildStack, ref, StackTemplate } from './synth';

// One synth takes seconds: every assertion below shares these templates.
const SYNTH_TIMEOUT = 60_000;
let t: StackTemplate;
let unprotected: StackTemplate;

beforeAll(() => {
  t = new StackTemplate(buildStack());
  unprotected = new StackTemplate(buildStack({ deletionProtection: false }));
}, SYNTH_TIMEOUT);

const tableNames = Object.keys(tables) as TableName[];
const fns = () => t.fns;

describe('storage', () => {
  it('creates exactly the tables of resources.ts', () => {
    expect(t.ofType('AWS::DynamoDB::Table')).toHaveLength(tableNames.length);
  });

  describe.each(tableNames)('table %s', (name) => {
    const definition = tables[name];
    const properties = () => t.resource(t.stack.storage.tables[name]).Properties;

    it('has the key schema of its definition', () => {
      const keys = [
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        ...('sortKey' in definition
          ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }]
          : []),
      ];
      expect(properties().KeySchema).toEqual(keys);
      const keyAttributes = [
        definition.partitionKey,
        'sortKey' in definition && definition.sortKey,
      ];
      for (const key of keyAttributes) {
        if (!key) continue;
        expect(properties().AttributeDefinitions).toContainEqual({
          AttributeName: key.name,
          AttributeType: key.type,
        });
      }
    });

    it('is on-demand, point-in-time recoverable and encrypted with the AWS-managed key', () => {
      expect(properties()).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('expires items by its TTL attribute, if it has one', () => {
      const ttl = 'ttlAttribute' in definition ? definition.ttlAttribute : undefined;
      expect(properties().TimeToLiveSpecification).toEqual(
        ttl ? { AttributeName: ttl, Enabled: true } : undefined,
      );
    });

    it('is protected and retained by default, and neither when context turns it off', () => {
      const table = t.resource(t.stack.storage.tables[name]);
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      const dev = unprotected.resource(unprotected.stack.storage.tables[name]);
      expect(dev.Properties.DeletionProtectionEnabled).toBe(false);
      expect(dev.DeletionPolicy).toBe('Delete');
    });
  });

  it('gives the endpoints table its byId index', () => {
    expect(t.resource(t.stack.storage.tables.endpoints).Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byId',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });
});

describe('queues', () => {
  const queue = (name: 'delivery' | 'dlq' | 'ingestDlq') => {
    const { pipeline, ingress } = t.stack;
    return {
      delivery: pipeline.deliveryQueue,
      dlq: pipeline.deadLetterQueue,
      ingestDlq: ingress.deadLetterQueue,
    }[name];
  };

  it.each(['delivery', 'dlq', 'ingestDlq'] as const)(
    '%s is encrypted, kept 14 days and TLS-only',
    (name) => {
      const id = t.id(queue(name));
      expect(t.resources[id]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86_400,
      });
      t.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: arnOf(id),
            },
          ]),
        },
      });
    },
  );

  it('redrives crashing deliveries to the DLQ after maxReceiveCount receives', () => {
    expect(t.resource(queue('delivery')).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(t.id(queue('dlq'))),
      maxReceiveCount: 20,
    });
  });

  it('hides a received delivery for 6 × the dispatcher timeout', () => {
    const dispatcherTimeout = t.resource(fns().dispatcher).Properties.Timeout as number;
    expect(t.resource(queue('delivery')).Properties.VisibilityTimeout).toBe(6 * dispatcherTimeout);
  });
});

describe('functions', () => {
  const names = ['ingest', 'management', 'dispatcher'] as const;

  it.each(names)('%s runs Node 24 on arm64 with its own retained log group', (name) => {
    const fn = fns()[name];
    const properties = t.resource(fn).Properties;
    expect(properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
    expect(properties.TracingConfig).toBeUndefined();
    const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(t.resources[logGroupId]).toMatchObject({
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it.each(names)(
    '%s gets every table, queue, the bus and the settings in its environment',
    (name) => {
      const { stack } = t;
      const expected: Record<string, unknown> = {
        ...settingsEnvironment(t.settings),
        ALLOW_PRIVATE_TARGETS: 'false',
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `hookline-${name}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Hookline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [queues.delivery.envVar]: ref(t.id(stack.pipeline.deliveryQueue)),
        [queues.deadLetter.envVar]: ref(t.id(stack.pipeline.deadLetterQueue)),
        [eventBus.envVar]: ref(t.id(stack.ingress.eventBus)),
      };
      for (const table of tableNames)
        expected[tables[table].envVar] = ref(t.id(stack.storage.tables[table]));
      expect(t.environment(fns()[name])).toEqual(expected);
    },
  );

  it('keeps the timeouts consistent', () => {
    const timeout = (fn: keyof ReturnType<typeof fns>) =>
      t.resource(fns()[fn]).Properties.Timeout as number;
    const visibility = t.resource(t.stack.pipeline.deliveryQueue).Properties
      .VisibilityTimeout as number;
    expect(timeout('dispatcher')).toBe(deriveTimeouts(t.settings).dispatcherTimeoutSeconds);
    expect(timeout('dispatcher')).toBeGreaterThan(15);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout('dispatcher'));
    // API Gateway gives up on an integration after 30 s.
    expect(timeout('ingest')).toBeLessThan(30);
    expect(timeout('management')).toBeLessThan(30);
  });

  it('drains the delivery queue in batches with partial failures', () => {
    expect(t.ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(1);
    t.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(t.id(t.stack.pipeline.deliveryQueue)),
      FunctionName: ref(t.id(fns().dispatcher)),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('HTTP API', () => {
  it('has one route per apiRoutes entry, each to its function', () => {
    const routes = t.ofType('AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(apiRoutes.length);
    for (const route of apiRoutes) {
      const found = routes.find(
        ([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`,
      );
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      const integrationId =
        JSON.stringify(found?.[1].Properties.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      const target = route.target === 'ingest' ? fns().ingest : fns().management;
      expect(t.resources[integrationId]?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arnOf(t.id(target)),
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('logs every request to a log group and throttles the default stage', () => {
    const stage = t.resource(t.stack.api.stage).Properties as {
      AccessLogSettings: { DestinationArn: unknown; Format: string };
    };
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
    expect(stage.AccessLogSettings.DestinationArn).toEqual(arnOf(t.id(t.stack.api.accessLogGroup)));
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
    });
  });
});

describe('EventBridge ingress', () => {
  it('creates the bus under its default name', () => {
    t.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'hookline' });
  });

  it('routes producer entries to ingest, with retries and a dead-letter queue', () => {
    const { ingress } = t.stack;
    expect(t.resource(ingress.rule).Properties).toMatchObject({
      EventBusName: ref(t.id(ingress.eventBus)),
      EventPattern: ingestRulePattern,
      Targets: [
        {
          Arn: arnOf(t.id(fns().ingest)),
          DeadLetterConfig: { Arn: arnOf(t.id(ingress.deadLetterQueue)) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        },
      ],
    });
    // EventBridge may write to the queue only on behalf of this rule.
    t.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(t.id(ingress.deadLetterQueue))],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': arnOf(t.id(ingress.rule)) } },
          }),
        ]),
      },
    });
  });

  it('keeps entries that ingest fails on in the same queue', () => {
    t.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(t.id(fns().ingest)),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: { Destination: arnOf(t.id(t.stack.ingress.deadLetterQueue)) },
      },
    });
  });
});

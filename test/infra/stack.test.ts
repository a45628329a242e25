import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER_CACHE_SECONDS, apiRoutes } from '#shared/api';
import { eventBus, ingestRulePattern, operationsBus } from '#shared/bus';
import type { FunctionName } from '#shared/functions';
import { functionEnv } from '#shared/functions';
import { type QueueDefinition, queues } from '#shared/queues';
import { deriveTimeouts, settingsEnvironment } from '#shared/settings';
import { type TableDefinition, type TableName, tables } from '#shared/tables';
import { authorizerDependencies } from '../../lambda/wiring/authorizer';
import { dispatcherDependencies } from '../../lambda/wiring/dispatcher';
import { configFromEnvironment } from '../../lambda/wiring/environment';
import { ingestDependencies } from '../../lambda/wiring/ingest';
import { keysDependencies } from '../../lambda/wiring/keys';
import { managementDependencies } from '../../lambda/wiring/management';
import { jobDependencies } from '../../lambda/wiring/repositories';
import { BOOTSTRAP_ADMIN_KEY_SECRET_ENV } from '../../lib/constructs/auth';
import { FUNCTION_STORAGE } from '../../lib/hookline-stack';
import { arnOf, buildStack, ref, StackTemplate } from './synth';

/** Each function's real wiring, as its handler builds it on the first invocation. */
const WIRING: Record<FunctionName, (config: ReturnType<typeof configFromEnvironment>) => unknown> =
  {
    ingest: ingestDependencies,
    management: managementDependencies,
    keys: keysDependencies,
    dispatcher: dispatcherDependencies,
    replay: jobDependencies,
    authorizer: authorizerDependencies,
  };

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
  it('creates exactly the tables of #shared', () => {
    expect(t.ofType('AWS::DynamoDB::Table')).toHaveLength(tableNames.length);
  });

  describe.each(tableNames)('table %s', (name) => {
    const definition: TableDefinition = tables[name];
    const properties = () => t.resource(t.stack.storage.tables[name]).Properties;

    it('has the key schema of its definition', () => {
      const keys = [
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        ...(definition.sortKey
          ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }]
          : []),
      ];
      expect(properties().KeySchema).toEqual(keys);
      const keyAttributes = [definition.partitionKey, definition.sortKey];
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

  it.each(tableNames)('table %s has exactly the indexes of its definition', (name) => {
    const definition: TableDefinition = tables[name];
    const properties = t.resource(t.stack.storage.tables[name]).Properties;
    const indexes = definition.globalIndexes ?? [];
    expect(properties.GlobalSecondaryIndexes).toEqual(
      indexes.length === 0
        ? undefined
        : indexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
            ],
            Projection: index.include
              ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] }
              : { ProjectionType: 'ALL' },
          })),
    );
    for (const index of indexes) {
      for (const key of [index.partitionKey, index.sortKey]) {
        if (!key) continue;
        expect(properties.AttributeDefinitions).toContainEqual({
          AttributeName: key.name,
          AttributeType: key.type,
        });
      }
    }
  });

  // The definitions above come from #shared; these pin the indexes the code relies on.
  it('copies only the type into the event log index, keeping publishes at one write', () => {
    const properties = t.resource(t.stack.storage.tables.events).Properties;
    expect(properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: 'byTenantTime',
      KeySchema: [
        { AttributeName: 'tenant', KeyType: 'HASH' },
        { AttributeName: 'timestamp', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['type'] },
    });
  });

  it.each([
    ['endpoints', 'byId', [{ AttributeName: 'id', KeyType: 'HASH' }]],
    [
      'deliveries',
      'deadLetters',
      [
        { AttributeName: 'dlqEndpointId', KeyType: 'HASH' },
        { AttributeName: 'deadLetteredAt', KeyType: 'RANGE' },
      ],
    ],
  ] as const)(
    'gives the %s table its %s index, projecting every attribute',
    (name, index, keys) => {
      const properties = t.resource(t.stack.storage.tables[name]).Properties;
      expect(properties.GlobalSecondaryIndexes).toContainEqual({
        IndexName: index,
        KeySchema: keys,
        Projection: { ProjectionType: 'ALL' },
      });
    },
  );

  it('seals endpoint secrets under a rotated customer key with an alias, kept like the tables', () => {
    // Prepare
    const key = t.stack.storage.endpointSecretsKey;

    // Act
    const resource = t.resource(key);
    const aliases = t.ofType('AWS::KMS::Alias').map(([, alias]) => alias.Properties);

    // Assess
    expect(resource.Properties.EnableKeyRotation).toBe(true);
    expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(unprotected.resource(unprotected.stack.storage.endpointSecretsKey)).toMatchObject({
      DeletionPolicy: 'Delete',
    });
    expect(aliases).toContainEqual({
      AliasName: 'alias/Hookline/endpoint-secrets',
      TargetKeyId: arnOf(t.id(key)),
    });
  });

  it('keeps endpoint state and jobs by key, expiring by expiresAt', () => {
    const { endpointState, jobs } = t.stack.storage.tables;
    expect(t.resource(endpointState).Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'endpointId', KeyType: 'HASH' },
        { AttributeName: 'key', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(t.resource(jobs).Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('queues', () => {
  const queue = (name: 'delivery' | 'slow' | 'dlq' | 'ingestDlq' | 'jobs' | 'jobsDlq') => {
    const { pipeline, ingress, replay } = t.stack;
    return {
      delivery: pipeline.deliveryQueue,
      slow: pipeline.slowDeliveryQueue,
      dlq: pipeline.deadLetterQueue,
      ingestDlq: ingress.deadLetterQueue,
      jobs: replay.jobsQueue,
      jobsDlq: replay.jobsDeadLetterQueue,
    }[name];
  };

  it('creates one queue per entry of #shared/queues, the ingest DLQ included', () => {
    expect(t.ofType('AWS::SQS::Queue')).toHaveLength(Object.keys(queues).length);
  });

  it.each([
    ['delivery', 14],
    ['slow', 14],
    ['dlq', 14],
    ['ingestDlq', 14],
    ['jobs', 4],
    ['jobsDlq', 14],
  ] as const)(
    '%s is encrypted with the SQS-managed key, kept %i days and TLS-only',
    (name, days) => {
      const id = t.id(queue(name));
      expect(t.resources[id]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: days * 86_400,
      });
      expect(t.resources[id]?.Properties.KmsMasterKeyId).toBeUndefined();
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

  it.each(['delivery', 'slow'] as const)(
    '%s: redrives crashing deliveries to the delivery DLQ after maxReceiveCount receives',
    (name) => {
      expect(t.resource(queue(name)).Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf(t.id(queue('dlq'))),
        maxReceiveCount: 100,
      });
    },
  );

  it.each(['delivery', 'slow'] as const)(
    '%s: hides a received delivery for 6 × the dispatcher timeout',
    (name) => {
      const dispatcherTimeout = t.resource(fns().dispatcher).Properties.Timeout as number;
      expect(t.resource(queue(name)).Properties.VisibilityTimeout).toBe(6 * dispatcherTimeout);
      expect(t.resource(queue(name)).Properties.VisibilityTimeout).toBe(
        deriveTimeouts(t.settings).queueVisibilityTimeoutSeconds,
      );
    },
  );

  it('keeps the slow lane apart from the delivery queue, with no delay of its own', () => {
    expect(t.id(queue('slow'))).not.toBe(t.id(queue('delivery')));
    for (const name of ['delivery', 'slow'] as const) {
      expect(t.resource(queue(name)).Properties.DelaySeconds).toBeUndefined();
      expect(t.resource(queue(name)).Properties.QueueName).toBeUndefined();
    }
  });

  it('redrives a job page that crashed the replay function 5 times to the jobs DLQ', () => {
    expect(t.resource(queue('jobs')).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(t.id(queue('jobsDlq'))),
      maxReceiveCount: 5,
    });
    expect(t.resource(queue('jobsDlq')).Properties.RedrivePolicy).toBeUndefined();
  });

  it('hides a received job page for 6 × the replay timeout', () => {
    const replayTimeout = t.resource(fns().replay).Properties.Timeout as number;
    expect(t.resource(queue('jobs')).Properties.VisibilityTimeout).toBe(
      deriveTimeouts(t.settings).jobsVisibilityTimeoutSeconds,
    );
    expect(t.resource(queue('jobs')).Properties.VisibilityTimeout).toBe(6 * replayTimeout);
  });
});

describe('functions', () => {
  const names = ['ingest', 'management', 'keys', 'dispatcher', 'replay', 'authorizer'] as const;

  it("are exactly these six, beside CDK's two console deployment handlers", () => {
    // Prepare: the handlers aws-cdk-lib adds for the console (its BucketDeployment, and the
    // auto-delete of its files bucket) run only while CloudFormation deploys.
    const cdkHandler =
      /^Custom(CDKBucketDeployment|S3AutoDeleteObjectsCustomResourceProviderHandler)/;

    // Act
    const ids = t.ofType('AWS::Lambda::Function').map(([id]) => id);

    // Assess
    expect(ids.filter((id) => !cdkHandler.test(id)).sort()).toEqual(
      names.map((name) => t.id(fns()[name])).sort(),
    );
    expect(ids.filter((id) => cdkHandler.test(id))).toHaveLength(2);
    expect(t.stack.functions).toHaveLength(names.length);
  });

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

  it.each(names)('%s is told the settings and only the tables and queues it uses', (name) => {
    // Prepare: what every function gets, then the storage it uses and what it alone needs.
    const { stack } = t;
    const uses = FUNCTION_STORAGE[name];
    const expected: Record<string, unknown> = {
      ...settingsEnvironment(t.settings),
      ALLOW_PRIVATE_TARGETS: 'false',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'hookline',
      POWERTOOLS_METRICS_NAMESPACE: 'Hookline',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    for (const table of uses.tables)
      expected[tables[table].envVar] = ref(t.id(stack.storage.tables[table]));
    for (const queue of uses.queues) {
      const envVar = (queues[queue] as QueueDefinition).envVar;
      if (envVar) expected[envVar] = ref(t.id(stack.queues[queue]));
    }
    const keyArn = arnOf(t.id(stack.storage.endpointSecretsKey));
    const extra: Partial<Record<(typeof names)[number], Record<string, unknown>>> = {
      authorizer: { [BOOTSTRAP_ADMIN_KEY_SECRET_ENV]: ref(t.id(stack.auth.bootstrapAdminKey)) },
      management: {
        [functionEnv.endpointSecretsKeyArn]: keyArn,
        [functionEnv.cursorSecretArn]: ref(t.id(stack.api.cursorSecret)),
      },
      dispatcher: {
        [functionEnv.endpointSecretsKeyArn]: keyArn,
        [operationsBus.envVar]: ref(t.id(stack.ingress.operationsBus)),
      },
      // Portal links start with the console's address (console hosting is on by default).
      keys: {
        [functionEnv.consoleUrl]: {
          'Fn::Join': [
            '',
            [
              'https://',
              { 'Fn::GetAtt': [t.id(stack.console?.distribution as IConstruct), 'DomainName'] },
              '/',
            ],
          ],
        },
      },
    };

    // Act
    const environment = t.environment(fns()[name]);

    // Assess: exactly that; no function is told the producers' bus any more.
    expect(environment).toEqual({ ...expected, ...extra[name] });
    expect(environment).not.toHaveProperty(eventBus.envVar);
    expect(environment).toMatchObject({
      CIRCUIT_BREAKER_THRESHOLD: '5',
      CIRCUIT_BREAKER_COOLDOWN_SECONDS: '30',
      CIRCUIT_BREAKER_FAILURE_RATE_PERCENT: '90',
      SLOW_ENDPOINT_SECONDS: '2',
      MAX_RECEIVE_COUNT: '100',
    });
    // Concurrency is the event source mappings' business, not the functions'.
    expect(environment).not.toHaveProperty('DISPATCHER_MAX_CONCURRENCY');
    expect(environment).not.toHaveProperty('SLOW_LANE_MAX_CONCURRENCY');
  });

  it('tells the dispatcher, and only it, the URL of the slow lane', () => {
    const told = (Object.keys(fns()) as FunctionName[]).filter(
      (name) => queues.slowDelivery.envVar in t.environment(fns()[name]),
    );
    expect(told).toEqual(['dispatcher']);
    expect(t.environment(fns().dispatcher)[queues.slowDelivery.envVar]).toEqual(
      ref(t.id(t.stack.pipeline.slowDeliveryQueue)),
    );
  });

  it('tells each function the tables and queues its adapters build, and no more', () => {
    // Prepare: the variables the stack gives each function for its storage, plus every other
    // variable (keys, secrets, buses), as configFromEnvironment would read them in AWS
    const others = {
      ...Object.fromEntries(
        [...Object.values(functionEnv), operationsBus.envVar].map((name) => [
          name,
          `value-${name}`,
        ]),
      ),
      [functionEnv.endpointCacheMs]: '5000',
      [functionEnv.allowPrivateTargets]: 'false',
    };
    const storageEnv = (name: FunctionName, without?: string) =>
      Object.fromEntries(
        [
          ...FUNCTION_STORAGE[name].tables.map((table) => tables[table].envVar),
          ...FUNCTION_STORAGE[name].queues.map(
            (queue) => (queues[queue] as QueueDefinition).envVar,
          ),
        ]
          .filter((variable): variable is string => variable !== undefined && variable !== without)
          .map((variable) => [variable, `value-of-${variable}`]),
      );
    const build = (name: FunctionName, env: Record<string, string>) => () =>
      WIRING[name](configFromEnvironment({ AWS_REGION: 'us-east-1', ...others, ...env }));

    for (const name of Object.keys(WIRING) as FunctionName[]) {
      // Act / Assess: the wiring builds with exactly these variables, and needs each of them
      expect(build(name, storageEnv(name)), name).not.toThrow();
      for (const variable of Object.keys(storageEnv(name))) {
        expect(build(name, storageEnv(name, variable)), `${name} without ${variable}`).toThrow(
          variable,
        );
      }
    }
  });

  it('keeps the timeouts consistent', () => {
    const timeout = (fn: keyof ReturnType<typeof fns>) =>
      t.resource(fns()[fn]).Properties.Timeout as number;
    const visibility = t.resource(t.stack.pipeline.deliveryQueue).Properties
      .VisibilityTimeout as number;
    expect(timeout('dispatcher')).toBe(deriveTimeouts(t.settings).dispatcherTimeoutSeconds);
    expect(timeout('dispatcher')).toBeGreaterThan(15);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout('dispatcher'));
    expect(timeout('replay')).toBe(deriveTimeouts(t.settings).replayTimeoutSeconds);
    expect(timeout('replay')).toBe(300);
    // API Gateway gives up on an integration after 30 s.
    expect(timeout('ingest')).toBeLessThan(30);
    expect(timeout('management')).toBeLessThan(30);
    expect(timeout('keys')).toBeLessThan(30);
    // Every uncached request waits for the authorizer.
    expect(timeout('authorizer')).toBe(5);
  });

  const mappingsOf = (fn: keyof ReturnType<typeof fns>) =>
    t
      .ofType('AWS::Lambda::EventSourceMapping')
      .filter(
        ([, m]) =>
          JSON.stringify(m.Properties.FunctionName) === JSON.stringify(ref(t.id(fns()[fn]))),
      )
      .map(([, m]) => m.Properties);

  it('has two event source mappings for the dispatcher (one per lane) and one for replay', () => {
    expect(t.ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(3);
    expect(mappingsOf('dispatcher')).toHaveLength(2);
    expect(mappingsOf('replay')).toHaveLength(1);
  });

  it('keeps the logical id of the delivery queue mapping, so the deployed one is updated in place', () => {
    const [id] =
      t
        .ofType('AWS::Lambda::EventSourceMapping')
        .find(
          ([, m]) =>
            JSON.stringify(m.Properties.EventSourceArn) ===
            JSON.stringify(arnOf(t.id(t.stack.pipeline.deliveryQueue))),
        ) ?? [];
    expect(id).toBe(
      'DeliveryPipelineDispatcherSqsEventSourceHooklineDeliveryPipelineDeliveryQueueB1FC7F9D2A804DC8',
    );
  });

  it.each([
    ['delivery queue', 50, () => t.stack.pipeline.deliveryQueue],
    ['slow lane', 20, () => t.stack.pipeline.slowDeliveryQueue],
  ] as const)(
    'drains the %s in batches with partial failures, at most %i invocations at once',
    (_name, maxConcurrency, lane) => {
      expect(mappingsOf('dispatcher')).toContainEqual({
        EventSourceArn: arnOf(t.id(lane())),
        FunctionName: ref(t.id(fns().dispatcher)),
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: maxConcurrency },
      });
    },
  );

  it('works through the jobs queue one page per invocation, reporting a failed page', () => {
    expect(mappingsOf('replay')[0]).toEqual({
      EventSourceArn: arnOf(t.id(t.stack.replay.jobsQueue)),
      FunctionName: ref(t.id(fns().replay)),
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('HTTP API', () => {
  const authorizers = () => t.ofType('AWS::ApiGatewayV2::Authorizer');
  const authorizerId = () => authorizers()[0]?.[0] ?? '';

  it('has one Lambda authorizer: the API key function, simple responses, cached per key', () => {
    expect(authorizers()).toHaveLength(1);
    const properties = authorizers()[0]?.[1].Properties;
    expect(properties).toMatchObject({
      ApiId: ref(t.id(t.stack.api.httpApi)),
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_SECONDS,
    });
    expect(AUTHORIZER_CACHE_SECONDS).toBe(300);
    expect(JSON.stringify(properties?.AuthorizerUri)).toContain(
      JSON.stringify(arnOf(t.id(fns().authorizer))),
    );
    // API Gateway assumes no role: the function allows this authorizer, and only it, to invoke.
    expect(properties?.AuthorizerCredentialsArn).toBeUndefined();
    const invokers = t
      .ofType('AWS::Lambda::Permission')
      .filter(
        ([, p]) =>
          JSON.stringify(p.Properties.FunctionName) ===
          JSON.stringify(arnOf(t.id(fns().authorizer))),
      );
    expect(invokers).toHaveLength(1);
    expect(invokers[0]?.[1].Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
    const sourceArn = JSON.stringify(invokers[0]?.[1].Properties.SourceArn);
    expect(sourceArn).toContain(`"/authorizers/",${JSON.stringify(ref(authorizerId()))}`);
  });

  it.each(apiRoutes)(
    '$method $path runs the authorizer if and only if it is authorized',
    (route) => {
      const found = t
        .ofType('AWS::ApiGatewayV2::Route')
        .find(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`);
      const properties = found?.[1].Properties;
      if (route.authorized) {
        expect(properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: ref(authorizerId()),
        });
      } else {
        expect(properties?.AuthorizationType).toBe('NONE');
        expect(properties?.AuthorizerId).toBeUndefined();
      }
    },
  );

  it('leaves only GET /health public', () => {
    expect(apiRoutes.filter((route) => !route.authorized).map((r) => r.path)).toEqual(['/health']);
    expect(apiRoutes.filter((route) => route.authorized)).toHaveLength(apiRoutes.length - 1);
  });

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
      const target = fns()[route.target];
      expect(t.resources[integrationId]?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arnOf(t.id(target)),
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('serves API keys and portal sessions from the keys function, matched before the management catch-all', () => {
    // Prepare
    const keyRoutes = apiRoutes.filter((route) => route.target === 'keys');

    // Act
    const order = apiRoutes.map((route) => `${route.method} ${route.path}`);

    // Assess
    expect(keyRoutes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'POST /v1/api-keys',
      'GET /v1/api-keys',
      'DELETE /v1/api-keys/{id}',
      'POST /v1/portal-sessions',
    ]);
    expect(keyRoutes.every((route) => route.authorized)).toBe(true);
    for (const route of keyRoutes) {
      expect(order.indexOf(`${route.method} ${route.path}`)).toBeLessThan(
        order.indexOf('ANY /v1/{proxy+}'),
      );
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

describe('API key authorizer', () => {
  it('runs Node 24 on arm64 with a short timeout and small memory', () => {
    expect(t.resource(fns().authorizer).Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 5,
      MemorySize: 256,
    });
    expect(t.environment(fns().authorizer)).toMatchObject({
      [BOOTSTRAP_ADMIN_KEY_SECRET_ENV]: ref(t.id(t.stack.auth.bootstrapAdminKey)),
      [tables.apiKeys.envVar]: ref(t.id(t.stack.storage.tables.apiKeys)),
      POWERTOOLS_SERVICE_NAME: 'hookline',
    });
  });

  it('generates the bootstrap admin key at deploy: 48 letters and digits', () => {
    const secrets = t.ofType('AWS::SecretsManager::Secret');
    // The bootstrap admin key and the cursor signing key.
    expect(secrets).toHaveLength(2);
    const properties = t.resource(t.stack.auth.bootstrapAdminKey).Properties;
    expect(properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      PasswordLength: 48,
    });
    // Never a value in the template, and the AWS-managed key (aws/secretsmanager).
    expect(properties.SecretString).toBeUndefined();
    expect(properties.KmsKeyId).toBeUndefined();
  });

  it('retains the secret like the tables, and deletes it when deletion protection is off', () => {
    expect(t.resource(t.stack.auth.bootstrapAdminKey)).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(unprotected.resource(unprotected.stack.auth.bootstrapAdminKey)).toMatchObject({
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });
});

describe('cursor signing secret', () => {
  it('is generated at deploy: 64 letters and digits, never a value in the template', () => {
    const properties = t.resource(t.stack.api.cursorSecret).Properties;
    expect(properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      PasswordLength: 64,
    });
    expect(properties.SecretString).toBeUndefined();
  });

  it('is retained like the tables, and deleted when deletion protection is off', () => {
    expect(t.resource(t.stack.api.cursorSecret)).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(unprotected.resource(unprotected.stack.api.cursorSecret)).toMatchObject({
      DeletionPolicy: 'Delete',
    });
  });
});

describe('EventBridge ingress', () => {
  it('creates the bus under its default name', () => {
    t.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'hookline' });
  });

  it('creates the operations bus beside it, under the name #shared gives it', () => {
    expect(t.ofType('AWS::Events::EventBus')).toHaveLength(2);
    expect(t.resource(t.stack.ingress.operationsBus).Properties.Name).toBe(
      operationsBus.defaultName,
    );
  });

  it("routes nothing from the operations bus: rules there are the users' own", () => {
    const rules = t.ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties.EventBusName);
    expect(rules).toEqual([ref(t.id(t.stack.ingress.eventBus))]);
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

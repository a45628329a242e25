import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WebhookReceiver, webhookReceiverEnv } from '@hookline/receiver/cdk';
import { App, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { receiverEnv } from '../../packages/receiver/src/receiver-env';
import { acknowledgedRules, nagViolations } from './nag-report';
import { arnOf, asArray, type CfnResource, ref, repoRoot, type Statement } from './synth';

// One synth shared by every assertion: a consumer's stack with the receiver's defaults,
// validated by cdk-nag's AwsSolutions pack. Tuned props: webhook-receiver-props.test.ts.
const app = new App();
const stack = new Stack(app, 'Consumer');
let worker: LambdaFunction;
let receiver: WebhookReceiver;
let t: Template;
let nagError: Error | undefined;
let outdir: string;

beforeAll(() => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // A worker as a careful consumer writes it: 20 s timeout, a role without managed policy.
  const role = new Role(stack, 'WorkerRole', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
  });
  const logGroup = new LogGroup(stack, 'WorkerLogs');
  logGroup.grantWrite(role);
  worker = new LambdaFunction(stack, 'Worker', {
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    timeout: Duration.seconds(20),
    role,
    logGroup,
  });
  receiver = new WebhookReceiver(stack, 'Receiver', { worker });
  try {
    const assembly = app.synth();
    outdir = assembly.directory;
    t = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  } catch (error) {
    nagError = error as Error;
  }
}, 60_000);

const idOf = (construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

const resourceOf = (construct: IConstruct): CfnResource => {
  const resource = t.toJSON().Resources[idOf(construct)] as CfnResource | undefined;
  if (!resource) throw new Error(`no resource for ${construct.node.path}`);
  return resource;
};

/** The actions a role is allowed, by the JSON of each resource. */
function grants(role: IConstruct | undefined): Record<string, string[]> {
  if (!role) throw new Error('no role');
  const byResource: Record<string, string[]> = {};
  for (const policy of Object.values(t.findResources('AWS::IAM::Policy'))) {
    const { Roles, PolicyDocument } = (policy as CfnResource).Properties as {
      Roles: unknown[];
      PolicyDocument: { Statement: Statement[] };
    };
    if (!JSON.stringify(Roles).includes(`"${idOf(role)}"`)) continue;
    for (const statement of PolicyDocument.Statement) {
      if (statement.Effect !== 'Allow') continue;
      for (const resource of asArray(statement.Resource)) {
        const key = JSON.stringify(resource);
        byResource[key] = [...(byResource[key] ?? []), ...asArray(statement.Action)].sort();
      }
    }
  }
  return byResource;
}

describe('the verifying function', () => {
  it('runs the bundled handler on Node.js 24, arm64, with the environment the handler reads', () => {
    // Prepare: the construct repeats the handler's names rather than importing its module.
    const fn = resourceOf(receiver.function).Properties as {
      Environment: { Variables: Record<string, unknown> };
    };

    // Act
    const names = Object.keys(fn.Environment.Variables).sort();

    // Assess
    expect(webhookReceiverEnv).toEqual(receiverEnv);
    expect(names).toEqual(Object.values(receiverEnv).sort());
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 10,
      Environment: {
        Variables: {
          [receiverEnv.secretArn]: ref(idOf(receiver.secret)),
          [receiverEnv.queueUrl]: ref(idOf(receiver.queue)),
          [receiverEnv.idempotencyTableName]: ref(idOf(receiver.table)),
          [receiverEnv.toleranceSeconds]: '300',
          [receiverEnv.secretCacheSeconds]: '300',
        },
      },
    });
  });

  it('deploys packages/receiver/function, resolved from the built dist/cdk module', () => {
    // Prepare
    const { S3Key } = (resourceOf(receiver.function).Properties as { Code: { S3Key: string } })
      .Code;

    // Act: the staged copy of the asset in the cloud assembly.
    const staged = path.join(outdir, `asset.${S3Key.replace(/\.zip$/, '')}`);

    // Assess: the bundle the package ships, and nothing else.
    const shipped = path.join(repoRoot, 'packages', 'receiver', 'function');
    expect(existsSync(staged)).toBe(true);
    expect(readdirSync(staged)).toEqual(readdirSync(shipped));
    expect(readFileSync(path.join(staged, 'index.mjs'))).toEqual(
      readFileSync(path.join(shipped, 'index.mjs')),
    );
  });

  it('may read the secret, dedupe on the table and send to the queue, nothing more', () => {
    // Prepare
    const secretRef = JSON.stringify(ref(idOf(receiver.secret)));

    // Act
    const own = grants(receiver.function.role);
    const workers = grants(worker.role);

    // Assess
    expect(own).toEqual({
      [JSON.stringify(arnOf(idOf(receiver.logGroup)))]: [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ],
      [secretRef]: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      [JSON.stringify(arnOf(idOf(receiver.table)))]: [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      [JSON.stringify(arnOf(idOf(receiver.queue)))]: ['sqs:SendMessage'],
    });
    // The verifying function's role is the only one that may read the secret.
    expect(workers[secretRef]).toBeUndefined();
    const secretPolicies = Object.values(t.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes(secretRef),
    );
    expect(secretPolicies).toHaveLength(1);
    expect(resourceOf(receiver.function.role as IConstruct).Properties).not.toHaveProperty(
      'ManagedPolicyArns',
    );
  });
});

describe('the HTTP API', () => {
  it('routes POST /webhook to the verifying function, with no API Gateway authorizer', () => {
    t.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhook',
      AuthorizationType: 'NONE',
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arnOf(idOf(receiver.function)),
      PayloadFormatVersion: '2.0',
    });
  });

  it('logs each request and throttles the default stage', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: arnOf(idOf(receiver.accessLogGroup)),
        Format: Match.stringLikeRegexp('"status":"\\$context.status"'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  it('gives the URL to register in Hookline', () => {
    // Prepare, Act
    const url = JSON.stringify(stack.resolve(receiver.url));

    // Assess: https://<api id>.execute-api.<region>.<suffix>/ followed by the path.
    expect(url).toContain(`"https://",{"Ref":"${idOf(receiver.api)}"},".execute-api."`);
    expect(url).toMatch(/\/webhook"\]\]\}$/);
  });
});

describe('the queue', () => {
  it('is encrypted, TLS-only and dead-letters after five receives', () => {
    // Prepare
    const [queueId, dlqId] = [idOf(receiver.queue), idOf(receiver.deadLetterQueue)];

    // Act
    const [queue, dlq] = [resourceOf(receiver.queue), resourceOf(receiver.deadLetterQueue)];

    // Assess: visibility is six times the worker's 20 s timeout.
    expect(queue.Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 120,
      MessageRetentionPeriod: 4 * 86_400,
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlqId), maxReceiveCount: 5 },
    });
    expect(dlq.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    for (const id of [queueId, dlqId]) {
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('feeds the worker, ten messages at a time, with partial batch responses', () => {
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(idOf(worker)),
      EventSourceArn: arnOf(idOf(receiver.queue)),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    expect(grants(worker.role)[JSON.stringify(arnOf(idOf(receiver.queue)))]).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
  });
});

describe('the idempotency table and the secret', () => {
  it('keys records by id, expires them on expiration, on demand with PITR, kept', () => {
    // Prepare, Act
    const table = resourceOf(receiver.table);

    // Assess
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('creates a kept secret whose placeholder verifies nothing until the whsec_ is put', () => {
    // Prepare, Act
    const secret = resourceOf(receiver.secret);

    // Assess: a character outside base64 is required, so the placeholder never decodes.
    expect(secret.Properties).toMatchObject({
      Description: expect.stringContaining('aws secretsmanager put-secret-value'),
      GenerateSecretString: { ExcludeCharacters: '+/=', RequireEachIncludedType: true },
    });
    expect(secret.DeletionPolicy).toBe('Retain');
    for (const logGroup of [receiver.logGroup, receiver.accessLogGroup]) {
      expect(resourceOf(logGroup)).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: { RetentionInDays: 30 },
      });
    }
  });
});

describe('alarms', () => {
  it('watch dead letters, queue age, both functions and the API, without action', () => {
    // Prepare
    const dimension = (name: string, value: unknown) => [{ Name: name, Value: value }];
    const queueName = (queue: IConstruct) => ({ 'Fn::GetAtt': [idOf(queue), 'QueueName'] });
    const found = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => (alarm as CfnResource).Properties,
    );

    // Act
    const alarms = found.map((alarm) => ({
      metric: `${alarm.Namespace}/${alarm.MetricName}`,
      dimensions: alarm.Dimensions,
      threshold: alarm.Threshold,
    }));

    // Assess
    const lambdaErrors = (fn: IConstruct) => ({
      metric: 'AWS/Lambda/Errors',
      dimensions: dimension('FunctionName', ref(idOf(fn))),
      threshold: 1,
    });
    expect(alarms).toHaveLength(5);
    expect(alarms).toEqual(
      expect.arrayContaining([
        {
          metric: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
          dimensions: dimension('QueueName', queueName(receiver.deadLetterQueue)),
          threshold: 1,
        },
        {
          metric: 'AWS/SQS/ApproximateAgeOfOldestMessage',
          dimensions: dimension('QueueName', queueName(receiver.queue)),
          threshold: 900,
        },
        lambdaErrors(receiver.function),
        lambdaErrors(worker),
        {
          metric: 'AWS/ApiGateway/5xx',
          dimensions: dimension('ApiId', ref(idOf(receiver.api))),
          threshold: 1,
        },
      ]),
    );
    for (const alarm of found) {
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmActions).toBeUndefined();
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('leaves no unacknowledged finding', () => {
    expect(nagError?.message).toBeUndefined();
    expect(nagViolations(outdir)).toEqual([]);
  });

  it('acknowledges only the open route and the Hookline-issued secret, each with a reason', () => {
    // Prepare
    const acknowledged = acknowledgedRules(stack);

    // Act
    const found = acknowledged.map(({ rule, path }) => ({ rule, path }));

    // Assess: each on its own construct, never on the receiver or the stack as a whole.
    expect(found).toEqual([
      { rule: 'AwsSolutions-SMG4', path: receiver.secret.node.path },
      { rule: 'AwsSolutions-APIG4', path: receiver.route.node.path },
    ]);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(100);
  });
});

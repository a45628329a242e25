import { WebhookReceiver, type WebhookReceiverProps } from '@hookline/receiver/cdk';
import { App, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, type IFunction, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { receiverEnv } from '../../packages/receiver/src/receiver-env';
import { arnOf, type CfnResource, ref } from './synth';

/** A consumer's stack: a worker with a 20 s timeout and a receiver with `props` in front. */
function build(props: (stack: Stack) => Partial<WebhookReceiverProps> = () => ({})) {
  const stack = new Stack(new App(), 'Consumer');
  const worker: IFunction = new LambdaFunction(stack, 'Worker', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    timeout: Duration.seconds(20),
  });
  const receiver = new WebhookReceiver(stack, 'Receiver', { worker, ...props(stack) });
  return { stack, receiver };
}

// One synth: every prop a consumer is likely to tune, set away from its default.
let stack: Stack;
let receiver: WebhookReceiver;
let t: Template;

beforeAll(() => {
  ({ stack, receiver } = build((scope) => ({
    path: '/hooks/hookline',
    secret: new Secret(scope, 'OwnSecret'),
    encryptionKey: new Key(scope, 'QueueKey'),
    alarmTopic: new Topic(scope, 'AlarmTopic'),
    memorySize: 1024,
    timeout: Duration.seconds(5),
    timestampTolerance: Duration.minutes(2),
    secretCacheDuration: Duration.seconds(60),
    throttle: { rateLimit: 20, burstLimit: 40 },
    batchSize: 50,
    maxBatchingWindow: Duration.seconds(10),
    maxConcurrency: 5,
    maxReceiveCount: 3,
    retentionPeriod: Duration.days(1),
    oldestMessageAgeAlarmThreshold: Duration.hours(1),
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  })));
  t = Template.fromStack(stack);
}, 60_000);

const idOf = (construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);
const child = (id: string) => stack.node.findChild(id);
const resourceOf = (construct: IConstruct) => t.toJSON().Resources[idOf(construct)] as CfnResource;

/** The receiver function's role is allowed `actions` on `resource`. */
const allows = (resource: unknown, actions: string[]) =>
  t.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [ref(idOf(receiver.function.role as IConstruct))],
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({ Action: actions, Resource: resource })]),
    },
  });

describe('tuned props', () => {
  it('route the path given, throttled as given', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /hooks/hookline' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    expect(JSON.stringify(stack.resolve(receiver.url))).toMatch(/\/hooks\/hookline"\]\]\}$/);
  });

  it('size the verifying function and set its tolerance and secret cache', () => {
    expect(resourceOf(receiver.function).Properties).toMatchObject({
      MemorySize: 1024,
      Timeout: 5,
      Environment: {
        Variables: {
          [receiverEnv.toleranceSeconds]: '120',
          [receiverEnv.secretCacheSeconds]: '60',
        },
      },
    });
  });

  it('encrypt both queues with the key, which the verifying function may encrypt with', () => {
    // Prepare
    const keyArn = arnOf(idOf(child('QueueKey')));

    // Act
    const [queue, dlq] = [resourceOf(receiver.queue), resourceOf(receiver.deadLetterQueue)];

    // Assess: visibility is six times the worker's 20 s plus the 10 s batching window.
    expect(queue.Properties).toMatchObject({
      KmsMasterKeyId: keyArn,
      VisibilityTimeout: 130,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
    expect(dlq.Properties).toMatchObject({ KmsMasterKeyId: keyArn });
    allows(keyArn, ['kms:GenerateDataKey', 'kms:Decrypt']);
  });

  it('batch, window and cap the worker invocations', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('use the given secret: no other is created or acknowledged, it alone is granted', () => {
    // Prepare
    const given = child('OwnSecret') as Secret;

    // Act
    const acknowledged = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as object));

    // Assess
    expect(receiver.secret).toBe(given);
    t.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(acknowledged.filter((id) => id.includes('SMG4'))).toEqual([]);
    allows(ref(idOf(given)), ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
  });

  it('remove the table and log groups with the stack, keeping logs a week', () => {
    expect(resourceOf(receiver.table).DeletionPolicy).toBe('Delete');
    for (const logGroup of [receiver.logGroup, receiver.accessLogGroup]) {
      expect(resourceOf(logGroup)).toMatchObject({
        DeletionPolicy: 'Delete',
        Properties: { RetentionInDays: 7 },
      });
    }
  });

  it('notify the alarm topic on ALARM and OK', () => {
    // Prepare
    const topic = ref(idOf(child('AlarmTopic')));

    // Act
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => (alarm as CfnResource).Properties,
    );

    // Assess
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
    const age = alarms.find((alarm) => alarm.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age?.Threshold).toBe(3600);
  });
});

describe('visibility timeout', () => {
  // Built without synth: the checks run in the constructor.
  const visibility = (receiverOf: { stack: Stack; receiver: WebhookReceiver }) =>
    receiverOf.stack.resolve(
      (receiverOf.receiver.queue.node.defaultChild as CfnQueue).visibilityTimeout,
    );
  const warnings = (built: { receiver: WebhookReceiver }) =>
    built.receiver.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning');

  it('refuses one shorter than the worker timeout and warns below six times it', () => {
    expect(() => build(() => ({ visibilityTimeout: Duration.seconds(10) }))).toThrow(
      /shorter than the worker's timeout \(20 s\)/,
    );
    expect(warnings(build(() => ({ visibilityTimeout: Duration.seconds(60) })))).toEqual([
      expect.objectContaining({ data: expect.stringContaining('advised 120 s') }),
    ]);
    const enough = build(() => ({ visibilityTimeout: Duration.seconds(120) }));
    expect(warnings(enough)).toEqual([]);
    expect(visibility(enough)).toBe(120);
  });

  it('allows for the longest Lambda timeout when the worker is imported', () => {
    // Prepare
    const stack = new Stack(new App(), 'Imported');
    const worker = LambdaFunction.fromFunctionArn(
      stack,
      'Worker',
      'arn:aws:lambda:eu-west-1:123456789012:function:worker',
    );

    // Act
    const receiver = new WebhookReceiver(stack, 'Receiver', { worker });

    // Assess: six times 15 minutes.
    expect(visibility({ stack, receiver })).toBe(5400);
  });
});

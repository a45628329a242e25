import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { receiverEnv } from '../receiver-env.js';
import { ReceiverAlarms, type WebhookReceiverAlarms } from './alarms.js';

/** The environment variables the verifying function reads (see `receiver-env.ts`). */
export const webhookReceiverEnv = receiverEnv;

/** The bundled verifying function shipped in the package (`function/index.mjs`). */
const FUNCTION_DIR = fileURLToPath(new URL('../../function/', import.meta.url));

/** What Powertools idempotency (`DynamoDBPersistenceLayer`) calls on its table. */
const IDEMPOTENCY_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

export interface WebhookReceiverProps {
  /**
   * Your function that handles the deliveries. It reads them from the queue in batches
   * (`SQSEvent`): each message body is the delivery body as Hookline sent it
   * (`{type, timestamp, data}`), with `webhook-id`, `webhook-type` and `webhook-timestamp`
   * as message attributes. Report failed messages in `batchItemFailures` (partial batch
   * responses are on); they are received again, and dead-lettered after `maxReceiveCount`.
   * It gets permission to consume the queue; an imported function must carry that itself.
   */
  readonly worker: IFunction;
  /**
   * Path of the `POST` route Hookline delivers to.
   * @default '/webhook'
   */
  readonly path?: string;
  /**
   * The secret holding the endpoint's signing secret: the `whsec_…` value Hookline shows when
   * the endpoint is created (`POST /v1/endpoints`), or several separated by spaces or as a JSON
   * array. Only the verifying function may read it.
   * @default - a new secret (removed per `removalPolicy`) holding a random placeholder that no
   * delivery verifies against (every delivery is answered 500 `bad_secret`, which Hookline
   * retries) until you set it: `aws secretsmanager put-secret-value --secret-id <secret ARN>
   * --secret-string 'whsec_…'`
   */
  readonly secret?: ISecret;
  /**
   * How far a delivery's `webhook-timestamp` may be from now, either way; older ones are
   * refused as replays.
   * @default Duration.minutes(5)
   */
  readonly timestampTolerance?: Duration;
  /**
   * How long the verifying function caches the secret value; a new value is used within it.
   * @default Duration.minutes(5)
   */
  readonly secretCacheDuration?: Duration;
  /**
   * Memory of the verifying function; Lambda gives CPU in proportion, which shortens cold starts.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Timeout of the verifying function; keep it below Hookline's per-attempt HTTP timeout
   * (15 s by default) so a slow attempt ends as a 5xx here rather than a timeout there.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Requests per second (`rateLimit`) and burst of the webhook route; beyond them API Gateway
   * answers 429 and Hookline retries. Set it above the endpoint's `rateLimitPerSecond` in
   * Hookline; it bounds what a flood of forged requests costs.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Messages per worker invocation (up to 10, or 10,000 with `maxBatchingWindow`).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers messages before invoking the worker.
   * @default - none: the worker is invoked as soon as messages are available
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent worker invocations the queue triggers (2–1000), to spare what it calls.
   * @default - no limit beyond the function's and the account's concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Receives of a message before SQS moves it to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Visibility timeout of the queue. AWS advises at least six times the worker's timeout
   * (plus `maxBatchingWindow`); less than its timeout is refused, less than six times warns.
   * @default - six times the worker's timeout plus `maxBatchingWindow`; for a worker that is
   * not a `lambda.Function` of this app (timeout unknown), six times Lambda's maximum, 15 min
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the queue keeps a delivery the worker has not handled. The dead-letter queue
   * keeps messages 14 days, counted (as SQS does) from when they entered this queue.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Customer managed key for the queue and the dead-letter queue.
   * @default - SQS-managed server-side encryption (SSE-SQS)
   */
  readonly encryptionKey?: IKey;
  /**
   * Alarms notify this topic on ALARM and OK. A topic encrypted with a KMS key needs a key
   * policy that lets CloudWatch (`cloudwatch.amazonaws.com`) use it.
   * @default - the alarms have no action
   */
  readonly alarmTopic?: ITopic;
  /**
   * Age of the oldest queued delivery that raises the `oldestMessage` alarm.
   * @default Duration.minutes(15)
   */
  readonly oldestMessageAgeAlarmThreshold?: Duration;
  /**
   * Retention of the verifying function's log group and of the API access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the resources holding data (idempotency table, the secret created here,
   * log groups) when they leave the stack. Kept by default so a stack deletion or a construct
   * id change loses no secret and no logs; use `DESTROY` for throwaway stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Receives Hookline webhooks on AWS: an HTTP API route (`POST /webhook`) runs the verifying
 * function, which checks the Standard Webhooks signature against the secret in Secrets
 * Manager, deduplicates on `webhook-id` (DynamoDB, Powertools idempotency), puts the delivery
 * on an SQS queue and answers 202 at once. Your `worker` function reads the queue; what it
 * fails on every receive lands in a dead-letter queue. Alarms watch the dead letters, the age
 * of the oldest queued delivery, both functions' errors and the API's 5xx.
 *
 * Register {@link url} as the endpoint URL in Hookline, then put the `whsec_…` secret Hookline
 * shows into {@link secret}.
 */
export class WebhookReceiver extends Construct {
  /** The URL to register in Hookline (`POST /v1/endpoints {"url": …}`). */
  readonly url: string;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly route: HttpRoute;
  /** The verifying function. */
  readonly function: LambdaFunction;
  /** Verified deliveries, for the worker. */
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Powertools idempotency records, one per `webhook-id` (partition key `id`, TTL `expiration`). */
  readonly table: Table;
  /** The endpoint's signing secret(s). */
  readonly secret: ISecret;
  readonly eventSource: SqsEventSource;
  readonly logGroup: LogGroup;
  readonly accessLogGroup: LogGroup;
  readonly alarms: WebhookReceiverAlarms;

  constructor(scope: Construct, id: string, props: WebhookReceiverProps) {
    super(scope, id);
    if (!existsSync(`${FUNCTION_DIR}index.mjs`)) {
      throw new Error(
        `the verifying function bundle is missing (${FUNCTION_DIR}index.mjs): build @hookline/receiver first`,
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const path = props.path ?? '/webhook';

    this.secret = props.secret ?? this.createSecret(removalPolicy);
    this.table = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    const encryption = props.encryptionKey
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
      : { encryption: QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      visibilityTimeout: this.visibilityTimeout(props),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: logRetention, removalPolicy });
    this.function = this.createFunction(props);
    this.grantFunction(props.encryptionKey);

    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: props.batchSize ?? 10,
      reportBatchItemFailures: true,
      ...(props.maxBatchingWindow && { maxBatchingWindow: props.maxBatchingWindow }),
      ...(props.maxConcurrency !== undefined && { maxConcurrency: props.maxConcurrency }),
    });
    props.worker.addEventSource(this.eventSource);

    // The default stage is created here rather than by HttpApi so that it logs and throttles.
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: Names.uniqueResourceName(this, { maxLength: 128 }),
      description: 'Receives Hookline webhooks',
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: accessLogFormat(),
      },
    });
    const [route] = this.api.addRoutes({
      path,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('VerifyIntegration', this.function),
    });
    if (!route) throw new Error(`no route was created for POST ${path}`);
    this.route = route;
    Validations.of(this.route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Hookline cannot send an API Gateway credential: each delivery is authenticated by its Standard Webhooks signature (HMAC-SHA256 with the endpoint secret over id, timestamp and body), which the verifying function checks before anything is stored or queued; unsigned or stale requests get 401.',
    });
    this.url = `${this.stage.url}${path.replace(/^\//, '')}`;

    this.alarms = new ReceiverAlarms(this, 'Alarms', {
      api: this.api,
      receiverFunction: this.function,
      worker: props.worker,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      oldestMessageAgeThreshold: props.oldestMessageAgeAlarmThreshold ?? Duration.minutes(15),
      ...(props.alarmTopic && { alarmTopic: props.alarmTopic }),
    }).alarms;
  }

  private createSecret(removalPolicy: RemovalPolicy): Secret {
    const secret = new Secret(this, 'Secret', {
      description:
        "Hookline endpoint signing secret: set it to the whsec_… value Hookline shows (aws secretsmanager put-secret-value --secret-id <this secret's ARN> --secret-string 'whsec_…')",
      // A placeholder with a character outside base64, so that it can never verify a delivery.
      generateSecretString: {
        passwordLength: 32,
        requireEachIncludedType: true,
        excludeCharacters: '+/=',
      },
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The value is the endpoint's signing secret issued by Hookline, not one AWS can generate: rotate it in Hookline (POST /v1/endpoints/{id}/secret/rotate), whose old secret keeps signing for a grace period (24 h by default), and put the new whsec_ value here with aws secretsmanager put-secret-value within that period.",
    });
    return secret;
  }

  private createFunction(props: WebhookReceiverProps): LambdaFunction {
    // No managed policy: the role may write to its own log group and what grantFunction adds.
    const role = new Role(this, 'ServiceRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the Hookline webhook verifying function',
    });
    this.logGroup.grantWrite(role);
    const env = webhookReceiverEnv;
    return new LambdaFunction(this, 'Function', {
      description: 'Verifies Hookline webhooks, deduplicates them and queues them for the worker',
      code: Code.fromAsset(FUNCTION_DIR),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup: this.logGroup,
      environment: {
        [env.secretArn]: this.secret.secretArn,
        [env.queueUrl]: this.queue.queueUrl,
        [env.idempotencyTableName]: this.table.tableName,
        [env.toleranceSeconds]: String(
          (props.timestampTolerance ?? Duration.minutes(5)).toSeconds(),
        ),
        [env.secretCacheSeconds]: String(
          (props.secretCacheDuration ?? Duration.minutes(5)).toSeconds(),
        ),
      },
    });
  }

  /** What the verifying function needs: read the secret (and its key, if any), dedupe, enqueue. */
  private grantFunction(encryptionKey: IKey | undefined): void {
    const fn = this.function;
    this.secret.grantRead(fn);
    this.table.grant(fn, ...IDEMPOTENCY_ACTIONS);
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
    // SendMessage to a queue under a customer managed key needs both.
    encryptionKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  private visibilityTimeout(props: WebhookReceiverProps): Duration {
    const { worker, visibilityTimeout, maxBatchingWindow } = props;
    // A Function of this app: its timeout (Lambda's default is 3 s); otherwise unknown.
    const known = worker instanceof LambdaFunction;
    const workerTimeout = known ? (worker.timeout ?? Duration.seconds(3)) : Duration.minutes(15);
    const window = maxBatchingWindow?.toSeconds() ?? 0;
    const advised = Duration.seconds(6 * workerTimeout.toSeconds() + window);
    if (!visibilityTimeout) return advised;
    const seconds = visibilityTimeout.toSeconds();
    if (known && seconds < workerTimeout.toSeconds()) {
      throw new Error(
        `visibilityTimeout (${seconds} s) is shorter than the worker's timeout (${workerTimeout.toSeconds()} s): Lambda refuses such an event source`,
      );
    }
    if (known && seconds < advised.toSeconds()) {
      Annotations.of(this).addWarningV2(
        '@hookline/receiver:visibilityTimeout',
        `visibilityTimeout (${seconds} s) is below the advised ${advised.toSeconds()} s (six times the worker's timeout plus maxBatchingWindow): a message may be received again while a throttled or retried invocation still holds it`,
      );
    }
    return visibilityTimeout;
  }
}

/** One JSON object per request; never headers or body, so signatures stay out of the logs. */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationError: '$context.integrationErrorMessage',
    }),
  );
}

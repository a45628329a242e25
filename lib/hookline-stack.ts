import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type FunctionName, functionEnv } from '#shared/functions';
import { deadLetterQueueNames, type QueueDefinition, type QueueName, queues } from '#shared/queues';
import { type HooklineSettings, settingsEnvironment } from '#shared/settings';
import { type TableName, tables } from '#shared/tables';
import { Api } from './constructs/api';
import { ApiKeyAuth } from './constructs/auth';
import { ConsoleHosting } from './constructs/console-hosting';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { Ingress } from './constructs/ingress';
import { Monitoring } from './constructs/monitoring';
import { admitSendersOnly } from './constructs/queues';
import { Replay } from './constructs/replay';
import { Storage } from './constructs/storage';
import type { SharedFunctionProps } from './hookline-function';
import {
  type DeploymentSettings,
  defaultDeploymentSettings,
  oldestMessageAgeAlarmDefault,
} from './settings';
import { defaultEventBusName } from './stages';

/** The tables and queues a function is told the name or URL of. */
export interface FunctionStorage {
  readonly tables: readonly TableName[];
  readonly queues: readonly QueueName[];
}

/**
 * What each function uses, and so is told about: the tables and queues its adapters call
 * (see lambda/wiring/), nothing more. test/infra checks that this matches each role's grants.
 * The key, secrets and the operations bus are given by the construct that grants them.
 */
export const FUNCTION_STORAGE: Readonly<Record<FunctionName, FunctionStorage>> = {
  ingest: {
    tables: ['endpoints', 'events', 'idempotency', 'apiKeys', 'feeds', 'attempts'],
    queues: ['delivery'],
  },
  management: {
    tables: [
      'endpoints',
      'events',
      'deliveries',
      'attempts',
      'jobs',
      'idempotency',
      'apiKeys',
      'feeds',
      'endpointState',
    ],
    queues: ['delivery', 'deadLetter', 'jobs'],
  },
  keys: { tables: ['apiKeys'], queues: [] },
  dispatcher: {
    tables: ['endpoints', 'deliveries', 'attempts', 'endpointState', 'feeds'],
    queues: ['delivery', 'slowDelivery', 'deadLetter'],
  },
  replay: {
    tables: ['jobs', 'events', 'endpoints', 'deliveries'],
    queues: ['delivery', 'deadLetter', 'jobs'],
  },
  authorizer: { tables: ['apiKeys'], queues: [] },
};

export interface HooklineStackProps extends StackProps, Partial<DeploymentSettings> {
  /** Runtime settings, usually read from context with `settingsFromContext`. */
  readonly settings: HooklineSettings;
}

/**
 * The whole of Hookline in one stack: storage, delivery pipeline, replay, HTTP API with its
 * API key authorizer, bus ingress, and the alarms and dashboard that watch them.
 */
export class HooklineStack extends Stack {
  readonly storage: Storage;
  readonly pipeline: DeliveryPipeline;
  readonly replay: Replay;
  readonly auth: ApiKeyAuth;
  readonly api: Api;
  readonly ingress: Ingress;
  readonly monitoring: Monitoring;
  /** The console and tenant portal on CloudFront; `undefined` when `consoleHosting` is off. */
  readonly console: ConsoleHosting | undefined;

  constructor(scope: Construct, id: string, props: HooklineStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const deletionProtection =
      props.deletionProtection ?? defaultDeploymentSettings.deletionProtection;
    const logRetentionDays = props.logRetentionDays ?? defaultDeploymentSettings.logRetentionDays;
    // Tables, log groups, keys and secrets alike.
    const removalPolicy = deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRemovalPolicy = removalPolicy;
    // One namespace per stack, written by its functions and read by its alarms and dashboard.
    const metricsNamespace = this.stackName;
    const functionProps: SharedFunctionProps = {
      logRetentionDays,
      logRemovalPolicy,
      metricsNamespace,
    };

    this.storage = new Storage(this, 'Storage', { deletionProtection });
    this.pipeline = new DeliveryPipeline(this, 'DeliveryPipeline', {
      settings,
      tables: this.storage.tables,
      endpointSecretsKey: this.storage.endpointSecretsKey,
      functionProps,
    });
    this.replay = new Replay(this, 'Replay', {
      settings,
      tables: this.storage.tables,
      deliveryQueue: this.pipeline.deliveryQueue,
      deadLetterQueue: this.pipeline.deadLetterQueue,
      functionProps,
    });
    this.auth = new ApiKeyAuth(this, 'Auth', {
      apiKeysTable: this.storage.tables.apiKeys,
      functionProps,
      secretRemovalPolicy: removalPolicy,
    });
    this.api = new Api(this, 'Api', {
      tables: this.storage.tables,
      deliveryQueue: this.pipeline.deliveryQueue,
      deadLetterQueue: this.pipeline.deadLetterQueue,
      jobsQueue: this.replay.jobsQueue,
      endpointSecretsKey: this.storage.endpointSecretsKey,
      authorizer: this.auth.authorizer,
      functionProps,
      accessLogRetentionDays: logRetentionDays,
      accessLogRemovalPolicy: logRemovalPolicy,
      secretRemovalPolicy: removalPolicy,
    });
    this.ingress = new Ingress(this, 'Ingress', {
      ingestFunction: this.api.ingestFunction,
      eventBusName: props.eventBusName ?? defaultEventBusName(this.stackName),
      // The dispatcher reports dead letters and endpoint health as `hookline.*` events.
      operationalPublishers: [this.pipeline.dispatcher],
    });

    for (const [name, fn] of Object.entries(this.functionsByName) as [FunctionName, LambdaFn][]) {
      const environment = this.functionEnvironment(settings, FUNCTION_STORAGE[name]);
      for (const [key, value] of Object.entries(environment)) fn.addEnvironment(key, value);
    }
    this.admitQueueSenders();

    this.console =
      (props.consoleHosting ?? defaultDeploymentSettings.consoleHosting)
        ? this.hostConsole(settings, logRetentionDays, logRemovalPolicy)
        : undefined;

    this.monitoring = this.createMonitoring(props, removalPolicy, metricsNamespace);
    this.addOutputs();
    this.acknowledgeNagFindings();
  }

  /**
   * What a function is told: the name of each table and the URL of each queue it uses (by
   * the variable that `#shared` names for it), the settings, and that SSRF protection is on.
   */
  private functionEnvironment(
    settings: HooklineSettings,
    uses: FunctionStorage,
  ): Record<string, string> {
    const urls = uses.queues.flatMap((name) => {
      const envVar = (queues[name] as QueueDefinition).envVar;
      return envVar === undefined ? [] : [[envVar, this.queues[name].queueUrl]];
    });
    return {
      ...Object.fromEntries(
        uses.tables.map((name) => [tables[name].envVar, this.storage.tables[name].tableName]),
      ),
      ...Object.fromEntries(urls),
      ...settingsEnvironment(settings),
      // SSRF guard: in AWS, deliver only to public https addresses.
      [functionEnv.allowPrivateTargets]: 'false',
    };
  }

  /**
   * Each queue admits `sqs:SendMessage` from the roles that send to it and from no other
   * principal: a message on a delivery lane is signed and sent by the dispatcher, so
   * whoever can send one gets arbitrary signed webhooks. The dispatcher sends its own waits
   * (retries, deferrals) to both lanes; only it moves deliveries to the slow lane. SQS itself
   * fills the dead-letter queues through their redrive policies, and EventBridge the ingest
   * DLQ (its rule's Allow).
   */
  private admitQueueSenders(): void {
    const { ingest, management, dispatcher, replay } = this.functionsByName;
    const senders: Readonly<Record<QueueName, readonly LambdaFn[]>> = {
      delivery: [ingest, management, dispatcher, replay],
      slowDelivery: [dispatcher],
      deadLetter: [dispatcher],
      jobs: [management, replay],
      jobsDeadLetter: [],
      // Ingest's asynchronous invocations that failed (its on-failure destination).
      ingestDeadLetter: [ingest],
    };
    for (const [name, queue] of Object.entries(this.queues) as [QueueName, IQueue][]) {
      admitSendersOnly(queue, senders[name]);
    }
  }

  /**
   * The console on CloudFront, in front of the API too; the keys function learns its address
   * to build tenant portal links (`<url>#portal=<token>`). Without hosting it stays unset and
   * the keys function returns no link.
   */
  private hostConsole(
    settings: HooklineSettings,
    logRetentionDays: RetentionDays,
    logRemovalPolicy: RemovalPolicy,
  ): ConsoleHosting {
    const hosting = new ConsoleHosting(this, 'Console', {
      api: this.api.httpApi,
      frameAncestors: settings.consoleFrameAncestors,
      logRetentionDays,
      logRemovalPolicy,
    });
    this.api.keysFunction.addEnvironment(functionEnv.consoleUrl, hosting.url);
    return hosting;
  }

  /** Alarms on every endpoint, queue and function, the topic they notify, the dashboard. */
  private createMonitoring(
    props: HooklineStackProps,
    removalPolicy: RemovalPolicy,
    metricsNamespace: string,
  ): Monitoring {
    const defaults = defaultDeploymentSettings;
    return new Monitoring(this, 'Monitoring', {
      metricsNamespace,
      thresholds: {
        failureRatio: props.failureRatioAlarmThreshold ?? defaults.failureRatioAlarmThreshold,
        deadLetters: props.deadLetterAlarmThreshold ?? defaults.deadLetterAlarmThreshold,
        latencyMs: props.latencyAlarmThresholdMs ?? defaults.latencyAlarmThresholdMs,
        oldestMessageAgeSeconds:
          props.oldestMessageAgeAlarmSeconds ?? oldestMessageAgeAlarmDefault(props.settings),
      },
      // Each lane with the setting that bounds its dispatcher concurrency.
      deliveryQueues: {
        [queues.delivery.name]: {
          queue: this.pipeline.deliveryQueue,
          concurrencySetting: 'dispatcherMaxConcurrency',
        },
        [queues.slowDelivery.name]: {
          queue: this.pipeline.slowDeliveryQueue,
          concurrencySetting: 'slowLaneMaxConcurrency',
        },
      },
      deadLetterQueues: Object.fromEntries(
        deadLetterQueueNames.map((name) => [queues[name].name, this.queues[name]]),
      ),
      functions: this.functionsByName,
      alarmEmail: props.alarmEmail,
      keyRemovalPolicy: removalPolicy,
    });
  }

  /** The stack outputs operators and the README's commands use. */
  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the API' });
    if (this.console !== undefined) {
      new CfnOutput(this, 'ConsoleUrl', {
        value: this.console.url,
        description: "The web console's address (CloudFront); tenant portal links start with it",
      });
    }
    new CfnOutput(this, 'EventBusName', {
      value: this.ingress.eventBus.eventBusName,
      description: 'Producers publish here (PutEvents); Hookline only reads it',
    });
    new CfnOutput(this, 'OperationsBusName', {
      value: this.ingress.operationsBus.eventBusName,
      description:
        'Hookline operational events (source hookline): add rules here; only Hookline can put events on it',
    });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.pipeline.deliveryQueue.queueUrl });
    new CfnOutput(this, 'SlowDeliveryQueueUrl', {
      value: this.pipeline.slowDeliveryQueue.queueUrl,
      description: 'The slow lane: deliveries to endpoints that answer slowly or hang',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.pipeline.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'JobsQueueUrl', {
      value: this.replay.jobsQueue.queueUrl,
      description: 'Pages of replay and redrive jobs',
    });
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', {
      value: this.ingress.deadLetterQueue.queueUrl,
      description: 'Bus entries that could not be ingested',
    });
    new CfnOutput(this, 'ApiKeysTableName', {
      value: this.storage.tables.apiKeys.tableName,
      description: 'API key hashes; keys created through the API or the CLI go here',
    });
    new CfnOutput(this, 'BootstrapAdminKeySecretArn', {
      value: this.auth.bootstrapAdminKey.secretArn,
      description:
        'Secret holding the first admin API key, generated at deploy (aws secretsmanager get-secret-value --secret-id <arn>)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'Every alarm notifies this topic; subscribe to it, or set alarmEmail',
    });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
    });
  }

  /** Every Lambda function of the stack. */
  get functions(): readonly LambdaFn[] {
    return Object.values(this.functionsByName);
  }

  /** Every Lambda function of the stack, by the handler it runs. */
  get functionsByName(): Readonly<Record<FunctionName, LambdaFn>> {
    return {
      ingest: this.api.ingestFunction,
      management: this.api.managementFunction,
      keys: this.api.keysFunction,
      dispatcher: this.pipeline.dispatcher,
      replay: this.replay.replayFunction,
      authorizer: this.auth.authorizerFunction,
    };
  }

  /** The queue of each entry of `#shared/queues`, so none can be left out. */
  get queues(): Readonly<Record<QueueName, IQueue>> {
    return {
      delivery: this.pipeline.deliveryQueue,
      slowDelivery: this.pipeline.slowDeliveryQueue,
      deadLetter: this.pipeline.deadLetterQueue,
      jobs: this.replay.jobsQueue,
      jobsDeadLetter: this.replay.jobsDeadLetterQueue,
      ingestDeadLetter: this.ingress.deadLetterQueue,
    };
  }

  /**
   * cdk-nag (AwsSolutions) findings that are deliberate, each with the reason a reviewer needs.
   * Checked by test/infra: any finding not listed here fails the synth.
   */
  private acknowledgeNagFindings(): void {
    // Only this route: every other route has the API key authorizer, and a route made public
    // later is flagged again.
    Validations.of(this.api.route('GET', '/health')).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /health is the public liveness check for uptime monitors: it answers {status, version} without touching any data store, so it needs no API key. Every other route runs the API key authorizer.',
    });
    Validations.of(this.auth.bootstrapAdminKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The secret is Hookline's bootstrap admin API key, not a credential of another service. Operators rotate it by creating a new admin key with the CLI and revoking the bootstrap one; a rotation Lambda would have to know Hookline's key format and write the api-keys table, for a key meant to be used once.",
    });
    Validations.of(this.api.cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is the HMAC key that signs pagination cursors, read only by the management function, not a credential of another service. Rotating it protects no stored data and only invalidates the cursors open at that moment (their next page answers 400), so a rotation Lambda buys nothing; to rotate by hand, put a new random value with aws secretsmanager put-secret-value.',
    });
    Validations.of(this.ingress.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: of the ingest rule target and of the ingest function's async invocations (on-failure destination), which cdk-nag does not recognise as DLQ use.",
    });
  }
}

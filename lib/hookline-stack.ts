import {
  type CfnElement,
  CfnOutput,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { eventBus } from '#shared/bus';
import { type FunctionName, functionEnv } from '#shared/functions';
import { deadLetterQueueNames, type QueueName, queues } from '#shared/queues';
import { type HooklineSettings, settingsEnvironment } from '#shared/settings';
import { type TableName, tables } from '#shared/tables';
import { Api } from './constructs/api';
import { ApiKeyAuth } from './constructs/auth';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { Ingress } from './constructs/ingress';
import { Monitoring } from './constructs/monitoring';
import { Replay } from './constructs/replay';
import { Storage } from './constructs/storage';
import type { SharedFunctionProps } from './hookline-function';
import {
  type DeploymentSettings,
  defaultDeploymentSettings,
  oldestMessageAgeAlarmDefault,
} from './settings';

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

  constructor(scope: Construct, id: string, props: HooklineStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const deletionProtection =
      props.deletionProtection ?? defaultDeploymentSettings.deletionProtection;
    const logRetentionDays = props.logRetentionDays ?? defaultDeploymentSettings.logRetentionDays;
    // Tables, log groups and the bootstrap admin key secret alike.
    const removalPolicy = deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRemovalPolicy = removalPolicy;
    const functionProps: SharedFunctionProps = { logRetentionDays, logRemovalPolicy };

    this.storage = new Storage(this, 'Storage', { deletionProtection });
    this.pipeline = new DeliveryPipeline(this, 'DeliveryPipeline', {
      settings,
      tables: this.storage.tables,
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
      authorizer: this.auth.authorizer,
      functionProps,
      accessLogRetentionDays: logRetentionDays,
      accessLogRemovalPolicy: logRemovalPolicy,
    });
    this.ingress = new Ingress(this, 'Ingress', {
      ingestFunction: this.api.ingestFunction,
      eventBusName: props.eventBusName ?? defaultDeploymentSettings.eventBusName,
      // The dispatcher reports dead letters and endpoint health as `hookline.*` events.
      publishers: [this.pipeline.dispatcher],
    });

    const environment = this.functionEnvironment(settings);
    for (const fn of this.functions) {
      for (const [key, value] of Object.entries(environment)) fn.addEnvironment(key, value);
    }

    this.monitoring = this.createMonitoring(props, removalPolicy);
    this.addOutputs();
    this.acknowledgeNagFindings();
  }

  /**
   * What every function is told: each table's name and queue's URL (by the variable that
   * `#shared` names for it), the bus, the settings, and that SSRF protection is on.
   */
  private functionEnvironment(settings: HooklineSettings): Record<string, string> {
    const urls = Object.entries(this.queues).flatMap(([name, queue]) => {
      const envVar = (queues[name as QueueName] as { envVar?: string }).envVar;
      return envVar === undefined ? [] : [[envVar, queue.queueUrl]];
    });
    return {
      ...Object.fromEntries(
        (Object.keys(tables) as TableName[]).map((name) => [
          tables[name].envVar,
          this.storage.tables[name].tableName,
        ]),
      ),
      ...Object.fromEntries(urls),
      [eventBus.envVar]: this.ingress.eventBus.eventBusName,
      ...settingsEnvironment(settings),
      // SSRF guard: in AWS, deliver only to public https addresses.
      [functionEnv.allowPrivateTargets]: 'false',
    };
  }

  /** Alarms on every endpoint, queue and function, the topic they notify, the dashboard. */
  private createMonitoring(props: HooklineStackProps, removalPolicy: RemovalPolicy): Monitoring {
    const defaults = defaultDeploymentSettings;
    return new Monitoring(this, 'Monitoring', {
      thresholds: {
        failureRatio: props.failureRatioAlarmThreshold ?? defaults.failureRatioAlarmThreshold,
        deadLetters: props.deadLetterAlarmThreshold ?? defaults.deadLetterAlarmThreshold,
        latencyMs: props.latencyAlarmThresholdMs ?? defaults.latencyAlarmThresholdMs,
        oldestMessageAgeSeconds:
          props.oldestMessageAgeAlarmSeconds ?? oldestMessageAgeAlarmDefault(props.settings),
      },
      deliveryQueue: this.pipeline.deliveryQueue,
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
    new CfnOutput(this, 'EventBusName', { value: this.ingress.eventBus.eventBusName });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.pipeline.deliveryQueue.queueUrl });
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
  get functions(): readonly LambdaFunction[] {
    return Object.values(this.functionsByName);
  }

  /** Every Lambda function of the stack, by the handler it runs. */
  get functionsByName(): Readonly<Record<FunctionName, LambdaFunction>> {
    return {
      ingest: this.api.ingestFunction,
      management: this.api.managementFunction,
      dispatcher: this.pipeline.dispatcher,
      replay: this.replay.replayFunction,
      authorizer: this.auth.authorizerFunction,
    };
  }

  /** The queue of each entry of `#shared/queues`, so none can be left out. */
  get queues(): Readonly<Record<QueueName, IQueue>> {
    return {
      delivery: this.pipeline.deliveryQueue,
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
    const endpoints = this.storage.tables.endpoints;
    const endpointsId = this.getLogicalId(endpoints.node.defaultChild as CfnElement);
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${endpointsId}.Arn>/index/*]`,
      reason:
        "The wildcard covers only the endpoints table's own global secondary indexes (byId, for lookups by endpoint id): DynamoDB needs the index ARNs to Query an index, and no other table matches it.",
    });
    Validations.of(this.ingress.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: of the ingest rule target and of the ingest function's async invocations (on-failure destination), which cdk-nag does not recognise as DLQ use.",
    });
  }
}

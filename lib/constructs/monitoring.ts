import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  CfnAlarm,
  ComparisonOperator,
  Dashboard,
  type IMetric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '#shared/functions';
import { metricNames } from '#shared/metrics';
import { pascalCase } from '../naming';
import { dashboardRows } from './dashboard';
import {
  type InsightsStat,
  MAX_ALARM_CONTRIBUTORS,
  MetricQueries,
  percent,
} from './metric-queries';

export interface MonitoringThresholds {
  /** Share of an endpoint's attempts (0-1) that may fail, per 5 minutes, three periods in a row. */
  readonly failureRatio: number;
  /** Dead-lettered deliveries of one endpoint within 5 minutes that raise the alarm. */
  readonly deadLetters: number;
  /** Average attempt latency of one endpoint, in ms, three 5-minute periods in a row. */
  readonly latencyMs: number;
  /** Age in seconds of the oldest message of a delivery queue. */
  readonly oldestMessageAgeSeconds: number;
  /**
   * Messages in flight (received, not yet deleted) in a delivery queue. SQS refuses to hand
   * out more than about 120,000 per queue; a waiting delivery is a delayed message, not an
   * in-flight one, so a healthy queue stays far below.
   * @default 50000
   */
  readonly inFlightMessages?: number;
}

/** A queue the dispatcher drains, watched for age and in-flight messages. */
export interface WatchedDeliveryQueue {
  readonly queue: IQueue;
  /** The cdk.json setting that bounds the concurrency draining it, named in the alarm text. */
  readonly concurrencySetting: string;
}

/** The alarms of one delivery queue. */
export interface DeliveryQueueAlarms {
  readonly oldestMessage: Alarm;
  readonly inFlight: Alarm;
}

export interface MonitoringProps {
  readonly thresholds: MonitoringThresholds;
  /**
   * The namespace the stack's functions write their metrics to; the per-endpoint alarms and
   * the dashboard read only this one. @default - the stack name
   */
  readonly metricsNamespace?: string;
  /**
   * The queues the dispatcher drains (the delivery queue and its slow lane) by a short name
   * (`delivery`, `delivery-slow`): their depth, in-flight count and oldest message.
   */
  readonly deliveryQueues: Readonly<Record<string, WatchedDeliveryQueue>>;
  /** Each dead-letter queue by a short name (`delivery-dlq`); any message in one alarms. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Every function of the stack; errors and throttles of each alarm. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /** Subscribed to the alarm topic by email. @default - no subscription */
  readonly alarmEmail?: string;
  /** Removal policy of the topic's KMS key. @default RemovalPolicy.RETAIN */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/** The three alarms that watch every endpoint at once. */
export type EndpointAlarmName = 'failureRatio' | 'deadLetters' | 'latency';

export interface FunctionAlarms {
  readonly errors: Alarm;
  readonly throttles: Alarm;
}

/** Per-endpoint alarm: a Metrics Insights query grouped by endpoint, so each one is a contributor. */
interface EndpointAlarmDefinition {
  readonly suffix: string;
  readonly stat: InsightsStat;
  readonly metric: string;
  readonly comparison: ComparisonOperator;
  readonly threshold: number;
  readonly periods: number;
  readonly description: string;
}

const PERIOD = Duration.minutes(5);
const DEFAULT_IN_FLIGHT_ALARM = 50_000;
const CLOUDWATCH = new ServicePrincipal('cloudwatch.amazonaws.com');

/**
 * Hookline's operations: the alarm topic, the per-endpoint Metrics Insights alarms
 * that cover endpoints added after the deploy, the stack alarms (dead letters; stuck
 * deliveries and in-flight build-up on both delivery lanes; function errors and throttles),
 * and the dashboard.
 */
export class Monitoring extends Construct {
  /** Every alarm notifies this topic when it goes into ALARM and back to OK. */
  readonly topic: Topic;
  /** Encrypts the topic; a customer key because CloudWatch cannot use `alias/aws/sns`. */
  readonly topicKey: Key;
  readonly endpointAlarms: Readonly<Record<EndpointAlarmName, CfnAlarm>>;
  /** One "not empty" alarm per dead-letter queue, by the names passed in. */
  readonly deadLetterQueueAlarms: Readonly<Record<string, Alarm>>;
  /** Age and in-flight alarms of each delivery queue, by the names passed in. */
  readonly deliveryQueueAlarms: Readonly<Record<string, DeliveryQueueAlarms>>;
  readonly functionAlarms: Readonly<Record<FunctionName, FunctionAlarms>>;
  readonly dashboard: Dashboard;
  /** The Metrics Insights queries over the stack's own namespace. */
  readonly queries: MetricQueries;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.queries = new MetricQueries(props.metricsNamespace ?? Stack.of(this).stackName);
    this.topicKey = this.alarmTopicKey(props.keyRemovalPolicy ?? RemovalPolicy.RETAIN);
    this.topic = this.alarmTopic(this.topicKey);
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.endpointAlarms = this.createEndpointAlarms(props.thresholds);
    this.deadLetterQueueAlarms = this.createDeadLetterQueueAlarms(props.deadLetterQueues);
    const thresholds = {
      ...props.thresholds,
      inFlightMessages: props.thresholds.inFlightMessages ?? DEFAULT_IN_FLIGHT_ALARM,
    };
    this.deliveryQueueAlarms = this.createDeliveryQueueAlarms(props.deliveryQueues, thresholds);
    this.functionAlarms = this.createFunctionAlarms(props.functions);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: dashboardRows({
        title: Stack.of(this).stackName,
        queries: this.queries,
        thresholds,
        deliveryQueues: Object.fromEntries(
          Object.entries(props.deliveryQueues).map(([name, { queue }]) => [name, queue]),
        ),
        deadLetterQueues: props.deadLetterQueues,
        functions: props.functions,
        alarms: this.alarms,
        period: PERIOD,
      }),
    });
  }

  /**
   * Alarm notifications name endpoints and queues, so the topic is encrypted. CloudWatch
   * cannot publish to a topic under the AWS-managed key (its key policy cannot be changed to
   * let CloudWatch use it), hence a customer key that grants CloudWatch exactly that.
   */
  private alarmTopicKey(removalPolicy: RemovalPolicy): Key {
    const key = new Key(this, 'AlarmTopicKey', {
      description: `${Stack.of(this).stackName}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [CLOUDWATCH],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    return key;
  }

  private alarmTopic(masterKey: Key): Topic {
    const stack = Stack.of(this);
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: `${stack.stackName} alarms`,
      masterKey,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, which is what lets CloudWatch publish; this
    // allows it again, for this account's alarms in this region only.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [CLOUDWATCH],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    return topic;
  }

  /** A Metrics Insights alarm grouped by endpoint: every endpoint is a contributor. */
  private endpointAlarm(id: string, definition: EndpointAlarmDefinition): CfnAlarm {
    return new CfnAlarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-endpoint-${definition.suffix}`,
      alarmDescription: definition.description,
      metrics: [
        {
          id: 'q1',
          expression: this.queries.perEndpoint(
            definition.stat,
            definition.metric,
            MAX_ALARM_CONTRIBUTORS,
          ),
          period: PERIOD.toSeconds(),
          returnData: true,
        },
      ],
      comparisonOperator: definition.comparison,
      threshold: definition.threshold,
      evaluationPeriods: definition.periods,
      datapointsToAlarm: definition.periods,
      // An endpoint without attempts in a period has no data point, and nothing is wrong.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmActions: [this.topic.topicArn],
      okActions: [this.topic.topicArn],
    });
  }

  private createEndpointAlarms(
    thresholds: MonitoringThresholds,
  ): Record<EndpointAlarmName, CfnAlarm> {
    return {
      failureRatio: this.endpointAlarm('EndpointFailureRatioAlarm', {
        suffix: 'failure-ratio',
        stat: 'AVG',
        metric: metricNames.failures,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: thresholds.failureRatio,
        periods: 3,
        description: `An endpoint failed more than ${percent(thresholds.failureRatio)}% of its delivery attempts in each of 3 consecutive 5-minute periods. Each endpoint is a contributor (EndpointId); its attempt log shows the status codes and errors. (failureRatioAlarmThreshold in cdk.json)`,
      }),
      deadLetters: this.endpointAlarm('EndpointDeadLettersAlarm', {
        suffix: 'dead-letters',
        stat: 'SUM',
        metric: metricNames.deadLettered,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: thresholds.deadLetters,
        periods: 1,
        description: `At least ${thresholds.deadLetters} of an endpoint's deliveries ran out of attempts within 5 minutes and were dead-lettered. Each endpoint is a contributor (EndpointId); list its dead letters with GET /v1/dead-letters and redrive them once it is fixed. (deadLetterAlarmThreshold in cdk.json)`,
      }),
      latency: this.endpointAlarm('EndpointLatencyAlarm', {
        suffix: 'latency',
        stat: 'AVG',
        metric: metricNames.latency,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: thresholds.latencyMs,
        periods: 3,
        description: `An endpoint took more than ${thresholds.latencyMs} ms on average to answer, in each of 3 consecutive 5-minute periods. Each endpoint is a contributor (EndpointId). (latencyAlarmThresholdMs in cdk.json)`,
      }),
    };
  }

  /** An alarm on one of the stack's own metrics, notifying the topic both ways. */
  private stackAlarm(
    id: string,
    alarmName: string,
    metric: IMetric,
    threshold: number,
    description: string,
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${alarmName}`,
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // SQS and Lambda publish nothing while idle, which is the healthy state.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }

  private createDeadLetterQueueAlarms(
    queues: Readonly<Record<string, IQueue>>,
  ): Record<string, Alarm> {
    return Object.fromEntries(
      Object.entries(queues).map(([name, queue]) => [
        name,
        this.stackAlarm(
          `${pascalCase(name)}NotEmptyAlarm`,
          `${name}-not-empty`,
          queue.metricApproximateNumberOfMessagesVisible({
            statistic: Stats.MAXIMUM,
            period: PERIOD,
          }),
          1,
          `The ${name} queue holds messages: something failed that no retry will fix on its own. Look at the messages, fix the cause, then redrive them.`,
        ),
      ]),
    );
  }

  /**
   * A waiting delivery is a new message delayed at most 15 minutes, so a queue that is
   * drained never holds a message much older, nor many in flight.
   */
  private createDeliveryQueueAlarms(
    queues: Readonly<Record<string, WatchedDeliveryQueue>>,
    thresholds: Required<MonitoringThresholds>,
  ): Record<string, DeliveryQueueAlarms> {
    const max = { statistic: Stats.MAXIMUM, period: PERIOD };
    const { oldestMessageAgeSeconds: age, inFlightMessages: inFlight } = thresholds;
    return Object.fromEntries(
      Object.entries(queues).map(([name, { queue, concurrencySetting }]) => [
        name,
        {
          oldestMessage: this.stackAlarm(
            `${pascalCase(name)}QueueOldestMessageAlarm`,
            `${name}-queue-oldest-message`,
            queue.metricApproximateAgeOfOldestMessage(max),
            age,
            `A message has been in the ${name} queue for ${age} s. A waiting delivery is sent again delayed by at most 15 minutes, so the dispatcher is not draining this queue: errors, throttles, a disabled event source mapping, or ${concurrencySetting} too low for the load. (oldestMessageAgeAlarmSeconds in cdk.json)`,
          ),
          inFlight: this.stackAlarm(
            `${pascalCase(name)}QueueInFlightAlarm`,
            `${name}-queue-in-flight`,
            queue.metricApproximateNumberOfMessagesNotVisible(max),
            inFlight,
            `The ${name} queue holds at least ${inFlight} messages in flight (received, not yet deleted); SQS hands out no more beyond about 120,000. Waiting deliveries are delayed messages, not in flight: deliveries are received faster than they settle (dispatcher errors or timeouts leave them in flight until their visibility timeout ends).`,
          ),
        },
      ]),
    );
  }

  private createFunctionAlarms(
    functions: Readonly<Record<FunctionName, IFunction>>,
  ): Record<FunctionName, FunctionAlarms> {
    return Object.fromEntries(
      (Object.entries(functions) as [FunctionName, IFunction][]).map(([name, fn]) => [
        name,
        {
          errors: this.stackAlarm(
            `${pascalCase(name)}ErrorsAlarm`,
            `${name}-errors`,
            fn.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
            1,
            `The ${name} function failed (an uncaught error or a timeout). Its log group has the error.`,
          ),
          throttles: this.stackAlarm(
            `${pascalCase(name)}ThrottlesAlarm`,
            `${name}-throttles`,
            fn.metricThrottles({ statistic: Stats.SUM, period: PERIOD }),
            1,
            `Lambda throttled the ${name} function: the account's concurrency is exhausted.`,
          ),
        },
      ]),
    ) as Record<FunctionName, FunctionAlarms>;
  }

  /** Every alarm of the construct. */
  get alarms(): readonly (Alarm | CfnAlarm)[] {
    return [
      ...Object.values(this.endpointAlarms),
      ...Object.values(this.deadLetterQueueAlarms),
      ...Object.values(this.deliveryQueueAlarms).flatMap((alarms) => [
        alarms.oldestMessage,
        alarms.inFlight,
      ]),
      ...Object.values(this.functionAlarms).flatMap((alarms) => [alarms.errors, alarms.throttles]),
    ];
  }
}

import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  CfnAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type GraphWidgetProps,
  type IMetric,
  type IWidget,
  LegendPosition,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
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
import { type FunctionName, metricNames } from '../resources';

/** Aggregations Metrics Insights offers (no percentiles). */
export type InsightsStat = 'AVG' | 'SUM' | 'MIN' | 'MAX' | 'COUNT';

/** Per-endpoint metrics carry exactly these dimensions: {EndpointId, service}. */
const ENDPOINT_SCHEMA = `SCHEMA("${metricNames.namespace}", ${metricNames.endpointDimension}, service)`;
const EVENT_TYPE_SCHEMA = `SCHEMA("${metricNames.namespace}", ${metricNames.eventTypeDimension}, service)`;

/** Most time series one Metrics Insights query returns, and contributors one alarm tracks. */
export const MAX_ALARM_CONTRIBUTORS = 500;

/** A per-endpoint metric aggregated over every endpoint into one series. */
export const overallQuery = (stat: InsightsStat, metric: string): string =>
  `SELECT ${stat}(${metric}) FROM ${ENDPOINT_SCHEMA}`;

/** One series per endpoint, the `limit` highest first. */
export const perEndpointQuery = (stat: InsightsStat, metric: string, limit: number): string =>
  `SELECT ${stat}(${metric}) FROM ${ENDPOINT_SCHEMA} GROUP BY ${metricNames.endpointDimension} ORDER BY ${stat}() DESC LIMIT ${limit}`;

/** One series per event type, the `limit` busiest first. */
export const perEventTypeQuery = (limit: number): string =>
  `SELECT SUM(${metricNames.eventsPublished}) FROM ${EVENT_TYPE_SCHEMA} GROUP BY ${metricNames.eventTypeDimension} ORDER BY SUM() DESC LIMIT ${limit}`;

export interface MonitoringThresholds {
  /** Share of an endpoint's attempts (0-1) that may fail, per 5 minutes, three periods in a row. */
  readonly failureRatio: number;
  /** Dead-lettered deliveries of one endpoint within 5 minutes that raise the alarm. */
  readonly deadLetters: number;
  /** Average attempt latency of one endpoint, in ms, three 5-minute periods in a row. */
  readonly latencyMs: number;
  /** Age in seconds of the delivery queue's oldest message. */
  readonly oldestMessageAgeSeconds: number;
}

export interface MonitoringProps {
  readonly thresholds: MonitoringThresholds;
  /** The delivery queue: its depth and the age of its oldest message. */
  readonly deliveryQueue: IQueue;
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

/**
 * Hookline's operations (DESIGN §5): the alarm topic, the per-endpoint Metrics Insights alarms
 * that cover endpoints added after the deploy, the stack alarms (dead letters, stuck
 * deliveries, function errors and throttles), and the dashboard.
 */
export class Monitoring extends Construct {
  /** Every alarm notifies this topic when it goes into ALARM and back to OK. */
  readonly topic: Topic;
  /** Encrypts the topic; a customer key because CloudWatch cannot use `alias/aws/sns`. */
  readonly topicKey: Key;
  readonly endpointAlarms: Readonly<Record<EndpointAlarmName, CfnAlarm>>;
  /** One "not empty" alarm per dead-letter queue, by the names passed in. */
  readonly deadLetterQueueAlarms: Readonly<Record<string, Alarm>>;
  readonly oldestMessageAlarm: Alarm;
  readonly functionAlarms: Readonly<Record<FunctionName, FunctionAlarms>>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { thresholds } = props;
    const stack = Stack.of(this);
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');

    // Alarm notifications name endpoints and queues, so the topic is encrypted. CloudWatch
    // cannot publish to a topic under the AWS-managed key (its key policy cannot be changed to
    // let CloudWatch use it), hence a customer key that grants CloudWatch exactly that.
    this.topicKey = new Key(this, 'AlarmTopicKey', {
      description: `${stack.stackName}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `${stack.stackName} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, which is what lets CloudWatch publish; this
    // allows it again, for this account's alarms in this region only.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
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
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const endpointAlarm = (name: string, definition: EndpointAlarmDefinition) =>
      new CfnAlarm(this, name, {
        alarmName: `${stack.stackName}-endpoint-${definition.suffix}`,
        alarmDescription: definition.description,
        metrics: [
          {
            id: 'q1',
            expression: perEndpointQuery(
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
    this.endpointAlarms = {
      failureRatio: endpointAlarm('EndpointFailureRatioAlarm', {
        suffix: 'failure-ratio',
        stat: 'AVG',
        metric: metricNames.failures,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: thresholds.failureRatio,
        periods: 3,
        description: `An endpoint failed more than ${percent(thresholds.failureRatio)}% of its delivery attempts in each of 3 consecutive 5-minute periods. Each endpoint is a contributor (EndpointId); its attempt log shows the status codes and errors. (failureRatioAlarmThreshold in cdk.json)`,
      }),
      deadLetters: endpointAlarm('EndpointDeadLettersAlarm', {
        suffix: 'dead-letters',
        stat: 'SUM',
        metric: metricNames.deadLettered,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: thresholds.deadLetters,
        periods: 1,
        description: `At least ${thresholds.deadLetters} of an endpoint's deliveries ran out of attempts within 5 minutes and were dead-lettered. Each endpoint is a contributor (EndpointId); list its dead letters with GET /v1/dead-letters and redrive them once it is fixed. (deadLetterAlarmThreshold in cdk.json)`,
      }),
      latency: endpointAlarm('EndpointLatencyAlarm', {
        suffix: 'latency',
        stat: 'AVG',
        metric: metricNames.latency,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: thresholds.latencyMs,
        periods: 3,
        description: `An endpoint took more than ${thresholds.latencyMs} ms on average to answer, in each of 3 consecutive 5-minute periods. Each endpoint is a contributor (EndpointId). (latencyAlarmThresholdMs in cdk.json)`,
      }),
    };

    const stackAlarm = (
      name: string,
      alarmName: string,
      metric: IMetric,
      threshold: number,
      description: string,
    ): Alarm => {
      const alarm = new Alarm(this, name, {
        alarmName: `${stack.stackName}-${alarmName}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // SQS and Lambda publish nothing while idle, which is the healthy state.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    };

    this.deadLetterQueueAlarms = Object.fromEntries(
      Object.entries(props.deadLetterQueues).map(([name, queue]) => [
        name,
        stackAlarm(
          `${pascal(name)}NotEmptyAlarm`,
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
    this.oldestMessageAlarm = stackAlarm(
      'DeliveryQueueOldestMessageAlarm',
      'delivery-queue-oldest-message',
      props.deliveryQueue.metricApproximateAgeOfOldestMessage({
        statistic: Stats.MAXIMUM,
        period: PERIOD,
      }),
      thresholds.oldestMessageAgeSeconds,
      `A delivery has been in the delivery queue for ${thresholds.oldestMessageAgeSeconds} s, longer than its whole retry schedule takes: the dispatcher is not draining the queue (errors, throttles, a disabled event source mapping). (oldestMessageAgeAlarmSeconds in cdk.json)`,
    );
    this.functionAlarms = Object.fromEntries(
      (Object.entries(props.functions) as [FunctionName, IFunction][]).map(([name, fn]) => [
        name,
        {
          errors: stackAlarm(
            `${pascal(name)}ErrorsAlarm`,
            `${name}-errors`,
            fn.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
            1,
            `The ${name} function failed (an uncaught error or a timeout). Its log group has the error.`,
          ),
          throttles: stackAlarm(
            `${pascal(name)}ThrottlesAlarm`,
            `${name}-throttles`,
            fn.metricThrottles({ statistic: Stats.SUM, period: PERIOD }),
            1,
            `Lambda throttled the ${name} function: the account's concurrency is exhausted.`,
          ),
        },
      ]),
    ) as Record<FunctionName, FunctionAlarms>;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: this.dashboardRows(props),
    });
  }

  /** Every alarm of the construct. */
  get alarms(): readonly (Alarm | CfnAlarm)[] {
    return [
      ...Object.values(this.endpointAlarms),
      ...Object.values(this.deadLetterQueueAlarms),
      this.oldestMessageAlarm,
      ...Object.values(this.functionAlarms).flatMap((alarms) => [alarms.errors, alarms.throttles]),
    ];
  }

  private dashboardRows(props: MonitoringProps): IWidget[][] {
    const { thresholds, deliveryQueue } = props;
    // An empty label keeps CloudWatch's own: the EndpointId or EventType of each series.
    const query = (expression: string, label = '') =>
      new MathExpression({ expression, label, period: PERIOD });
    const graph = (title: string, left: IMetric[], extra: Partial<GraphWidgetProps> = {}) =>
      new GraphWidget({ title, left, width: 8, height: 6, period: PERIOD, ...extra });
    const topEndpoints = (title: string, stat: InsightsStat, metric: string) =>
      graph(title, [query(perEndpointQuery(stat, metric, 10))], {
        legendPosition: LegendPosition.RIGHT,
      });
    const latency = (statistic: string) =>
      new Metric({
        namespace: metricNames.namespace,
        metricName: metricNames.latency,
        // The copy without EndpointId: percentiles over every attempt of every endpoint.
        dimensionsMap: { service: metricNames.service },
        statistic,
        period: PERIOD,
        label: statistic,
      });
    const sqsMax = { statistic: Stats.MAXIMUM, period: PERIOD };
    const { failures, attempts, successes, deadLettered, latency: latencyName } = metricNames;

    return [
      [
        new TextWidget({
          markdown: `# ${Stack.of(this).stackName} webhook delivery\nPer-endpoint metrics: namespace \`${metricNames.namespace}\`, dimensions \`${metricNames.endpointDimension}\` and \`service\`. Each per-endpoint alarm is one Metrics Insights query grouped by \`${metricNames.endpointDimension}\`: every endpoint is a contributor.`,
          width: 24,
          height: 2,
        }),
      ],
      [
        new AlarmStatusWidget({
          title: 'Alarms',
          alarms: [...this.alarms],
          width: 24,
          height: 3,
        }),
      ],
      [
        graph('Delivery attempts (all endpoints, per 5 min)', [
          query(overallQuery('SUM', attempts), 'Attempts'),
          query(overallQuery('SUM', successes), 'Successes'),
          query(overallQuery('SUM', failures), 'Failures'),
        ]),
        graph(
          'Success ratio (all endpoints, %)',
          [
            new MathExpression({
              expression: '100 * (1 - failureRatio)',
              usingMetrics: {
                failureRatio: new MathExpression({
                  expression: overallQuery('AVG', failures),
                  period: PERIOD,
                  visible: false,
                }),
              },
              label: 'Successful attempts (%)',
              period: PERIOD,
            }),
          ],
          {
            leftYAxis: { min: 0, max: 100, showUnits: false },
            leftAnnotations: [
              {
                value: percent(1 - thresholds.failureRatio),
                label: 'Per-endpoint alarm',
              },
            ],
          },
        ),
        graph('Attempt latency (all endpoints, ms)', ['p50', 'p95', 'p99'].map(latency), {
          leftAnnotations: [{ value: thresholds.latencyMs, label: 'Per-endpoint alarm (avg)' }],
        }),
      ],
      [
        graph('Dead-lettered deliveries (all endpoints)', [
          query(overallQuery('SUM', deadLettered), 'Dead-lettered'),
        ]),
        graph('Events published by type (top 20)', [query(perEventTypeQuery(20))], {
          legendPosition: LegendPosition.RIGHT,
        }),
        graph('Dead-letter queues: messages', [
          ...Object.entries(props.deadLetterQueues).map(([name, queue]) =>
            queue.metricApproximateNumberOfMessagesVisible({ ...sqsMax, label: name }),
          ),
        ]),
      ],
      [
        topEndpoints('Top 10 endpoints by attempts', 'SUM', attempts),
        topEndpoints('Top 10 endpoints by failed attempts', 'SUM', failures),
        topEndpoints('Top 10 endpoints by average latency (ms)', 'AVG', latencyName),
      ],
      [
        topEndpoints('Top 10 endpoints by dead letters', 'SUM', deadLettered),
        graph('Delivery queue: messages', [
          deliveryQueue.metricApproximateNumberOfMessagesVisible({
            ...sqsMax,
            label: 'Waiting (visible)',
          }),
          deliveryQueue.metricApproximateNumberOfMessagesNotVisible({
            ...sqsMax,
            label: 'In flight or in backoff (not visible)',
          }),
        ]),
        graph(
          'Delivery queue: age of oldest message (s)',
          [deliveryQueue.metricApproximateAgeOfOldestMessage({ ...sqsMax, label: 'Oldest' })],
          { leftAnnotations: [{ value: thresholds.oldestMessageAgeSeconds, label: 'Alarm' }] },
        ),
      ],
      [
        graph(
          'Function errors',
          Object.entries(props.functions).map(([name, fn]) =>
            fn.metricErrors({ statistic: Stats.SUM, period: PERIOD, label: name }),
          ),
        ),
        graph(
          'Function throttles',
          Object.entries(props.functions).map(([name, fn]) =>
            fn.metricThrottles({ statistic: Stats.SUM, period: PERIOD, label: name }),
          ),
        ),
      ],
    ];
  }
}

const percent = (ratio: number): number => Math.round(ratio * 1000) / 10;

/** `delivery-dlq` → `DeliveryDlq`, for construct ids. */
const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

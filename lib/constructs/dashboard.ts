import type { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  type CfnAlarm,
  GraphWidget,
  type GraphWidgetProps,
  type IMetric,
  type IWidget,
  LegendPosition,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { metricNames } from '#shared/metrics';
import { type InsightsStat, type MetricQueries, percent } from './metric-queries';
import type { MonitoringThresholds } from './monitoring';

/** What the dashboard shows: the stack's queues, functions and alarms. */
export interface DashboardContent {
  /** Heads the dashboard: the stack name. */
  readonly title: string;
  /** The stack's own metrics: every graph of Hookline's metrics reads only its namespace. */
  readonly queries: MetricQueries;
  readonly thresholds: MonitoringThresholds;
  /** The queues the dispatcher drains, by short name: the delivery queue and its slow lane. */
  readonly deliveryQueues: Readonly<Record<string, IQueue>>;
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly alarms: readonly (Alarm | CfnAlarm)[];
  /** Every graph's period. */
  readonly period: Duration;
}

/** Small builders of the widgets the rows share, all on the dashboard's period. */
function widgets({ period, queries }: Pick<DashboardContent, 'period' | 'queries'>) {
  // An empty label keeps CloudWatch's own: the EndpointId or EventType of each series.
  const query = (expression: string, label = '') =>
    new MathExpression({ expression, label, period });
  const graph = (title: string, left: IMetric[], extra: Partial<GraphWidgetProps> = {}) =>
    new GraphWidget({ title, left, width: 8, height: 6, period, ...extra });
  const topEndpoints = (title: string, stat: InsightsStat, metric: string) =>
    graph(title, [query(queries.perEndpoint(stat, metric, 10))], {
      legendPosition: LegendPosition.RIGHT,
    });
  const sqsMax = { statistic: Stats.MAXIMUM, period };
  return { query, graph, topEndpoints, sqsMax };
}

function headerRows(content: DashboardContent): IWidget[][] {
  const { endpointDimension } = metricNames;
  const { namespace } = content.queries;
  return [
    [
      new TextWidget({
        markdown: `# ${content.title} webhook delivery\nPer-endpoint metrics: namespace \`${namespace}\`, dimensions \`${endpointDimension}\` and \`service\`. Each per-endpoint alarm is one Metrics Insights query grouped by \`${endpointDimension}\`: every endpoint is a contributor.`,
        width: 24,
        height: 2,
      }),
    ],
    [new AlarmStatusWidget({ title: 'Alarms', alarms: [...content.alarms], width: 24, height: 3 })],
  ];
}

/** Attempts, success ratio and latency over every endpoint. */
function deliveryRow(content: DashboardContent): IWidget[] {
  const { thresholds, period, queries } = content;
  const { query, graph } = widgets(content);
  const { failures, attempts, successes } = metricNames;
  const latency = (statistic: string) =>
    new Metric({
      namespace: queries.namespace,
      metricName: metricNames.latency,
      // The copy without EndpointId: percentiles over every attempt of every endpoint.
      dimensionsMap: { service: metricNames.service },
      statistic,
      period,
      label: statistic,
    });
  const successRatio = new MathExpression({
    expression: '100 * (1 - failureRatio)',
    usingMetrics: {
      failureRatio: new MathExpression({
        expression: content.queries.overall('AVG', failures),
        period,
        visible: false,
      }),
    },
    label: 'Successful attempts (%)',
    period,
  });
  return [
    graph('Delivery attempts (all endpoints, per 5 min)', [
      query(content.queries.overall('SUM', attempts), 'Attempts'),
      query(content.queries.overall('SUM', successes), 'Successes'),
      query(content.queries.overall('SUM', failures), 'Failures'),
    ]),
    graph('Success ratio (all endpoints, %)', [successRatio], {
      leftYAxis: { min: 0, max: 100, showUnits: false },
      leftAnnotations: [
        { value: percent(1 - thresholds.failureRatio), label: 'Per-endpoint alarm' },
      ],
    }),
    graph('Attempt latency (all endpoints, ms)', ['p50', 'p95', 'p99'].map(latency), {
      leftAnnotations: [{ value: thresholds.latencyMs, label: 'Per-endpoint alarm (avg)' }],
    }),
  ];
}

function deadLetterRow(content: DashboardContent): IWidget[] {
  const { query, graph, sqsMax } = widgets(content);
  return [
    graph('Dead-lettered deliveries (all endpoints)', [
      query(content.queries.overall('SUM', metricNames.deadLettered), 'Dead-lettered'),
    ]),
    graph('Events published by type (top 20)', [query(content.queries.perEventType(20))], {
      legendPosition: LegendPosition.RIGHT,
    }),
    graph('Dead-letter queues: messages', [
      ...Object.entries(content.deadLetterQueues).map(([name, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ ...sqsMax, label: name }),
      ),
    ]),
  ];
}

function topEndpointsRow(content: DashboardContent): IWidget[] {
  const { topEndpoints } = widgets(content);
  return [
    topEndpoints('Top 10 endpoints by attempts', 'SUM', metricNames.attempts),
    topEndpoints('Top 10 endpoints by failed attempts', 'SUM', metricNames.failures),
    topEndpoints('Top 10 endpoints by average latency (ms)', 'AVG', metricNames.latency),
  ];
}

/** Both delivery lanes: what is ready, in flight and waiting out a delay, and the oldest. */
function deliveryQueueRow(content: DashboardContent): IWidget[] {
  const { deliveryQueues, thresholds } = content;
  const { graph, topEndpoints, sqsMax } = widgets(content);
  const lanes = Object.entries(deliveryQueues);
  return [
    topEndpoints('Top 10 endpoints by dead letters', 'SUM', metricNames.deadLettered),
    graph(
      'Delivery queues: messages',
      lanes.flatMap(([name, queue]) => [
        queue.metricApproximateNumberOfMessagesVisible({ ...sqsMax, label: `${name}: ready` }),
        queue.metricApproximateNumberOfMessagesNotVisible({
          ...sqsMax,
          label: `${name}: in flight`,
        }),
        queue.metricApproximateNumberOfMessagesDelayed({
          ...sqsMax,
          label: `${name}: waiting (delayed)`,
        }),
      ]),
    ),
    graph(
      'Delivery queues: age of oldest message (s)',
      lanes.map(([name, queue]) =>
        queue.metricApproximateAgeOfOldestMessage({ ...sqsMax, label: name }),
      ),
      { leftAnnotations: [{ value: thresholds.oldestMessageAgeSeconds, label: 'Alarm' }] },
    ),
  ];
}

function functionRow(content: DashboardContent): IWidget[] {
  const { graph } = widgets(content);
  const each = (metric: (fn: IFunction, name: string) => IMetric) =>
    Object.entries(content.functions).map(([name, fn]) => metric(fn, name));
  const sum = (label: string) => ({ statistic: Stats.SUM, period: content.period, label });
  return [
    graph(
      'Function errors',
      each((fn, name) => fn.metricErrors(sum(name))),
    ),
    graph(
      'Function throttles',
      each((fn, name) => fn.metricThrottles(sum(name))),
    ),
  ];
}

/** The dashboard, row by row: alarms first, then delivery, dead letters, queues, functions. */
export function dashboardRows(content: DashboardContent): IWidget[][] {
  return [
    ...headerRows(content),
    deliveryRow(content),
    deadLetterRow(content),
    topEndpointsRow(content),
    deliveryQueueRow(content),
    functionRow(content),
  ];
}

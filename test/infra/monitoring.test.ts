import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricNames } from '#shared/metrics';
import { arnOf, buildStack, ref, StackTemplate } from './synth';

// Two synths shared by every assertion: cdk.json as it is, and one with every monitoring
// setting overridden the way `-c key=value` would.
let t: StackTemplate;
let tuned: StackTemplate;
const override = {
  failureRatioAlarmThreshold: 0.2,
  deadLetterAlarmThreshold: 5,
  latencyAlarmThresholdMs: 2000,
  oldestMessageAgeAlarmSeconds: '86400',
  alarmEmail: 'ops@example.com',
  deletionProtection: false,
};

beforeAll(() => {
  t = new StackTemplate(buildStack());
  tuned = new StackTemplate(buildStack(override));
}, 60_000);

// Written out rather than built with the construct's helpers, so a changed query shows here.
const SCHEMA = 'SCHEMA("Hookline", EndpointId, service)';
const FAILURE_RATIO = `SELECT AVG(Failures) FROM ${SCHEMA} GROUP BY EndpointId ORDER BY AVG() DESC LIMIT 500`;
const DEAD_LETTERS = `SELECT SUM(DeadLettered) FROM ${SCHEMA} GROUP BY EndpointId ORDER BY SUM() DESC LIMIT 500`;
const LATENCY = `SELECT AVG(Latency) FROM ${SCHEMA} GROUP BY EndpointId ORDER BY AVG() DESC LIMIT 500`;

const topicRef = (s: StackTemplate) => ref(s.id(s.stack.monitoring.topic));
const alarms = (s: StackTemplate) => s.ofType('AWS::CloudWatch::Alarm');

describe('alarm topic', () => {
  it('is encrypted with a rotated customer key that CloudWatch may use', () => {
    const { topic, topicKey } = t.stack.monitoring;
    expect(t.resource(topic).Properties.KmsMasterKeyId).toEqual(arnOf(t.id(topicKey)));
    const key = t.resource(topicKey).Properties as {
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: Record<string, unknown>[] };
    };
    expect(key.EnableKeyRotation).toBe(true);
    // Alarms cannot publish to a topic under alias/aws/sns; this statement is why a CMK.
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    // Only the account root besides CloudWatch: no other principal may use the key.
    expect(key.KeyPolicy.Statement).toHaveLength(2);
  });

  it('keeps its key like the tables, and deletes it when deletion protection is off', () => {
    expect(t.resource(t.stack.monitoring.topicKey).DeletionPolicy).toBe('Retain');
    expect(tuned.resource(tuned.stack.monitoring.topicKey).DeletionPolicy).toBe('Delete');
  });

  it('refuses publishing without TLS and lets only this account’s alarms publish', () => {
    const policies = t
      .ofType('AWS::SNS::TopicPolicy')
      .filter(([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([topicRef(t)]));
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0] ?? [];
    if (!policy) throw new Error('no topic policy');
    const { Statement: statements } = policy.Properties.PolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: topicRef(t),
      }),
    );
    const cloudwatch = statements.find(
      (s) => JSON.stringify(s.Principal) === '{"Service":"cloudwatch.amazonaws.com"}',
    );
    expect(cloudwatch).toMatchObject({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: topicRef(t),
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(cloudwatch?.Condition)).toContain('":alarm:*"');
  });

  it('has no subscription unless alarmEmail is set, then one email subscription', () => {
    expect(t.ofType('AWS::SNS::Subscription')).toHaveLength(0);
    const subscriptions = tuned.ofType('AWS::SNS::Subscription');
    expect(subscriptions.map(([, s]) => s.Properties)).toEqual([
      { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topicRef(tuned) },
    ]);
  });

  it('is an output, with the dashboard', () => {
    const outputs = t.template.toJSON().Outputs;
    expect(outputs.AlarmTopicArn.Value).toEqual(topicRef(t));
    expect(outputs.DashboardName.Value).toEqual(ref(t.id(t.stack.monitoring.dashboard)));
    expect(JSON.stringify(outputs.DashboardUrl.Value)).toContain('#dashboards/dashboard/');
  });
});

describe('alarms', () => {
  it('every one notifies the topic on ALARM and on OK', () => {
    // 3 per endpoint, 3 dead-letter queues, oldest message and in-flight × 2 delivery lanes,
    // errors and throttles × 6 functions.
    expect(alarms(t)).toHaveLength(3 + 3 + 2 * 2 + 2 * 6);
    expect(t.stack.monitoring.alarms).toHaveLength(alarms(t).length);
    for (const [id, alarm] of alarms(t)) {
      expect(alarm.Properties.AlarmActions, id).toEqual([topicRef(t)]);
      expect(alarm.Properties.OKActions, id).toEqual([topicRef(t)]);
      expect(alarm.Properties.InsufficientDataActions, id).toBeUndefined();
      expect(alarm.Properties.TreatMissingData, id).toBe('notBreaching');
      expect(alarm.Properties.AlarmName, id).toMatch(/^Hookline-[a-z-]+$/);
      expect(alarm.Properties.AlarmDescription, id).toEqual(expect.any(String));
    }
  });

  describe('per endpoint (Metrics Insights, one contributor per EndpointId)', () => {
    const alarm = (s: StackTemplate, name: 'failureRatio' | 'deadLetters' | 'latency') => {
      const found = s.resources[s.stack.getLogicalId(s.stack.monitoring.endpointAlarms[name])];
      if (!found) throw new Error(`no ${name} alarm`);
      return found;
    };

    it.each([
      ['failureRatio', FAILURE_RATIO, 'GreaterThanThreshold', 0.5, 3],
      ['deadLetters', DEAD_LETTERS, 'GreaterThanOrEqualToThreshold', 1, 1],
      ['latency', LATENCY, 'GreaterThanThreshold', 5000, 3],
    ] as const)(
      '%s: %s, %s %d for %d of as many 5-minute periods',
      (name, query, comparison, threshold, periods) => {
        const { AlarmDescription, AlarmName, ...properties } = alarm(t, name).Properties;
        expect(properties).toEqual({
          Metrics: [{ Id: 'q1', Expression: query, Period: 300, ReturnData: true }],
          ComparisonOperator: comparison,
          Threshold: threshold,
          EvaluationPeriods: periods,
          DatapointsToAlarm: periods,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topicRef(t)],
          OKActions: [topicRef(t)],
        });
        expect(AlarmName).toMatch(/^Hookline-endpoint-/);
        expect(AlarmDescription).toContain('contributor');
      },
    );

    it('query the dimensions the functions write, one series per endpoint', () => {
      // Powertools adds `service` to the endpoint dimension; SCHEMA must name both, exactly.
      expect(metricNames).toMatchObject({
        service: 'hookline',
        endpointDimension: 'EndpointId',
      });
      for (const query of [FAILURE_RATIO, DEAD_LETTERS, LATENCY]) {
        expect(query).toContain(` GROUP BY ${metricNames.endpointDimension} `);
      }
    });

    it('take their thresholds from context', () => {
      expect(alarm(tuned, 'failureRatio').Properties).toMatchObject({
        Threshold: 0.2,
        Metrics: [expect.objectContaining({ Expression: FAILURE_RATIO })],
      });
      expect(alarm(tuned, 'failureRatio').Properties.AlarmDescription).toContain('20%');
      expect(alarm(tuned, 'deadLetters').Properties.Threshold).toBe(5);
      expect(alarm(tuned, 'latency').Properties.Threshold).toBe(2000);
      expect(alarm(tuned, 'latency').Properties.AlarmDescription).toContain('2000 ms');
    });
  });

  describe('stack', () => {
    const queues = (s: StackTemplate) => ({
      'delivery-dlq': s.stack.pipeline.deadLetterQueue,
      'ingest-dlq': s.stack.ingress.deadLetterQueue,
      'replay-jobs-dlq': s.stack.replay.jobsDeadLetterQueue,
    });
    const single = (namespace: string, metric: string, dimension: unknown, statistic: string) => ({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [dimension],
      Statistic: statistic,
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });

    it.each(['delivery-dlq', 'ingest-dlq', 'replay-jobs-dlq'] as const)(
      '%s: alarms on one visible message',
      (name) => {
        const alarm = t.stack.monitoring.deadLetterQueueAlarms[name];
        if (!alarm) throw new Error(`no alarm for ${name}`);
        expect(t.resource(alarm).Properties).toMatchObject({
          ...single(
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            { Name: 'QueueName', Value: { 'Fn::GetAtt': [t.id(queues(t)[name]), 'QueueName'] } },
            'Maximum',
          ),
          Threshold: 1,
          AlarmName: `Hookline-${name}-not-empty`,
          AlarmActions: [topicRef(t)],
          OKActions: [topicRef(t)],
        });
      },
    );

    const lanes = (s: StackTemplate) => ({
      delivery: s.stack.pipeline.deliveryQueue,
      'delivery-slow': s.stack.pipeline.slowDeliveryQueue,
    });
    const laneAlarms = (s: StackTemplate, lane: 'delivery' | 'delivery-slow') => {
      const found = s.stack.monitoring.deliveryQueueAlarms[lane];
      if (!found) throw new Error(`no alarms for ${lane}`);
      return found;
    };

    it('watches exactly the two delivery lanes', () => {
      expect(Object.keys(t.stack.monitoring.deliveryQueueAlarms)).toEqual([
        'delivery',
        'delivery-slow',
      ]);
    });

    it.each(['delivery', 'delivery-slow'] as const)(
      '%s: alarms on a message older than one 15-minute hop and a redelivery, or the context value',
      (lane) => {
        const properties = t.resource(laneAlarms(t, lane).oldestMessage).Properties;
        expect(properties).toMatchObject({
          ...single(
            'AWS/SQS',
            'ApproximateAgeOfOldestMessage',
            { Name: 'QueueName', Value: { 'Fn::GetAtt': [t.id(lanes(t)[lane]), 'QueueName'] } },
            'Maximum',
          ),
          // 900 s (the longest SQS delay) + the 150 s visibility timeout + 300 s.
          Threshold: 1350,
          AlarmName: `Hookline-${lane}-queue-oldest-message`,
          AlarmActions: [topicRef(t)],
          OKActions: [topicRef(t)],
        });
        expect(properties.AlarmDescription).toContain(
          lane === 'delivery' ? 'dispatcherMaxConcurrency' : 'slowLaneMaxConcurrency',
        );
        expect(tuned.resource(laneAlarms(tuned, lane).oldestMessage).Properties.Threshold).toBe(
          86_400,
        );
      },
    );

    it.each(['delivery', 'delivery-slow'] as const)(
      '%s: alarms on 50,000 messages in flight, well below the ~120,000 SQS allows',
      (lane) => {
        expect(t.resource(laneAlarms(t, lane).inFlight).Properties).toMatchObject({
          ...single(
            'AWS/SQS',
            'ApproximateNumberOfMessagesNotVisible',
            { Name: 'QueueName', Value: { 'Fn::GetAtt': [t.id(lanes(t)[lane]), 'QueueName'] } },
            'Maximum',
          ),
          Threshold: 50_000,
          AlarmName: `Hookline-${lane}-queue-in-flight`,
          AlarmActions: [topicRef(t)],
          OKActions: [topicRef(t)],
        });
      },
    );

    it('keeps the logical id of the delivery queue age alarm', () => {
      expect(t.id(laneAlarms(t, 'delivery').oldestMessage)).toMatch(
        /^MonitoringDeliveryQueueOldestMessageAlarm[0-9A-F]{8}$/,
      );
    });

    it.each(['ingest', 'management', 'dispatcher', 'replay', 'authorizer'] as const)(
      '%s: alarms on one error and on one throttle',
      (name) => {
        const fn = t.fns[name];
        const { errors, throttles } = t.stack.monitoring.functionAlarms[name];
        for (const [alarm, metric] of [
          [errors, 'Errors'],
          [throttles, 'Throttles'],
        ] as const) {
          expect(t.resource(alarm).Properties).toMatchObject({
            ...single('AWS/Lambda', metric, { Name: 'FunctionName', Value: ref(t.id(fn)) }, 'Sum'),
            Threshold: 1,
            AlarmName: `Hookline-${name}-${metric.toLowerCase()}`,
            AlarmActions: [topicRef(t)],
            OKActions: [topicRef(t)],
          });
        }
      },
    );
  });
});

/** A `metrics` row of a dashboard graph: `[namespace, name, ...dimensions, options]` or `[options]`. */
type MetricRow = (string | Record<string, unknown>)[];

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly metrics?: MetricRow[];
    readonly alarms?: string[];
    readonly markdown?: string;
    readonly annotations?: { horizontal?: { value: number; label?: string }[] };
  };
}

/**
 * The dashboard body is a `Fn::Join` of JSON text and references; references become
 * `{Ref:Id}` and `{Id.Attribute}` so the result parses as JSON.
 */
function dashboardWidgets(s: StackTemplate): Widget[] {
  const body = s.resource(s.stack.monitoring.dashboard).Properties.DashboardBody as {
    'Fn::Join': [string, unknown[]];
  };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (token.Ref) return `{Ref:${token.Ref}}`;
      if (token['Fn::GetAtt']) return `{${token['Fn::GetAtt'].join('.')}}`;
      throw new Error(`unexpected token ${JSON.stringify(part)}`);
    })
    .join(body['Fn::Join'][0]);
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

describe('dashboard', () => {
  let widgets: Widget[];
  beforeAll(() => {
    widgets = dashboardWidgets(t);
  });
  const widget = (title: string): Widget => {
    const found = widgets.filter((w) => w.properties.title === title);
    expect(found, title).toHaveLength(1);
    return found[0] as Widget;
  };
  const options = (title: string) =>
    (widget(title).properties.metrics ?? []).map((row) => row[row.length - 1]);
  const expressions = (title: string) =>
    options(title).map((o) => (o as { expression?: string }).expression);
  const queue = (s: StackTemplate, q: IConstruct) => `{${s.id(q)}.QueueName}`;

  it('is one dashboard, named by CloudFormation, laid out in rows of 24', () => {
    expect(t.ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
    expect(t.resource(t.stack.monitoring.dashboard).Properties.DashboardName).toBeUndefined();
    for (const w of widgets) expect(w.width).toBeLessThanOrEqual(24);
  });

  it('shows the state of every alarm', () => {
    const alarmWidget = widgets.filter((w) => w.type === 'alarm');
    expect(alarmWidget).toHaveLength(1);
    const shown = alarmWidget[0]?.properties.alarms ?? [];
    expect(shown).toHaveLength(alarms(t).length);
    expect(new Set(shown)).toEqual(new Set(alarms(t).map(([id]) => `{${id}.Arn}`)));
  });

  it('graphs the delivery rate of all endpoints', () => {
    expect(options('Delivery attempts (all endpoints, per 5 min)')).toEqual([
      { label: 'Attempts', expression: `SELECT SUM(Attempts) FROM ${SCHEMA}` },
      { label: 'Successes', expression: `SELECT SUM(Successes) FROM ${SCHEMA}` },
      { label: 'Failures', expression: `SELECT SUM(Failures) FROM ${SCHEMA}` },
    ]);
    expect(widget('Delivery attempts (all endpoints, per 5 min)').properties).toMatchObject({
      period: 300,
    });
  });

  it('graphs the success ratio as 100 × (1 − the average of Failures)', () => {
    expect(options('Success ratio (all endpoints, %)')).toEqual([
      { label: 'Successful attempts (%)', expression: '100 * (1 - failureRatio)' },
      {
        id: 'failureRatio',
        expression: `SELECT AVG(Failures) FROM ${SCHEMA}`,
        visible: false,
      },
    ]);
    // The per-endpoint alarm line sits at 1 − failureRatioAlarmThreshold.
    expect(widget('Success ratio (all endpoints, %)').properties.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 50 }),
    ]);
    const tunedWidget = dashboardWidgets(tuned).find(
      (w) => w.properties.title === 'Success ratio (all endpoints, %)',
    );
    expect(tunedWidget?.properties.annotations?.horizontal?.[0]?.value).toBe(80);
  });

  it('graphs p50, p95 and p99 latency from the copy of Latency without EndpointId', () => {
    expect(widget('Attempt latency (all endpoints, ms)').properties.metrics).toEqual(
      ['p50', 'p95', 'p99'].map((stat) => [
        'Hookline',
        'Latency',
        'service',
        'hookline',
        { label: stat, stat },
      ]),
    );
  });

  it('graphs dead letters of all endpoints', () => {
    expect(expressions('Dead-lettered deliveries (all endpoints)')).toEqual([
      `SELECT SUM(DeadLettered) FROM ${SCHEMA}`,
    ]);
  });

  it.each([
    ['Top 10 endpoints by attempts', 'SUM(Attempts)', 'SUM()'],
    ['Top 10 endpoints by failed attempts', 'SUM(Failures)', 'SUM()'],
    ['Top 10 endpoints by average latency (ms)', 'AVG(Latency)', 'AVG()'],
    ['Top 10 endpoints by dead letters', 'SUM(DeadLettered)', 'SUM()'],
  ])('%s: one series per endpoint, labelled by CloudWatch', (title, select, order) => {
    // No label: CloudWatch names each series by its EndpointId.
    expect(options(title)).toEqual([
      {
        expression: `SELECT ${select} FROM ${SCHEMA} GROUP BY EndpointId ORDER BY ${order} DESC LIMIT 10`,
      },
    ]);
  });

  it('graphs events published by type, without the endpoint dimension', () => {
    expect(options('Events published by type (top 20)')).toEqual([
      {
        expression:
          'SELECT SUM(EventsPublished) FROM SCHEMA("Hookline", EventType, service) GROUP BY EventType ORDER BY SUM() DESC LIMIT 20',
      },
    ]);
  });

  it('graphs both delivery lanes: ready, in flight, waiting out a delay, and the oldest message', () => {
    // Prepare
    const lanes = [
      ['delivery', queue(t, t.stack.pipeline.deliveryQueue)],
      ['delivery-slow', queue(t, t.stack.pipeline.slowDeliveryQueue)],
    ] as const;
    const sqs = (metric: string, name: string, label: string) => [
      'AWS/SQS',
      metric,
      'QueueName',
      name,
      { label, stat: 'Maximum' },
    ];

    // Act
    const messages = widget('Delivery queues: messages').properties;
    const age = widget('Delivery queues: age of oldest message (s)').properties;

    // Assess
    expect(messages.metrics).toEqual(
      lanes.flatMap(([lane, name]) => [
        sqs('ApproximateNumberOfMessagesVisible', name, `${lane}: ready`),
        sqs('ApproximateNumberOfMessagesNotVisible', name, `${lane}: in flight`),
        sqs('ApproximateNumberOfMessagesDelayed', name, `${lane}: waiting (delayed)`),
      ]),
    );
    expect(age.metrics).toEqual(
      lanes.map(([lane, name]) => sqs('ApproximateAgeOfOldestMessage', name, lane)),
    );
    expect(age.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 1350, label: 'Alarm' }),
    ]);
  });

  it('graphs the depth of every dead-letter queue', () => {
    const { pipeline, ingress, replay } = t.stack;
    expect(widget('Dead-letter queues: messages').properties.metrics).toEqual(
      [
        ['delivery-dlq', pipeline.deadLetterQueue],
        ['ingest-dlq', ingress.deadLetterQueue],
        ['replay-jobs-dlq', replay.jobsDeadLetterQueue],
      ].map(([label, q]) => [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        queue(t, q as IConstruct),
        { label, stat: 'Maximum' },
      ]),
    );
  });

  it.each(['Errors', 'Throttles'])('graphs function %s', (metric) => {
    expect(widget(`Function ${metric.toLowerCase()}`).properties.metrics).toEqual(
      Object.entries(t.fns).map(([name, fn]) => [
        'AWS/Lambda',
        metric,
        'FunctionName',
        `{Ref:${t.id(fn)}}`,
        { label: name, stat: 'Sum' },
      ]),
    );
  });
});

describe('function environment', () => {
  it('names the metrics namespace and service, and the auto-disable time, for every function', () => {
    for (const fn of t.stack.functions) {
      expect(t.environment(fn)).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'Hookline',
        POWERTOOLS_SERVICE_NAME: metricNames.service,
        AUTO_DISABLE_AFTER_SECONDS: '432000',
      });
    }
  });
});

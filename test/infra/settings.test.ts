import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, deliveryWindowSeconds } from '#shared/settings';
import {
  contextKeys,
  defaultDeploymentSettings,
  oldestMessageAgeAlarmDefault,
  resolveSettings,
  SettingsError,
} from '../../lib/settings';
import { arnOf, buildStack, cdkJsonContext, repoRoot, StackTemplate } from './synth';

const read = (context: Record<string, unknown>) => resolveSettings((key) => context[key]);
const problemsOf = (context: Record<string, unknown>): readonly string[] => {
  try {
    read(context);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
};

describe('cdk.json', () => {
  it('holds CDK feature flags and Hookline settings only, so a misspelt setting cannot hide there', () => {
    const unknown = Object.keys(cdkJsonContext).filter(
      (key) => !key.startsWith('@aws-cdk') && !contextKeys.includes(key),
    );
    expect(unknown).toEqual([]);
  });
});

describe('resolveSettings', () => {
  it('falls back to the defaults when the context is empty', () => {
    expect(read({})).toEqual({
      stage: undefined,
      stackName: 'Hookline',
      settings: defaultSettings,
      deployment: { ...defaultDeploymentSettings, oldestMessageAgeAlarmSeconds: 1350 },
    });
    expect(read({}).deployment).not.toHaveProperty('alarmEmail');
    expect(defaultSettings.autoDisableAfterSeconds).toBe(432_000);
  });

  it('alarms on a message older than one 15-minute hop, a visibility timeout and 5 minutes', () => {
    // 900 s (the longest SQS delay) + 6 × the 25 s dispatcher timeout + 300 s.
    expect(oldestMessageAgeAlarmDefault(defaultSettings)).toBe(900 + 150 + 300);
    // Waits hop every 15 minutes, so the retry schedule, however long, does not move it.
    const long = read({ retrySchedule: ['3.5h', '12h'], maxAttempts: 25 });
    expect(deliveryWindowSeconds(long.settings)).toBeCloseTo(1_208_040);
    expect(long.deployment.oldestMessageAgeAlarmSeconds).toBe(1350);
    // A longer delivery timeout lengthens the visibility timeout, so the alarm follows it.
    const slow = read({ deliveryTimeoutSeconds: 60 });
    expect(slow.deployment.oldestMessageAgeAlarmSeconds).toBe(900 + 6 * 70 + 300);
    expect(read({ oldestMessageAgeAlarmSeconds: 86_400 }).deployment).toMatchObject({
      oldestMessageAgeAlarmSeconds: 86_400,
    });
    // The floor: one hop and the attempt after it (900 s + 25 s).
    expect(problemsOf({ oldestMessageAgeAlarmSeconds: 925 })).toEqual([]);
  });

  it('accepts a maxReceiveCount below maxAttempts: a wait is a new message, not a receive', () => {
    expect(problemsOf({ maxAttempts: 10, maxReceiveCount: 5 })).toEqual([]);
  });

  it('reads the concurrency of each delivery lane', () => {
    expect(read({}).settings).toMatchObject({
      dispatcherMaxConcurrency: 50,
      slowLaneMaxConcurrency: 20,
    });
    expect(
      read({ dispatcherMaxConcurrency: '100', slowLaneMaxConcurrency: 2 }).settings,
    ).toMatchObject({ dispatcherMaxConcurrency: 100, slowLaneMaxConcurrency: 2 });
  });

  it('accepts the strings that `cdk -c key=value` passes', () => {
    const { settings, deployment } = read({
      deliveryTimeoutSeconds: '5',
      retrySchedule: '1s, 2s,5s',
      deletionProtection: 'false',
      logRetentionDays: '7',
      autoDisableAfterSeconds: '86400',
      failureRatioAlarmThreshold: '0.25',
      deadLetterAlarmThreshold: '3',
      latencyAlarmThresholdMs: '2500',
      oldestMessageAgeAlarmSeconds: '7200',
      alarmEmail: 'ops@example.com',
      consoleHosting: 'false',
      consoleFrameAncestors: 'https://app.example.com, http://localhost:5173',
    });
    expect(settings.deliveryTimeoutSeconds).toBe(5);
    expect(settings.consoleFrameAncestors).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(settings.retrySchedule).toEqual(['1s', '2s', '5s']);
    expect(settings.autoDisableAfterSeconds).toBe(86_400);
    expect(deployment).toEqual({
      deletionProtection: false,
      consoleHosting: false,
      eventBusName: 'hookline',
      logRetentionDays: 7,
      failureRatioAlarmThreshold: 0.25,
      deadLetterAlarmThreshold: 3,
      latencyAlarmThresholdMs: 2500,
      oldestMessageAgeAlarmSeconds: 7200,
      alarmEmail: 'ops@example.com',
    });
  });

  it('names every bad key at once', () => {
    const problems = problemsOf({
      maxAttempts: 'many',
      deliveryTimeoutSeconds: 0,
      retrySchedule: ['1m', 'soon'],
      deletionProtection: 'yes',
      eventBusName: 'aws.hooks',
      logRetentionDays: 31,
      autoDisableAfterSeconds: 60,
      failureRatioAlarmThreshold: 'half',
      alarmEmail: 'ops',
      consoleFrameAncestors: ['https://app.example.com/embed'],
    });
    const keys = problems.map((problem) => problem.split(':')[0]);
    expect(problems.find((p) => p.startsWith('consoleFrameAncestors'))).toContain('no path');
    expect(keys).toEqual([
      'retrySchedule',
      'maxAttempts',
      'deliveryTimeoutSeconds',
      'autoDisableAfterSeconds',
      'consoleFrameAncestors',
      'deletionProtection',
      'eventBusName',
      'logRetentionDays',
      'failureRatioAlarmThreshold',
      'alarmEmail',
    ]);
  });

  it.each([
    [{ retrySchedule: ['1m', '1d'] }, /1d is outside 1s\.\.12h/],
    [{ retrySchedule: [] }, /non-empty list/],
    [{ dispatchBatchSize: 20_000 }, /dispatchBatchSize: must be between 1 and 10000/],
    [{ maxReceiveCount: 1 }, /maxReceiveCount: must be between 2 and 1000/],
    // An event source mapping's MaximumConcurrency is 2 to 1000.
    [{ dispatcherMaxConcurrency: 1 }, /dispatcherMaxConcurrency: must be between 2 and 1000/],
    [{ slowLaneMaxConcurrency: 1001 }, /slowLaneMaxConcurrency: must be between 2 and 1000/],
    [{ slowLaneMaxConcurrency: 'five' }, /slowLaneMaxConcurrency: must be an integer/],
    [{ deliveryTimeoutSeconds: 895 }, /above Lambda's 900 s/],
    [{ maxAttempts: 40, retrySchedule: ['12h'] }, /beyond the delivery queue's 14-day retention/],
    [{ eventBusName: 'default' }, /eventBusName: must not be "default"/],
    // The operations bus adds `-operations` (11 characters) within EventBridge's 256.
    [{ eventBusName: 'b'.repeat(246) }, /eventBusName: must be 1-245 characters/],
    [{ secretRotationGraceHours: 1.5 }, /must be an integer/],
    [{ circuitBreakerThreshold: 0 }, /circuitBreakerThreshold: must be between 1 and 100/],
    [{ circuitBreakerThreshold: 101 }, /circuitBreakerThreshold: must be between 1 and 100/],
    [
      { circuitBreakerCooldownSeconds: 0 },
      /circuitBreakerCooldownSeconds: must be between 1 and 3600/,
    ],
    [{ circuitBreakerCooldownSeconds: '2h' }, /circuitBreakerCooldownSeconds: must be an integer/],
    [
      { autoDisableAfterSeconds: 3599 },
      /autoDisableAfterSeconds: must be between 3600 and 2592000/,
    ],
    [
      { autoDisableAfterSeconds: 31 * 86_400 },
      /autoDisableAfterSeconds: must be between 3600 and 2592000/,
    ],
    [{ failureRatioAlarmThreshold: 1.5 }, /failureRatioAlarmThreshold: must be between 0 and 1/],
    [{ failureRatioAlarmThreshold: -0.1 }, /failureRatioAlarmThreshold: must be between 0 and 1/],
    [{ failureRatioAlarmThreshold: '' }, /failureRatioAlarmThreshold: must be a number/],
    [{ deadLetterAlarmThreshold: 0 }, /deadLetterAlarmThreshold: must be between 1 and/],
    [{ deadLetterAlarmThreshold: 1.5 }, /deadLetterAlarmThreshold: must be an integer/],
    [{ latencyAlarmThresholdMs: 0 }, /latencyAlarmThresholdMs: must be between 1 and/],
    [
      { latencyAlarmThresholdMs: 15_000 },
      /latencyAlarmThresholdMs: 15000 is not below the delivery timeout \(15 s\)/,
    ],
    [
      { deliveryTimeoutSeconds: 5 },
      /latencyAlarmThresholdMs: 5000 is not below the delivery timeout \(5 s\)/,
    ],
    [
      { oldestMessageAgeAlarmSeconds: 15 * 86_400 },
      /oldestMessageAgeAlarmSeconds: must be between 60 and 1209600/,
    ],
    [
      { oldestMessageAgeAlarmSeconds: 900 },
      /oldestMessageAgeAlarmSeconds: 900 is below the 925 s a message regularly spends in a delivery queue/,
    ],
    [{ alarmEmail: 'ops@example' }, /alarmEmail: must be an email address/],
    [{ alarmEmail: 'two words@example.com' }, /alarmEmail: must be an email address/],
    [{ alarmEmail: 42 }, /alarmEmail: must be an email address/],
  ])('rejects %j', (context, message) => {
    expect(problemsOf(context).join('\n')).toMatch(message);
  });
});

describe('a context override', () => {
  const override = {
    deliveryTimeoutSeconds: 5,
    retrySchedule: ['1s', '2s', '5s'],
    maxAttempts: 4,
    dispatchBatchSize: 25,
    maxReceiveCount: 8,
    circuitBreakerThreshold: 3,
    circuitBreakerCooldownSeconds: '120',
    circuitBreakerFailureRatePercent: 25,
    slowEndpointSeconds: 3,
    dispatcherMaxConcurrency: 50,
    slowLaneMaxConcurrency: '8',
    autoDisableAfterSeconds: 7200,
    eventBusName: 'acme-webhooks',
    logRetentionDays: 7,
    // Below the 5 s delivery timeout, or the latency alarm could never fire.
    latencyAlarmThresholdMs: 4000,
  };
  let t: StackTemplate;
  beforeAll(() => {
    t = new StackTemplate(buildStack(override));
  }, 60_000);

  it('reaches every function environment', () => {
    for (const fn of t.stack.functions) {
      expect(t.environment(fn)).toMatchObject({
        DELIVERY_TIMEOUT_SECONDS: '5',
        RETRY_SCHEDULE: '1s,2s,5s',
        MAX_ATTEMPTS: '4',
        CIRCUIT_BREAKER_THRESHOLD: '3',
        CIRCUIT_BREAKER_COOLDOWN_SECONDS: '120',
        CIRCUIT_BREAKER_FAILURE_RATE_PERCENT: '25',
        SLOW_ENDPOINT_SECONDS: '3',
        MAX_RECEIVE_COUNT: '8',
        AUTO_DISABLE_AFTER_SECONDS: '7200',
      });
    }
    expect(t.stack.functions).toHaveLength(6);
  });

  it('reaches the derived timeouts, batch size, redrive count, bus name and log retention', () => {
    const { pipeline, ingress, replay } = t.stack;
    expect(t.resource(pipeline.dispatcher).Properties.Timeout).toBe(15);
    for (const lane of [pipeline.deliveryQueue, pipeline.slowDeliveryQueue]) {
      expect(t.resource(lane).Properties).toMatchObject({
        VisibilityTimeout: 90,
        RedrivePolicy: { maxReceiveCount: 8 },
      });
    }
    // Replay pages do not depend on the delivery settings.
    expect(t.resource(replay.replayFunction).Properties.Timeout).toBe(300);
    expect(t.resource(replay.jobsQueue).Properties).toMatchObject({
      VisibilityTimeout: 1800,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(t.resource(ingress.eventBus).Properties.Name).toBe('acme-webhooks');
    expect(t.resource(ingress.operationsBus).Properties.Name).toBe('acme-webhooks-operations');
    for (const [, logGroup] of t.ofType('AWS::Logs::LogGroup')) {
      expect(logGroup.Properties.RetentionInDays).toBe(7);
    }
  });

  it('bounds each delivery lane by its own concurrency, in batches of dispatchBatchSize', () => {
    // Prepare
    const { pipeline } = t.stack;

    // Act
    const mappingsOn = (queue: IConstruct) =>
      t
        .ofType('AWS::Lambda::EventSourceMapping')
        .map(([, mapping]) => mapping.Properties)
        .filter((m) => JSON.stringify(m.EventSourceArn) === JSON.stringify(arnOf(t.id(queue))))
        .map((m) => [m.BatchSize, m.ScalingConfig]);

    // Assess
    expect(mappingsOn(pipeline.deliveryQueue)).toEqual([[25, { MaximumConcurrency: 50 }]]);
    expect(mappingsOn(pipeline.slowDeliveryQueue)).toEqual([[25, { MaximumConcurrency: 8 }]]);
  });

  it('sizes the oldest-message alarms of both lanes from the shorter visibility timeout', () => {
    // 900 s + 6 × the 15 s dispatcher timeout + 300 s.
    const lanes = t.stack.monitoring.deliveryQueueAlarms;
    expect(Object.keys(lanes)).toEqual(['delivery', 'delivery-slow']);
    for (const { oldestMessage } of Object.values(lanes)) {
      expect(t.resource(oldestMessage).Properties.Threshold).toBe(900 + 90 + 300);
    }
  });
});

describe('bin/app.ts', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'hookline-cdk-out-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  // How the CDK CLI hands cdk.json context and -c values to the app.
  const runApp = (context: Record<string, unknown>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });

  it('fails with one message naming the bad keys', () => {
    const run = runApp({ ...cdkJsonContext, maxAttempts: 'many', retrySchedule: ['1m', '2d'] });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid Hookline settings');
    expect(run.stderr).toMatch(/maxAttempts: must be an integer/);
    expect(run.stderr).toMatch(/retrySchedule: 2d is outside/);
  }, 30_000);

  it('synthesizes the stack with cdk-nag clean from the cdk.json context', () => {
    const run = runApp({ ...cdkJsonContext, 'aws:cdk:bundling-stacks': [] });
    expect(run.stderr).not.toMatch(/ERROR|Error/);
    expect(run.status).toBe(0);
    expect(existsSync(path.join(outdir, 'Hookline.template.json'))).toBe(true);
  }, 60_000);
});

/**
 * Reads and validates the deployment settings from CDK context (`cdk.json` or `-c key=value`).
 * Every problem is collected and reported at once, so a bad `cdk.json` fails synth with one
 * message that names each offending key, instead of deploying something that cannot work.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { defaultSettings, deriveTimeouts, eventBus, type HooklineSettings } from './resources';

/** Stack-level settings that are not runtime settings of the functions. */
export interface DeploymentSettings {
  /**
   * Deletion protection on the tables, and RETAIN for tables and log groups; `false` suits a
   * throwaway development stack. @default true
   */
  readonly deletionProtection: boolean;
  /** Name of the custom EventBridge bus. @default 'hookline' */
  readonly eventBusName: string;
  /** Retention of every function and access log group, in days. @default 30 */
  readonly logRetentionDays: RetentionDays;
  /**
   * An endpoint alarms when more than this share of its attempts fail in each of three
   * consecutive 5-minute periods (0-1). @default 0.5
   */
  readonly failureRatioAlarmThreshold: number;
  /** An endpoint alarms when this many of its deliveries dead-letter within 5 minutes. @default 1 */
  readonly deadLetterAlarmThreshold: number;
  /**
   * An endpoint alarms when its average attempt latency stays above this many milliseconds
   * for three consecutive 5-minute periods; must be below the delivery timeout. @default 5000
   */
  readonly latencyAlarmThresholdMs: number;
  /**
   * The delivery queue alarms when its oldest message is this old (seconds, at most 14 days).
   * @default - the longest a delivery can spend in backoff, plus an hour (see {@link oldestMessageAgeAlarmDefault})
   */
  readonly oldestMessageAgeAlarmSeconds?: number;
  /** Address subscribed to the alarm topic; confirm the subscription from the mail. @default - none */
  readonly alarmEmail?: string;
}

export const defaultDeploymentSettings: DeploymentSettings = {
  deletionProtection: true,
  eventBusName: eventBus.defaultName,
  logRetentionDays: RetentionDays.ONE_MONTH,
  failureRatioAlarmThreshold: 0.5,
  deadLetterAlarmThreshold: 1,
  latencyAlarmThresholdMs: 5000,
};

export interface ResolvedSettings {
  readonly settings: HooklineSettings;
  readonly deployment: DeploymentSettings;
}

/**
 * Context keys without a value in `cdk.json`: the alarm age follows the retry schedule unless
 * set, and there is no alarm email unless set.
 */
export const optionalContextKeys = ['oldestMessageAgeAlarmSeconds', 'alarmEmail'] as const;

/** Every context key the app reads: those in `cdk.json` order, then the optional ones. */
export const contextKeys = [
  ...(Object.keys(defaultSettings) as (keyof HooklineSettings)[]),
  ...(Object.keys(defaultDeploymentSettings) as (keyof DeploymentSettings)[]),
  ...optionalContextKeys,
] as const;

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Hookline settings in CDK context:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
  }
}

/** Hard limits of the services the settings end up in. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
const SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 60 * 60;
const SQS_MAX_BATCH_WITH_WINDOW = 10_000;
const RETRY_JITTER = 0.2;
const MAX_AUTO_DISABLE_SECONDS = 30 * 86_400;
/** Headroom of the oldest-message alarm over the longest regular backoff. */
const OLDEST_MESSAGE_ALARM_HEADROOM_SECONDS = 3600;

// The same grammar as the dispatcher's retry policy (`30s`, `5m`, `2h`, `1d`, `500ms`).
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 } as const;
const EVENT_BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;
// Deliberately loose: one @, no spaces, a dot in the domain. SNS sends a confirmation mail.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads settings from a construct's context; throws {@link SettingsError} on bad values. */
export function settingsFromContext(scope: IConstruct): ResolvedSettings {
  return readSettings((key) => scope.node.tryGetContext(key));
}

/**
 * Reads settings through `lookup`, falling back to the defaults for keys that are absent.
 * Accepts the strings that `cdk -c key=value` produces (`"5"`, `"false"`, `"1m,5m"`).
 */
export function readSettings(lookup: (key: string) => unknown): ResolvedSettings {
  const problems: string[] = [];
  const read = <T>(key: string, fallback: T, parse: (raw: unknown) => T): T => {
    const raw = lookup(key);
    if (raw === undefined || raw === null) return fallback;
    try {
      return parse(raw);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      problems.push(`${key}: ${error.message} (got ${JSON.stringify(raw)})`);
      return fallback;
    }
  };
  const int = (key: keyof HooklineSettings, min: number, max: number): number =>
    read(key, defaultSettings[key] as number, (raw) => integer(raw, min, max));

  const settings: HooklineSettings = {
    retrySchedule: read('retrySchedule', defaultSettings.retrySchedule, schedule),
    maxAttempts: int('maxAttempts', 1, 100),
    deliveryTimeoutSeconds: int('deliveryTimeoutSeconds', 1, LAMBDA_MAX_TIMEOUT_SECONDS),
    dispatchBatchSize: int('dispatchBatchSize', 1, SQS_MAX_BATCH_WITH_WINDOW),
    eventRetentionDays: int('eventRetentionDays', 1, 3650),
    attemptRetentionDays: int('attemptRetentionDays', 1, 3650),
    maxReceiveCount: int('maxReceiveCount', 1, 1000),
    secretRotationGraceHours: int('secretRotationGraceHours', 0, 24 * 30),
    circuitBreakerThreshold: int('circuitBreakerThreshold', 1, 100),
    circuitBreakerCooldownSeconds: int('circuitBreakerCooldownSeconds', 1, 3600),
    autoDisableAfterSeconds: int('autoDisableAfterSeconds', 3600, MAX_AUTO_DISABLE_SECONDS),
  };
  const defaults = defaultDeploymentSettings;
  const deployment: DeploymentSettings = {
    deletionProtection: read('deletionProtection', defaults.deletionProtection, boolean),
    eventBusName: read('eventBusName', defaults.eventBusName, busName),
    logRetentionDays: read('logRetentionDays', defaults.logRetentionDays, retention),
    failureRatioAlarmThreshold: read(
      'failureRatioAlarmThreshold',
      defaults.failureRatioAlarmThreshold,
      (raw) => decimal(raw, 0, 1),
    ),
    deadLetterAlarmThreshold: read(
      'deadLetterAlarmThreshold',
      defaults.deadLetterAlarmThreshold,
      (raw) => integer(raw, 1, 1_000_000),
    ),
    latencyAlarmThresholdMs: read(
      'latencyAlarmThresholdMs',
      defaults.latencyAlarmThresholdMs,
      (raw) => integer(raw, 1, LAMBDA_MAX_TIMEOUT_SECONDS * 1000),
    ),
    oldestMessageAgeAlarmSeconds: read<number | undefined>(
      'oldestMessageAgeAlarmSeconds',
      undefined,
      (raw) => integer(raw, 60, SQS_MAX_RETENTION_SECONDS),
    ),
    alarmEmail: read<string | undefined>('alarmEmail', undefined, email),
  };

  // Cross-checks only make sense once every single value is readable.
  if (problems.length === 0) problems.push(...consistencyProblems(settings, deployment));
  if (problems.length > 0) throw new SettingsError(problems);
  const { alarmEmail, ...rest } = deployment;
  return {
    settings,
    deployment: {
      ...rest,
      oldestMessageAgeAlarmSeconds:
        deployment.oldestMessageAgeAlarmSeconds ?? oldestMessageAgeAlarmDefault(settings),
      ...(alarmEmail === undefined ? {} : { alarmEmail }),
    },
  };
}

/**
 * The longest a delivery regularly stays in the delivery queue, in seconds: every backoff
 * delay of its retries at its maximum jitter, plus each attempt's dispatcher timeout. A
 * delivery that is still queued after that is stuck, not retrying.
 */
export function deliveryWindowSeconds(settings: HooklineSettings): number {
  const { dispatcherTimeoutSeconds } = deriveTimeouts(settings);
  const delays = settings.retrySchedule.map(durationSeconds);
  const last = delays[delays.length - 1] ?? 0;
  let total = 0;
  for (let attempt = 1; attempt < settings.maxAttempts; attempt += 1) {
    total += (delays[attempt - 1] ?? last) * (1 + RETRY_JITTER) + dispatcherTimeoutSeconds;
  }
  return total;
}

/**
 * Default of `oldestMessageAgeAlarmSeconds`: the delivery window plus an hour, capped at the
 * queue's 14-day retention, beyond which no message gets older.
 */
export function oldestMessageAgeAlarmDefault(settings: HooklineSettings): number {
  return Math.min(
    Math.ceil(deliveryWindowSeconds(settings) + OLDEST_MESSAGE_ALARM_HEADROOM_SECONDS),
    SQS_MAX_RETENTION_SECONDS,
  );
}

/** Rules that tie settings to each other and to SQS and Lambda limits. */
function consistencyProblems(settings: HooklineSettings, deployment: DeploymentSettings): string[] {
  const problems: string[] = [];
  const { dispatcherTimeoutSeconds, queueVisibilityTimeoutSeconds } = deriveTimeouts(settings);
  if (dispatcherTimeoutSeconds > LAMBDA_MAX_TIMEOUT_SECONDS) {
    problems.push(
      `deliveryTimeoutSeconds: ${settings.deliveryTimeoutSeconds} gives a dispatcher timeout of ${dispatcherTimeoutSeconds} s, above Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s`,
    );
  }
  if (queueVisibilityTimeoutSeconds > SQS_MAX_VISIBILITY_SECONDS) {
    problems.push(
      `deliveryTimeoutSeconds: ${settings.deliveryTimeoutSeconds} gives a queue visibility timeout of ${queueVisibilityTimeoutSeconds} s, above SQS's 12 h`,
    );
  }
  // Every attempt is a receive, so a lower count would dead-letter before the last attempt.
  if (settings.maxReceiveCount < settings.maxAttempts) {
    problems.push(
      `maxReceiveCount: ${settings.maxReceiveCount} is below maxAttempts (${settings.maxAttempts}); SQS would dead-letter deliveries before their last attempt`,
    );
  }
  // A delivery still in backoff when the queue's retention ends would vanish without a trace.
  const total = deliveryWindowSeconds(settings);
  if (total > SQS_MAX_RETENTION_SECONDS) {
    problems.push(
      `retrySchedule with maxAttempts ${settings.maxAttempts} can take ${Math.round(total / 3600)} h, beyond the delivery queue's 14-day retention`,
    );
  }
  // Below the window, every delivery that is merely retrying would keep the alarm on.
  const { oldestMessageAgeAlarmSeconds } = deployment;
  if (oldestMessageAgeAlarmSeconds !== undefined && oldestMessageAgeAlarmSeconds < total) {
    problems.push(
      `oldestMessageAgeAlarmSeconds: ${oldestMessageAgeAlarmSeconds} is below the ${Math.ceil(total)} s a delivery can regularly spend in backoff; the alarm would fire for every retried delivery`,
    );
  }
  // An attempt is cut off at the delivery timeout, so its latency never gets above it.
  if (deployment.latencyAlarmThresholdMs >= settings.deliveryTimeoutSeconds * 1000) {
    problems.push(
      `latencyAlarmThresholdMs: ${deployment.latencyAlarmThresholdMs} is not below the delivery timeout (${settings.deliveryTimeoutSeconds} s); the latency alarm could never fire`,
    );
  }
  return problems;
}

/** A value that cannot be used; its message says what is expected. */
class Invalid extends Error {}

function integer(raw: unknown, min: number, max: number): number {
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new Invalid('must be an integer');
  if (value < min || value > max) throw new Invalid(`must be between ${min} and ${max}`);
  return value;
}

function decimal(raw: unknown, min: number, max: number): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Invalid('must be a number');
  if (value < min || value > max) throw new Invalid(`must be between ${min} and ${max}`);
  return value;
}

function email(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 254 || !EMAIL.test(raw)) {
    throw new Invalid('must be an email address such as ops@example.com');
  }
  return raw;
}

function boolean(raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Invalid('must be true or false');
}

function schedule(raw: unknown): readonly string[] {
  const items: unknown = typeof raw === 'string' ? raw.split(',').map((item) => item.trim()) : raw;
  if (!Array.isArray(items) || items.length === 0) {
    throw new Invalid('must be a non-empty list of durations such as ["1m", "5m", "2h"]');
  }
  return items.map((item: unknown) => {
    if (typeof item !== 'string' || !DURATION.test(item)) {
      throw new Invalid(`${JSON.stringify(item)} is not a duration (use e.g. 30s, 5m, 2h)`);
    }
    const seconds = durationSeconds(item);
    if (seconds < 1 || seconds > SQS_MAX_VISIBILITY_SECONDS) {
      // SQS cannot hide a message for longer than 12 h, so a longer delay would be cut short.
      throw new Invalid(`${item} is outside 1s..12h, the range SQS can delay a message by`);
    }
    return item;
  });
}

function retention(raw: unknown): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  const value = integer(raw, 1, RetentionDays.INFINITE);
  if (!allowed.includes(value)) {
    throw new Invalid(`must be one of CloudWatch's retention periods: ${allowed.join(', ')}`);
  }
  return value as RetentionDays;
}

function busName(raw: unknown): string {
  if (typeof raw !== 'string' || !EVENT_BUS_NAME.test(raw)) {
    throw new Invalid('must be 1-256 characters of A-Z a-z 0-9 . _ -');
  }
  // "default" is the account's own bus and "aws." names are reserved for AWS.
  if (raw === 'default' || raw.startsWith('aws.')) {
    throw new Invalid('must not be "default" or start with "aws."');
  }
  return raw;
}

function durationSeconds(text: string): number {
  const match = DURATION.exec(text);
  if (!match) return Number.NaN;
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

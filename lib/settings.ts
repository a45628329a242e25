/**
 * Reads and validates the deployment settings from CDK context (`cdk.json` or `-c key=value`):
 * the runtime settings of `#shared/settings` and the stack-only settings below, with the same
 * parsers and messages. Every problem is collected and reported at once, so a bad `cdk.json`
 * fails synth with one message that names each offending key, instead of deploying something
 * that cannot work.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import {
  LAMBDA_MAX_TIMEOUT_SECONDS,
  SQS_MAX_DELAY_SECONDS,
  SQS_MAX_RETENTION_SECONDS,
} from '#shared/limits';
import {
  booleanValue,
  consistencyProblems,
  decimalBetween,
  defaultsOf,
  deriveTimeouts,
  type HooklineSettings,
  InvalidSetting,
  integerBetween,
  readSpecs,
  type SettingSpecs,
  SettingsError,
  settingSpecs,
} from '#shared/settings';
import {
  BASE_STACK_NAME,
  defaultEventBusName,
  STAGE_CONTEXT_KEY,
  STAGES_CONTEXT_KEY,
  selectStage,
} from './stages';

/** Stack-level settings that are not runtime settings of the functions. */
export interface DeploymentSettings {
  /**
   * Deletion protection on the tables, and RETAIN for tables and log groups; `false` suits a
   * throwaway development stack. @default true
   */
  readonly deletionProtection: boolean;
  /**
   * Name of the custom EventBridge bus producers publish to; Hookline's operational events go
   * to `<eventBusName>-operations`. @default - the stack name in lower case: `hookline`,
   * `hookline-prod` for the stage `prod`
   */
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
   * The delivery queue and its slow lane each alarm when their oldest message is this old
   * (seconds, at most 14 days; at least one 15-minute hop and the attempt after it).
   * @default - 15 minutes, one queue visibility timeout and 5 minutes (see {@link oldestMessageAgeAlarmDefault})
   */
  readonly oldestMessageAgeAlarmSeconds?: number;
  /** Address subscribed to the alarm topic; confirm the subscription from the mail. @default - none */
  readonly alarmEmail?: string;
  /**
   * Host the web console and tenant portal on S3 behind CloudFront, its address a stack
   * output; `false` leaves them out (the API works the same). @default true
   */
  readonly consoleHosting: boolean;
}

/** Appended to the producers' bus name to name the operations bus. */
export const OPERATIONS_BUS_SUFFIX = '-operations';
/** EventBridge allows 256 characters, and the operations bus adds its suffix. */
const MAX_EVENT_BUS_NAME = 256 - OPERATIONS_BUS_SUFFIX.length;
const EVENT_BUS_NAME = new RegExp(`^[A-Za-z0-9._-]{1,${MAX_EVENT_BUS_NAME}}$`);
// Deliberately loose: one @, no spaces, a dot in the domain. SNS sends a confirmation mail.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Headroom of the oldest-message alarm: the alarm's 5-minute period, and the pick-up. */
const OLDEST_MESSAGE_ALARM_HEADROOM_SECONDS = 300;

function busName(raw: unknown): string {
  if (typeof raw !== 'string' || !EVENT_BUS_NAME.test(raw)) {
    throw new InvalidSetting(`must be 1-${MAX_EVENT_BUS_NAME} characters of A-Z a-z 0-9 . _ -`);
  }
  // "default" is the account's own bus and "aws." names are reserved for AWS.
  if (raw === 'default' || raw.startsWith('aws.')) {
    throw new InvalidSetting('must not be "default" or start with "aws."');
  }
  return raw;
}

function retention(raw: unknown): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  const value = integerBetween(1, RetentionDays.INFINITE)(raw);
  if (!allowed.includes(value)) {
    throw new InvalidSetting(
      `must be one of CloudWatch's retention periods: ${allowed.join(', ')}`,
    );
  }
  return value as RetentionDays;
}

function email(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 254 || !EMAIL.test(raw)) {
    throw new InvalidSetting('must be an email address such as ops@example.com');
  }
  return raw;
}

type RequiredDeploymentSettings = Omit<
  DeploymentSettings,
  'oldestMessageAgeAlarmSeconds' | 'alarmEmail'
>;

const deploymentSpecsFor = (stackName: string): SettingSpecs<RequiredDeploymentSettings> => ({
  deletionProtection: { default: true, parse: booleanValue },
  consoleHosting: { default: true, parse: booleanValue },
  eventBusName: { default: defaultEventBusName(stackName), parse: busName },
  logRetentionDays: { default: RetentionDays.ONE_MONTH, parse: retention },
  failureRatioAlarmThreshold: { default: 0.5, parse: decimalBetween(0, 1) },
  deadLetterAlarmThreshold: { default: 1, parse: integerBetween(1, 1_000_000) },
  latencyAlarmThresholdMs: {
    default: 5000,
    parse: integerBetween(1, LAMBDA_MAX_TIMEOUT_SECONDS * 1000),
  },
});
const deploymentSpecs = deploymentSpecsFor(BASE_STACK_NAME);

/**
 * Context keys without a default: the alarm age follows the delivery timeout unless set, and
 * there is no alarm email unless set.
 */
const optionalSpecs: SettingSpecs<
  Pick<DeploymentSettings, 'oldestMessageAgeAlarmSeconds' | 'alarmEmail'>
> = {
  oldestMessageAgeAlarmSeconds: {
    default: undefined,
    parse: integerBetween(60, SQS_MAX_RETENTION_SECONDS),
  },
  alarmEmail: { default: undefined, parse: email },
};

export const defaultDeploymentSettings: DeploymentSettings = defaultsOf(deploymentSpecs);

export interface ResolvedSettings {
  /** `undefined` for the unstaged stack. */
  readonly stage: string | undefined;
  /** `Hookline`, or `Hookline-<stage>`. */
  readonly stackName: string;
  readonly settings: HooklineSettings;
  readonly deployment: DeploymentSettings;
}

/** Every setting, runtime settings first: what context and a stage's block may set. */
export const settingKeys = [
  ...Object.keys(settingSpecs),
  ...Object.keys(deploymentSpecs),
  ...Object.keys(optionalSpecs),
] as readonly string[];

/** Every context key the app reads: the settings, the stage and the stages' blocks. */
export const contextKeys = [...settingKeys, STAGE_CONTEXT_KEY, STAGES_CONTEXT_KEY] as const;

/** Reads settings from a construct's context; throws {@link SettingsError} on bad values. */
export function settingsFromContext(scope: IConstruct): ResolvedSettings {
  return resolveSettings((key) => scope.node.tryGetContext(key));
}

/**
 * Reads the stage and its settings through `context`, falling back to the defaults for keys
 * that are absent. Accepts the strings that `cdk -c key=value` produces (`"5"`, `"false"`,
 * `"1m,5m"`).
 */
export function resolveSettings(context: (key: string) => unknown): ResolvedSettings {
  const {
    stage,
    stackName,
    lookup,
    label,
    problems: stageProblems,
  } = selectStage(context, settingKeys);
  const runtime = readSpecs(settingSpecs, lookup, { label });
  const stack = readSpecs(deploymentSpecsFor(stackName), lookup, { label });
  const optional = readSpecs(optionalSpecs, lookup, { label });
  const problems = [...stageProblems, ...runtime.problems, ...stack.problems, ...optional.problems];
  const settings = runtime.values;
  const deployment: DeploymentSettings = {
    ...stack.values,
    oldestMessageAgeAlarmSeconds:
      optional.values.oldestMessageAgeAlarmSeconds ?? oldestMessageAgeAlarmDefault(settings),
    ...(optional.values.alarmEmail !== undefined && { alarmEmail: optional.values.alarmEmail }),
  };
  // Cross-checks only make sense once every single value is readable.
  if (problems.length === 0) {
    problems.push(
      ...consistencyProblems(settings, label),
      ...alarmProblems(settings, deployment, optional.values, label),
    );
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return { stage, stackName, settings, deployment };
}

/**
 * Default of `oldestMessageAgeAlarmSeconds`. A waiting delivery is a new message delayed by at
 * most 15 minutes, so in a drained queue no message gets older than that hop, plus one
 * visibility timeout when an attempt failed unexpectedly and SQS hands the message out again,
 * plus 5 minutes of headroom. The retry schedule no longer matters.
 */
export function oldestMessageAgeAlarmDefault(settings: HooklineSettings): number {
  const { queueVisibilityTimeoutSeconds } = deriveTimeouts(settings);
  return (
    SQS_MAX_DELAY_SECONDS + queueVisibilityTimeoutSeconds + OLDEST_MESSAGE_ALARM_HEADROOM_SECONDS
  );
}

/** The age a message regularly reaches in a delivery queue: one 15-minute hop and its attempt. */
function regularMessageAgeSeconds(settings: HooklineSettings): number {
  return SQS_MAX_DELAY_SECONDS + deriveTimeouts(settings).dispatcherTimeoutSeconds;
}

/** Rules that tie the alarm thresholds to the runtime settings. */
function alarmProblems(
  settings: HooklineSettings,
  deployment: DeploymentSettings,
  given: Pick<DeploymentSettings, 'oldestMessageAgeAlarmSeconds'>,
  label: (key: string) => string,
): string[] {
  const problems: string[] = [];
  // Below one hop, every delivery that is merely waiting would keep the alarm on.
  const regular = regularMessageAgeSeconds(settings);
  const { oldestMessageAgeAlarmSeconds } = given;
  if (oldestMessageAgeAlarmSeconds !== undefined && oldestMessageAgeAlarmSeconds < regular) {
    problems.push(
      `${label('oldestMessageAgeAlarmSeconds')}: ${oldestMessageAgeAlarmSeconds} is below the ${regular} s a message regularly spends in a delivery queue (a 15-minute delay and its attempt); the alarm would fire for every waiting delivery`,
    );
  }
  // An attempt is cut off at the delivery timeout, so its latency never gets above it.
  if (deployment.latencyAlarmThresholdMs >= settings.deliveryTimeoutSeconds * 1000) {
    problems.push(
      `${label('latencyAlarmThresholdMs')}: ${deployment.latencyAlarmThresholdMs} is not below the delivery timeout (${settings.deliveryTimeoutSeconds} s); the latency alarm could never fire`,
    );
  }
  return problems;
}

export { SettingsError };

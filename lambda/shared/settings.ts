/**
 * Hookline's runtime settings: their schema, defaults and validation, written once and read
 * from `cdk.json` context by the CDK app, from `HOOKLINE_*` variables by local mode and from
 * the function environment by the functions. Every reader gets the same messages.
 */
import { durationMs, retryDelayProblem } from './durations';
import {
  LAMBDA_MAX_TIMEOUT_SECONDS,
  RETRY_JITTER,
  SQS_MAX_BATCH_WITH_WINDOW,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_RETENTION_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS,
} from './limits';

/**
 * What the settings are read for. Local mode accepts windows short enough for tests (an
 * endpoint disabled after 3 s of failures); a deployment does not.
 */
export type SettingsProfile = 'deployment' | 'local';

/** A value that cannot be used; its message says what is expected. */
export class InvalidSetting extends Error {}

export interface SettingSpec<T> {
  readonly default: T;
  /** Turns a raw value (JSON from cdk.json, or a string) into the setting; throws InvalidSetting. */
  readonly parse: (raw: unknown, profile: SettingsProfile) => T;
  /** False for settings only the infrastructure needs: they are not passed to the functions. */
  readonly toFunctions?: false;
}

export type SettingSpecs<T> = { readonly [K in keyof T]: SettingSpec<T[K]> };

// --- value parsers, shared with the deployment settings of lib/settings.ts ----------------

/** A whole number in [min, max]; `localMin` lowers the minimum in local mode. */
export const integerBetween =
  (min: number, max: number, localMin = min) =>
  (raw: unknown, profile: SettingsProfile = 'deployment'): number => {
    const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new InvalidSetting('must be an integer');
    }
    const lowest = profile === 'local' ? localMin : min;
    if (value < lowest || value > max) {
      throw new InvalidSetting(`must be between ${lowest} and ${max}`);
    }
    return value;
  };

export const decimalBetween =
  (min: number, max: number) =>
  (raw: unknown): number => {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidSetting('must be a number');
    }
    if (value < min || value > max) throw new InvalidSetting(`must be between ${min} and ${max}`);
    return value;
  };

export function booleanValue(raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new InvalidSetting('must be true or false');
}

/** A list of retry delays, as a JSON array or the comma-separated text `-c` and env give. */
export function retrySchedule(raw: unknown): readonly string[] {
  const items: unknown = typeof raw === 'string' ? raw.split(',').map((item) => item.trim()) : raw;
  if (!Array.isArray(items) || items.length === 0) {
    throw new InvalidSetting('must be a non-empty list of durations such as ["1m", "5m", "2h"]');
  }
  return items.map((item: unknown) => {
    if (typeof item !== 'string') {
      throw new InvalidSetting(`${JSON.stringify(item)} is not a duration (use e.g. 30s, 5m, 2h)`);
    }
    const problem = retryDelayProblem(item);
    if (problem !== undefined) throw new InvalidSetting(problem);
    return item.trim();
  });
}

/** `443`, or a range `1024-65535`. */
const PORT_ITEM = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** Ports and port ranges endpoint URLs may use, as a JSON array or comma-separated text. */
export function portRanges(raw: unknown): readonly string[] {
  const items: unknown = typeof raw === 'string' ? raw.split(',').map((item) => item.trim()) : raw;
  if (!Array.isArray(items) || items.length === 0) {
    throw new InvalidSetting(
      'must be a non-empty list of ports or ranges such as ["443", "1024-65535"]',
    );
  }
  return items.map((item: unknown) => {
    const match = typeof item === 'string' ? PORT_ITEM.exec(item.trim()) : null;
    const low = Number(match?.[1]);
    const high = Number(match?.[2] ?? match?.[1]);
    if (!match || low < 1 || high > 65535 || low > high) {
      throw new InvalidSetting(
        `${JSON.stringify(item)} is not a port (1-65535) or a range low-high`,
      );
    }
    return (item as string).trim();
  });
}

/** Whether `port` is one of `ranges` (as {@link portRanges} accepted them). */
export function portAllowed(port: number, ranges: readonly string[]): boolean {
  return ranges.some((range) => {
    const [low, high = low] = range.split('-').map(Number) as [number, number?];
    return port >= low && port <= (high as number);
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Web origins (`https://app.example.com`, with a port if not 443) that may frame the console
 * and the tenant portal; `http://` only for a loopback host. Each becomes a CSP
 * `frame-ancestors` source, so nothing but an exact origin is accepted.
 */
export function webOrigins(raw: unknown): readonly string[] {
  const items: unknown =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : raw;
  if (!Array.isArray(items)) {
    throw new InvalidSetting('must be a list of origins such as ["https://app.example.com"]');
  }
  return items.map((item: unknown) => {
    let url: URL | undefined;
    try {
      url = typeof item === 'string' ? new URL(item) : undefined;
    } catch {
      url = undefined;
    }
    const exact = url !== undefined && url.origin === item;
    const secure =
      url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    if (!exact || !secure) {
      throw new InvalidSetting(
        `${JSON.stringify(item)} is not an origin: give scheme://host[:port] with https (http only for localhost), no path and no trailing slash`,
      );
    }
    return item as string;
  });
}

// --- the runtime settings ------------------------------------------------------------------

/** Settings of a deployment that the functions work with. */
export interface HooklineSettings {
  /** Delays between attempts, e.g. `['1m','5m']`. @default 1m, 5m, 30m, 2h, 12h */
  readonly retrySchedule: readonly string[];
  /** Attempts per delivery including the first. @default 6 */
  readonly maxAttempts: number;
  /** Per-attempt HTTP timeout in seconds. @default 15 */
  readonly deliveryTimeoutSeconds: number;
  /** Deliveries the dispatcher receives per invocation. @default 10 */
  readonly dispatchBatchSize: number;
  /** Days an event stays in the event log for replay. @default 30 */
  readonly eventRetentionDays: number;
  /** Days attempt records are kept. @default 14 */
  readonly attemptRetentionDays: number;
  /**
   * Receives before SQS itself dead-letters a message that keeps crashing the dispatcher. A
   * deferral is a new message, so only crashes count; on the last receive the dispatcher
   * dead-letters the message itself, with a reason.
   * @default 100
   */
  readonly maxReceiveCount: number;
  /** Grace period in hours during which a rotated secret keeps signing. @default 24 */
  readonly secretRotationGraceHours: number;
  /**
   * Failed attempts within a minute below which an endpoint's circuit stays closed (the
   * minimum volume); from it on, the failure rate decides. @default 5
   */
  readonly circuitBreakerThreshold: number;
  /**
   * Share of attempts within a minute, in percent, that must fail to open the circuit: high, so
   * an endpoint that fails often but succeeds on retry keeps its own retry schedule. @default 90
   */
  readonly circuitBreakerFailureRatePercent: number;
  /**
   * Seconds an open circuit waits before letting a few probes through; doubles with each
   * re-opening, but a held-back delivery never waits longer than its own next retry delay.
   * @default 30
   */
  readonly circuitBreakerCooldownSeconds: number;
  /**
   * Seconds an attempt may go unanswered in the main lane: past it, the attempt and the
   * endpoint's next deliveries move to the slow lane, which waits the full delivery timeout.
   * @default 2
   */
  readonly slowEndpointSeconds: number;
  /**
   * Dispatcher invocations at once on the main delivery queue (event source mapping). The
   * simulation's day at 1,000 deliveries/s needs about 32. @default 50
   */
  readonly dispatcherMaxConcurrency: number;
  /**
   * Dispatcher invocations at once on the slow lane, which holds slow and hanging endpoints:
   * 1 % of traffic answering in 10 s at 1,000 deliveries/s needs about 10. @default 20
   */
  readonly slowLaneMaxConcurrency: number;
  /** An endpoint failing without a single success for this long is disabled. @default 432000 (5 days) */
  readonly autoDisableAfterSeconds: number;
  /**
   * Ports endpoint URLs may use: by default HTTPS's and the unprivileged ones, so Hookline
   * cannot be pointed at mail, SSH or other well-known services.
   * @default 443, 8443, 1024-65535
   */
  readonly endpointPorts: readonly string[];
  /**
   * Origins allowed to embed the console and the tenant portal in an iframe (CSP
   * `frame-ancestors`), e.g. your own app's `https://app.example.com`. Empty: no page may frame
   * them. @default - none
   */
  readonly consoleFrameAncestors: readonly string[];
}

export const settingSpecs: SettingSpecs<HooklineSettings> = {
  retrySchedule: { default: ['1m', '5m', '30m', '2h', '12h'], parse: retrySchedule },
  maxAttempts: { default: 6, parse: integerBetween(1, 100) },
  deliveryTimeoutSeconds: { default: 15, parse: integerBetween(1, LAMBDA_MAX_TIMEOUT_SECONDS) },
  dispatchBatchSize: {
    default: 10,
    parse: integerBetween(1, SQS_MAX_BATCH_WITH_WINDOW),
    toFunctions: false,
  },
  eventRetentionDays: { default: 30, parse: integerBetween(1, 3650) },
  attemptRetentionDays: { default: 14, parse: integerBetween(1, 3650) },
  maxReceiveCount: { default: 100, parse: integerBetween(2, SQS_MAX_RECEIVE_COUNT) },
  secretRotationGraceHours: { default: 24, parse: integerBetween(0, 24 * 30) },
  circuitBreakerThreshold: { default: 5, parse: integerBetween(1, 100) },
  circuitBreakerFailureRatePercent: { default: 90, parse: integerBetween(1, 100) },
  circuitBreakerCooldownSeconds: { default: 30, parse: integerBetween(1, 3600) },
  slowEndpointSeconds: { default: 2, parse: integerBetween(1, LAMBDA_MAX_TIMEOUT_SECONDS) },
  // An event source mapping takes 2 to 1000; local mode runs one poller per unit.
  dispatcherMaxConcurrency: { default: 50, parse: integerBetween(2, 1000, 1), toFunctions: false },
  slowLaneMaxConcurrency: { default: 20, parse: integerBetween(2, 1000, 1), toFunctions: false },
  // Local mode lets tests watch an endpoint be disabled within seconds.
  autoDisableAfterSeconds: { default: 5 * 86_400, parse: integerBetween(3600, 30 * 86_400, 1) },
  endpointPorts: { default: ['443', '8443', '1024-65535'], parse: portRanges },
  // Read by the console's hosting (CloudFront or local mode), not by any function.
  consoleFrameAncestors: { default: [], parse: webOrigins, toFunctions: false },
};

export function defaultsOf<T>(specs: SettingSpecs<T>): T {
  return Object.fromEntries(
    Object.entries(specs).map(([key, spec]) => [key, (spec as SettingSpec<unknown>).default]),
  ) as T;
}

export const defaultSettings: HooklineSettings = defaultsOf(settingSpecs);

// --- reading -------------------------------------------------------------------------------

export interface ReadOptions {
  /** @default 'deployment' */
  readonly profile?: SettingsProfile;
  /** How a problem names the setting: its context key, or the variable it was read from. */
  readonly label?: (key: string) => string;
}

export interface ReadResult<T> {
  readonly values: T;
  /** One line per bad value, `label: what is wrong (got …)`; empty when all are usable. */
  readonly problems: readonly string[];
}

/**
 * Reads every setting of `specs` through `lookup`, falling back to its default when absent,
 * and collects every problem instead of stopping at the first.
 */
export function readSpecs<T>(
  specs: SettingSpecs<T>,
  lookup: (key: string) => unknown,
  options: ReadOptions = {},
): ReadResult<T> {
  const label = options.label ?? ((key: string) => key);
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs) as [string, SettingSpec<unknown>][]) {
    const raw = lookup(key);
    if (raw === undefined || raw === null) {
      values[key] = spec.default;
      continue;
    }
    try {
      values[key] = spec.parse(raw, options.profile ?? 'deployment');
    } catch (error) {
      if (!(error instanceof InvalidSetting)) throw error;
      problems.push(`${label(key)}: ${error.message} (got ${JSON.stringify(raw)})`);
      values[key] = spec.default;
    }
  }
  return { values: values as T, problems };
}

/** The runtime settings, with the rules that tie them to each other and to AWS's limits. */
export function readSettings(
  lookup: (key: string) => unknown,
  options: ReadOptions = {},
): ReadResult<HooklineSettings> {
  const read = readSpecs(settingSpecs, lookup, options);
  // Cross-checks only make sense once every single value is readable.
  if (read.problems.length > 0) return read;
  const label = options.label ?? ((key: string) => key);
  return { values: read.values, problems: consistencyProblems(read.values, label) };
}

export class SettingsError extends Error {
  constructor(
    readonly problems: readonly string[],
    source = 'CDK context',
  ) {
    super(`Invalid Hookline settings in ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
  }
}

/** `maxAttempts` → `MAX_ATTEMPTS`: the function environment variable of a setting. */
export const settingEnvName = (key: string): string =>
  key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** `maxAttempts` → `HOOKLINE_MAX_ATTEMPTS`: the local-mode variable of a setting. */
export const localSettingEnvName = (key: string): string => `HOOKLINE_${settingEnvName(key)}`;

/** The environment a function needs for the given settings, keyed by variable name. */
export function settingsEnvironment(settings: HooklineSettings): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(settingSpecs) as [keyof HooklineSettings, SettingSpec<unknown>][])
      .filter(([, spec]) => spec.toFunctions !== false)
      .map(([key]) => {
        const value = settings[key];
        return [settingEnvName(key), Array.isArray(value) ? value.join(',') : String(value)];
      }),
  );
}

// --- derived values ------------------------------------------------------------------------

export interface DerivedTimeouts {
  /** Dispatcher function timeout: one attempt's HTTP timeout plus bookkeeping headroom. */
  readonly dispatcherTimeoutSeconds: number;
  /** Replay function timeout; a page stops well before it and continues in a new message. */
  readonly replayTimeoutSeconds: number;
  /** Replay jobs queue visibility: six times the replay function timeout. */
  readonly jobsVisibilityTimeoutSeconds: number;
  /** Queue visibility: six times the function timeout, as AWS advises for SQS event sources. */
  readonly queueVisibilityTimeoutSeconds: number;
}

/**
 * Keeps the HTTP timeout, function timeout and queue visibility timeout consistent: the
 * deliveries of a batch run concurrently, so one batch lasts about one HTTP timeout.
 */
export function deriveTimeouts(settings: HooklineSettings): DerivedTimeouts {
  const dispatcherTimeoutSeconds = settings.deliveryTimeoutSeconds + 10;
  const replayTimeoutSeconds = 300;
  return {
    dispatcherTimeoutSeconds,
    queueVisibilityTimeoutSeconds: dispatcherTimeoutSeconds * 6,
    replayTimeoutSeconds,
    jobsVisibilityTimeoutSeconds: replayTimeoutSeconds * 6,
  };
}

/**
 * The longest a delivery regularly stays in the delivery queue, in seconds: every backoff
 * delay of its retries at its maximum jitter, plus each attempt's dispatcher timeout. A
 * delivery that is still queued after that is stuck, not retrying.
 */
export function deliveryWindowSeconds(settings: HooklineSettings): number {
  const { dispatcherTimeoutSeconds } = deriveTimeouts(settings);
  const delays = settings.retrySchedule.map((delay) => (durationMs(delay) ?? 0) / 1000);
  const last = delays[delays.length - 1] ?? 0;
  let total = 0;
  for (let attempt = 1; attempt < settings.maxAttempts; attempt += 1) {
    total += (delays[attempt - 1] ?? last) * (1 + RETRY_JITTER) + dispatcherTimeoutSeconds;
  }
  return total;
}

/** Rules that tie the settings to each other and to SQS and Lambda limits. */
export function consistencyProblems(
  settings: HooklineSettings,
  label: (key: keyof HooklineSettings) => string = (key) => key,
): string[] {
  const problems: string[] = [];
  const { dispatcherTimeoutSeconds, queueVisibilityTimeoutSeconds } = deriveTimeouts(settings);
  if (dispatcherTimeoutSeconds > LAMBDA_MAX_TIMEOUT_SECONDS) {
    problems.push(
      `${label('deliveryTimeoutSeconds')}: ${settings.deliveryTimeoutSeconds} gives a dispatcher timeout of ${dispatcherTimeoutSeconds} s, above Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s`,
    );
  }
  if (queueVisibilityTimeoutSeconds > SQS_MAX_VISIBILITY_SECONDS) {
    problems.push(
      `${label('deliveryTimeoutSeconds')}: ${settings.deliveryTimeoutSeconds} gives a queue visibility timeout of ${queueVisibilityTimeoutSeconds} s, above SQS's 12 h`,
    );
  }
  // A delivery still in backoff when the queue's retention ends would vanish without a trace.
  const total = deliveryWindowSeconds(settings);
  if (total > SQS_MAX_RETENTION_SECONDS) {
    problems.push(
      `${label('retrySchedule')} with ${label('maxAttempts')} ${settings.maxAttempts} can take ${Math.round(total / 3600)} h, beyond the delivery queue's 14-day retention`,
    );
  }
  return problems;
}

/**
 * The one definition of Hookline's resources (tables, queues, bus rule, routes, settings),
 * read by the CDK stack and by the local runtime so the two cannot drift.
 * Pure data: no CDK and no AWS SDK imports.
 */

export type KeyType = 'S' | 'N';

export interface KeyDefinition {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  /**
   * Attributes copied into the index besides the keys; absent copies every attribute.
   * Every index write is billed by the size of what it copies.
   */
  readonly include?: readonly string[];
}

export interface TableDefinition {
  /** Logical name; also the suffix of the local table name. */
  readonly name: string;
  /** Environment variable through which functions learn the physical table name. */
  readonly envVar: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  /** Attribute holding the expiry (epoch seconds); TTL is switched on by CDK only. */
  readonly ttlAttribute?: string;
  readonly globalIndexes?: readonly IndexDefinition[];
}

export const tables = {
  /** Every accepted event: the event log that replay reads. */
  events: {
    name: 'events',
    envVar: 'EVENTS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    ttlAttribute: 'expiresAt',
    // Replay and listing read one tenant's events by time, never by scan. Only the type is
    // copied: a payload (up to 256 KiB) in the index would double the cost of each publish.
    globalIndexes: [
      {
        indexName: 'byTenantTime',
        partitionKey: { name: 'tenant', type: 'S' },
        sortKey: { name: 'timestamp', type: 'S' },
        include: ['type'],
      },
    ],
  },
  /** Endpoints keyed by tenant so fan-out is one Query, never a Scan. */
  endpoints: {
    name: 'endpoints',
    envVar: 'ENDPOINTS_TABLE',
    partitionKey: { name: 'tenant', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    globalIndexes: [{ indexName: 'byId', partitionKey: { name: 'id', type: 'S' } }],
  },
  /** Per (event, endpoint) delivery state; written only once a delivery has failed. */
  deliveries: {
    name: 'deliveries',
    envVar: 'DELIVERIES_TABLE',
    partitionKey: { name: 'eventId', type: 'S' },
    sortKey: { name: 'endpointId', type: 'S' },
    ttlAttribute: 'expiresAt',
    // Sparse: only dead-lettered deliveries carry `dlqEndpointId`, so the index is the DLQ list.
    globalIndexes: [
      {
        indexName: 'deadLetters',
        partitionKey: { name: 'dlqEndpointId', type: 'S' },
        sortKey: { name: 'deadLetteredAt', type: 'S' },
      },
    ],
  },
  /** Attempt log per endpoint, newest last by ULID; successes are grouped per batch. */
  attempts: {
    name: 'attempts',
    envVar: 'ATTEMPTS_TABLE',
    partitionKey: { name: 'endpointId', type: 'S' },
    sortKey: { name: 'attemptId', type: 'S' },
    ttlAttribute: 'expiresAt',
  },
  /** Idempotency keys of publishes, kept 24 h. */
  idempotency: {
    name: 'idempotency',
    envVar: 'IDEMPOTENCY_TABLE',
    partitionKey: { name: 'key', type: 'S' },
    ttlAttribute: 'expiresAt',
  },
  /** Per-endpoint delivery health shared by all dispatchers: circuit state, rate windows. */
  endpointState: {
    name: 'endpoint-state',
    envVar: 'ENDPOINT_STATE_TABLE',
    partitionKey: { name: 'endpointId', type: 'S' },
    sortKey: { name: 'key', type: 'S' },
    ttlAttribute: 'expiresAt',
  },
  /** Replay and redrive jobs with their progress, kept 7 days. */
  jobs: {
    name: 'jobs',
    envVar: 'JOBS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    ttlAttribute: 'expiresAt',
  },
  /** API keys, stored as SHA-256 hashes only. */
  apiKeys: {
    name: 'api-keys',
    envVar: 'API_KEYS_TABLE',
    partitionKey: { name: 'keyHash', type: 'S' },
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof tables;

export interface QueueDefinition {
  readonly name: string;
  readonly envVar: string;
}

export const queues = {
  delivery: { name: 'delivery', envVar: 'DELIVERY_QUEUE_URL' },
  deadLetter: { name: 'delivery-dlq', envVar: 'DEAD_LETTER_QUEUE_URL' },
  /** Pages of replay and redrive work; the replay function consumes it one page at a time. */
  jobs: { name: 'replay-jobs', envVar: 'JOBS_QUEUE_URL' },
  /** Job pages that crashed the replay function five times. */
  jobsDeadLetter: { name: 'replay-jobs-dlq', envVar: 'JOBS_DEAD_LETTER_QUEUE_URL' },
} as const satisfies Record<string, QueueDefinition>;

/** API Gateway caches an authorizer answer per Authorization header this long. */
export const AUTHORIZER_CACHE_SECONDS = 300;

/** The custom bus producers publish to, and that carries Hookline's operational events. */
export const eventBus = {
  defaultName: 'hookline',
  envVar: 'EVENT_BUS_NAME',
  /** Detail types Hookline emits itself start with this and are never ingested again. */
  operationalPrefix: 'hookline.',
} as const;

/**
 * Metrics Hookline writes in Embedded Metric Format. Powertools adds the `service` dimension
 * to every metric, so per-endpoint metrics carry {service, EndpointId}.
 */
export const metricNames = {
  namespace: 'Hookline',
  service: 'hookline',
  endpointDimension: 'EndpointId',
  eventTypeDimension: 'EventType',
  /** Per endpoint, one value per attempt. */
  attempts: 'Attempts',
  successes: 'Successes',
  /** 1 for a failed attempt, 0 for a successful one: its average is the failure ratio. */
  failures: 'Failures',
  /** Milliseconds per attempt; also written with the service dimension only, for percentiles. */
  latency: 'Latency',
  deadLettered: 'DeadLettered',
  /** Per event type, without the endpoint dimension. */
  eventsPublished: 'EventsPublished',
} as const;

/** Detail types of the operational events Hookline puts on its bus (source `hookline`). */
export const operationalEvents = {
  source: 'hookline',
  deadLettered: 'hookline.delivery.dead_lettered',
  endpointDisabled: 'hookline.endpoint.disabled',
  endpointRecovered: 'hookline.endpoint.recovered',
} as const;

/** EventBridge rule pattern that routes producer entries on the bus to the ingest function. */
export const ingestRulePattern = {
  'detail-type': [{ 'anything-but': { prefix: eventBus.operationalPrefix } }],
} as const;

export type FunctionName = 'ingest' | 'management' | 'dispatcher' | 'replay' | 'authorizer';

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'ANY';
  /** API Gateway route path; `{proxy+}` is a greedy parameter. */
  readonly path: string;
  readonly target: 'ingest' | 'management';
  /** Whether the API key authorizer runs first; only the health check is public. */
  readonly authorized: boolean;
}

/** HTTP API routes, most specific first (the local server matches in this order). */
export const apiRoutes: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v1/events', target: 'ingest', authorized: true },
  { method: 'POST', path: '/v1/events/batch', target: 'ingest', authorized: true },
  { method: 'GET', path: '/health', target: 'management', authorized: false },
  { method: 'ANY', path: '/v1/{proxy+}', target: 'management', authorized: true },
];

/** Deployment settings; each can be overridden by a `cdk.json` context key of the same name. */
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
   * Receives before SQS itself dead-letters a message that keeps crashing the dispatcher.
   * Well above `maxAttempts`: circuit and rate-limit deferrals are receives too.
   * @default 100
   */
  readonly maxReceiveCount: number;
  /** Grace period in hours during which a rotated secret keeps signing. @default 24 */
  readonly secretRotationGraceHours: number;
  /** Consecutive failed attempts that open an endpoint's circuit. @default 5 */
  readonly circuitBreakerThreshold: number;
  /** Seconds an open circuit waits before one probe delivery. @default 30 */
  readonly circuitBreakerCooldownSeconds: number;
  /** An endpoint failing without a single success for this long is disabled. @default 432000 (5 days) */
  readonly autoDisableAfterSeconds: number;
}

export const defaultSettings: HooklineSettings = {
  retrySchedule: ['1m', '5m', '30m', '2h', '12h'],
  maxAttempts: 6,
  deliveryTimeoutSeconds: 15,
  dispatchBatchSize: 10,
  eventRetentionDays: 30,
  attemptRetentionDays: 14,
  maxReceiveCount: 100,
  secretRotationGraceHours: 24,
  circuitBreakerThreshold: 5,
  circuitBreakerCooldownSeconds: 30,
  autoDisableAfterSeconds: 5 * 86_400,
};

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

/** Environment variables every function receives, apart from table and queue names. */
export const settingsEnv = {
  retrySchedule: 'RETRY_SCHEDULE',
  maxAttempts: 'MAX_ATTEMPTS',
  deliveryTimeoutSeconds: 'DELIVERY_TIMEOUT_SECONDS',
  eventRetentionDays: 'EVENT_RETENTION_DAYS',
  attemptRetentionDays: 'ATTEMPT_RETENTION_DAYS',
  secretRotationGraceHours: 'SECRET_ROTATION_GRACE_HOURS',
  circuitBreakerThreshold: 'CIRCUIT_BREAKER_THRESHOLD',
  circuitBreakerCooldownSeconds: 'CIRCUIT_BREAKER_COOLDOWN_SECONDS',
  autoDisableAfterSeconds: 'AUTO_DISABLE_AFTER_SECONDS',
  /** `true` only in local mode: allows http and loopback endpoint URLs. */
  allowPrivateTargets: 'ALLOW_PRIVATE_TARGETS',
} as const;

/** The environment a function needs for the given settings, keyed by variable name. */
export function settingsEnvironment(settings: HooklineSettings): Record<string, string> {
  return {
    [settingsEnv.retrySchedule]: settings.retrySchedule.join(','),
    [settingsEnv.maxAttempts]: String(settings.maxAttempts),
    [settingsEnv.deliveryTimeoutSeconds]: String(settings.deliveryTimeoutSeconds),
    [settingsEnv.eventRetentionDays]: String(settings.eventRetentionDays),
    [settingsEnv.attemptRetentionDays]: String(settings.attemptRetentionDays),
    [settingsEnv.secretRotationGraceHours]: String(settings.secretRotationGraceHours),
    [settingsEnv.circuitBreakerThreshold]: String(settings.circuitBreakerThreshold),
    [settingsEnv.circuitBreakerCooldownSeconds]: String(settings.circuitBreakerCooldownSeconds),
    [settingsEnv.autoDisableAfterSeconds]: String(settings.autoDisableAfterSeconds),
  };
}

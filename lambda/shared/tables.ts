/**
 * Hookline's DynamoDB tables, read by the CDK stack (which creates them), by the local
 * stand-ins (which create them in dynalite) and by the functions (which learn their names from
 * `envVar`). Pure data.
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

const text = (name: string): KeyDefinition => ({ name, type: 'S' });

/** A table keyed by `partitionKey` (and `sortKey`) whose items expire at `expiresAt`. */
const expiring = (
  name: string,
  envVar: string,
  partitionKey: string,
  sortKey?: string,
): TableDefinition => ({
  name,
  envVar,
  partitionKey: text(partitionKey),
  ...(sortKey !== undefined && { sortKey: text(sortKey) }),
  ttlAttribute: 'expiresAt',
});

export const tables = {
  /** Every accepted event: the event log that replay reads. */
  events: {
    ...expiring('events', 'EVENTS_TABLE', 'id'),
    // Replay and listing read one tenant's events by time, never by scan. Only the type is
    // copied: a payload (up to 256 KiB) in the index would double the cost of each publish.
    globalIndexes: [
      {
        indexName: 'byTenantTime',
        partitionKey: text('tenant'),
        sortKey: text('timestamp'),
        include: ['type'],
      },
    ],
  },
  /** Endpoints keyed by tenant so fan-out is one Query, never a Scan. */
  endpoints: {
    name: 'endpoints',
    envVar: 'ENDPOINTS_TABLE',
    partitionKey: text('tenant'),
    sortKey: text('id'),
    globalIndexes: [{ indexName: 'byId', partitionKey: text('id') }],
  },
  /** Per (event, endpoint) delivery state; written only once a delivery has failed. */
  deliveries: {
    ...expiring('deliveries', 'DELIVERIES_TABLE', 'eventId', 'endpointId'),
    // Sparse: only dead-lettered deliveries carry `dlqEndpointId`, so the index is the DLQ list.
    globalIndexes: [
      {
        indexName: 'deadLetters',
        partitionKey: text('dlqEndpointId'),
        sortKey: text('deadLetteredAt'),
      },
    ],
  },
  /** Attempt log per endpoint, newest last by ULID; successes are grouped per batch. */
  attempts: expiring('attempts', 'ATTEMPTS_TABLE', 'endpointId', 'attemptId'),
  /** Idempotency keys of publishes, kept 24 h. */
  idempotency: expiring('idempotency', 'IDEMPOTENCY_TABLE', 'key'),
  /** Per-endpoint delivery health shared by all dispatchers: circuit state, rate windows. */
  endpointState: expiring('endpoint-state', 'ENDPOINT_STATE_TABLE', 'endpointId', 'key'),
  /** Replay and redrive jobs with their progress, kept 7 days. */
  jobs: expiring('jobs', 'JOBS_TABLE', 'id'),
  /**
   * Polling endpoints' feeds: one partition per endpoint, deflated pages of deliveries keyed
   * by their last place (`seq`, from 1); the item at place 0 is the feed's counter and never
   * expires.
   */
  feeds: {
    name: 'feeds',
    envVar: 'FEEDS_TABLE',
    partitionKey: text('endpointId'),
    sortKey: { name: 'seq', type: 'N' },
    ttlAttribute: 'expiresAt',
  },
  /** API keys, stored as SHA-256 hashes only. */
  // Portal sessions expire; other keys have no `expiresAt` and stay until revoked.
  apiKeys: {
    name: 'api-keys',
    envVar: 'API_KEYS_TABLE',
    partitionKey: text('keyHash'),
    ttlAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof tables;

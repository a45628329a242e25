import type { QueueName, queues } from '#shared/queues';
import type { HooklineSettings } from '#shared/settings';
import type { TableName } from '#shared/tables';
import type { ClientOptions } from '../adapters/aws-clients';

/** The queues functions learn the URL of (the others are only known to the infrastructure). */
export type QueueWithUrl = {
  [K in QueueName]: (typeof queues)[K] extends { readonly envVar: string } ? K : never;
}[QueueName];

/** How long the dispatcher keeps an endpoint read, unless told otherwise. */
export const DEFAULT_ENDPOINT_CACHE_MS = 5000;

/**
 * Everything the handlers' dependencies are built from: in AWS read from the environment
 * (`configFromEnvironment`), in local mode given by the local runtime, in tests by the test.
 */
export interface RuntimeConfig {
  readonly settings: HooklineSettings;
  /** Where the SDK clients connect; each is made on first use (`adapters/clients/`). */
  readonly aws: ClientOptions;
  /** Physical name of a table; throws when the function was not told it. */
  tableName(table: TableName): string;
  /** URL of a queue; throws when the function was not told it. */
  queueUrl(queue: QueueWithUrl): string;
  /** Hookline's own bus for its operational events (not the producers' bus). */
  operationsBusName(): string;
  /** Local mode only: deliver over http and to loopback and private addresses. */
  readonly allowPrivateTargets: boolean;
  /** How long the dispatcher may deliver with an endpoint read this long ago. */
  readonly endpointCacheMs: number;
  /** The Secrets Manager secret holding the admin key made at deploy, if any. */
  readonly bootstrapAdminKeySecretArn?: string | undefined;
  /** The KMS key wrapping the data keys that seal endpoint secrets (AWS). */
  readonly endpointSecretsKeyArn?: string | undefined;
  /** The Secrets Manager secret whose value signs pagination cursors (AWS). */
  readonly cursorSecretArn?: string | undefined;
  /** The console's address, `https://…/`; portal links start with it. None: no console. */
  readonly consoleUrl?: string | undefined;
  /**
   * Local mode only: a key kept in the data dir that stands in for both of the above (KMS
   * and the cursor secret), so that local mode seals and signs exactly as AWS does.
   */
  readonly localMasterKey?: Uint8Array | undefined;
}

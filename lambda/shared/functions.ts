/** The functions Hookline runs, by the handler module each one runs (`lambda/handlers/<name>.ts`). */
export const functionNames = [
  'ingest',
  'management',
  'keys',
  'dispatcher',
  'replay',
  'authorizer',
] as const;

export type FunctionName = (typeof functionNames)[number];

/**
 * Metadata key of each function's CloudFormation resource, whose value is the function's
 * {@link FunctionName}: how local mode finds which synthesized bundle is which function.
 */
export const HANDLER_METADATA_KEY = 'hookline:handler';

/** Reported by `GET /health` and in every delivery's `user-agent`. */
export const HOOKLINE_VERSION = '0.8.0';

export const USER_AGENT = `Hookline/${HOOKLINE_VERSION}`;

/** Environment variables of the functions besides tables, queues, bus and settings. */
export const functionEnv = {
  /** `true` only in local mode: allows http and loopback endpoint URLs. */
  allowPrivateTargets: 'ALLOW_PRIVATE_TARGETS',
  /** Milliseconds the dispatcher keeps an endpoint read; 5000 unless set. */
  endpointCacheMs: 'ENDPOINT_CACHE_MS',
  /** The secret holding the admin key generated at deploy; the authorizer's only. */
  bootstrapAdminKeySecretArn: 'BOOTSTRAP_ADMIN_KEY_SECRET_ARN',
  /**
   * The customer-managed KMS key (ARN) that wraps the data keys sealing endpoint signing
   * secrets; given only to the functions that store or sign with secrets.
   */
  endpointSecretsKeyArn: 'ENDPOINT_SECRETS_KEY_ARN',
  /** The Secrets Manager secret whose value signs pagination cursors; management's only. */
  cursorSecretArn: 'CURSOR_SECRET_ARN',
  /** The console's address (`https://…/`), from which portal links are made; keys's only. */
  consoleUrl: 'HOOKLINE_CONSOLE_URL',
} as const;

/** Encryption context bound to every data key of the endpoint secrets key. */
export const ENDPOINT_SECRETS_CONTEXT = { purpose: 'hookline-endpoint-secrets' } as const;

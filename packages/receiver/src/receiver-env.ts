/**
 * The environment variables of the verifying function, shared by the function (which reads
 * them) and the WebhookReceiver construct (which sets them). Plain data: importing it pulls in
 * none of the function's runtime dependencies.
 */
export const receiverEnv = {
  secretArn: 'WEBHOOK_SECRET_ARN',
  queueUrl: 'WEBHOOK_QUEUE_URL',
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  toleranceSeconds: 'WEBHOOK_TOLERANCE_SECONDS',
  secretCacheSeconds: 'WEBHOOK_SECRET_CACHE_SECONDS',
} as const;

/**
 * Limits of the AWS services Hookline runs on, and the retry rules built on them. Settings
 * validation, the dispatcher and the CDK stack all read them from here.
 */

/** SQS hides a received message for at most 12 h, counted from the receive. */
export const SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
/** In-flight messages a standard queue holds before `ReceiveMessage` fails with `OverLimit`. */
export const SQS_IN_FLIGHT_LIMIT = 120_000;
/** SQS delays a sent message at most 15 minutes. */
export const SQS_MAX_DELAY_SECONDS = 900;
/** SQS keeps a message at most 14 days. */
export const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** The highest `maxReceiveCount` a redrive policy accepts. */
export const SQS_MAX_RECEIVE_COUNT = 1000;
/** Records per invocation an SQS event source mapping takes when it has a batching window. */
export const SQS_MAX_BATCH_WITH_WINDOW = 10_000;
/** Lambda's longest function timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Retry delays are spread by ±20 % so the retries of one outage do not arrive together. */
export const RETRY_JITTER = 0.2;
/** The shortest retry delay: SQS visibility has whole seconds. */
export const MIN_RETRY_DELAY_SECONDS = 1;
/** The longest retry delay, and the longest `Retry-After` honoured. */
export const MAX_RETRY_DELAY_SECONDS = SQS_MAX_VISIBILITY_SECONDS;

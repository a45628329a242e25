export {
  WebhookBodyTooLargeError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js';
export type { WebhookHeaders } from './headers.js';
export {
  createWebhookListener,
  DEFAULT_BODY_LIMIT_BYTES,
  type ReadBodyOptions,
  readRawBody,
  verifyRequest,
  type WebhookListenerOptions,
} from './node-http.js';
export { type Problem, problemFor } from './problem.js';
export {
  type RawBody,
  type Secrets,
  type SignedWebhook,
  signWebhook,
  type VerifiedWebhook,
  type VerifyOptions,
  verify,
  verifyWebhook,
  type WebhookPayload,
} from './verify.js';

/** Why a delivery was refused; each code is one thing the sender or the receiver got wrong. */
export type WebhookVerificationErrorCode =
  /** A `webhook-id`, `webhook-timestamp` or `webhook-signature` header is absent or empty. */
  | 'missing_header'
  /** `webhook-timestamp` is not whole unix seconds. */
  | 'malformed_header'
  /** No signature in `webhook-signature` was made with any of the secrets over this body. */
  | 'bad_signature'
  /** Signed longer ago than the tolerance: a replay, or a clock far behind. */
  | 'timestamp_too_old'
  /** Signed further ahead than the tolerance: a clock far ahead. */
  | 'timestamp_in_future'
  /** A secret given to the receiver is not `whsec_` + base64 (a configuration error). */
  | 'bad_secret'
  /** The signature is good but the body is not a JSON object. */
  | 'malformed_payload';

/**
 * A delivery that must not be acted on. `code` says why; `header` names the header at fault
 * for `missing_header` and `malformed_header`.
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly code: WebhookVerificationErrorCode;
  readonly header: string | undefined;

  constructor(code: WebhookVerificationErrorCode, message: string, header?: string) {
    super(message);
    this.code = code;
    this.header = header;
  }
}

/** The request body is larger than the receiver accepts; nothing was verified. */
export class WebhookBodyTooLargeError extends Error {
  override readonly name = 'WebhookBodyTooLargeError';
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`the request body is larger than ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}

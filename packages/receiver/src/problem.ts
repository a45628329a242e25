import { WebhookBodyTooLargeError, WebhookVerificationError } from './errors.js';

/** An RFC 9457 problem the receiver answers with; the sender's logs then say what went wrong. */
export interface Problem {
  readonly status: number;
  readonly body: string;
  readonly headers: { readonly 'content-type': 'application/problem+json' };
}

/** The answer to a refused delivery, or `undefined` when `error` is not a refusal (a bug: rethrow). */
export function problemFor(error: unknown): Problem | undefined {
  if (error instanceof WebhookVerificationError) {
    // The receiver's own configuration is at fault, not the sender: say so, and let it retry.
    if (error.code === 'bad_secret') {
      return problem(500, 'Webhook receiver misconfigured', error.message, { code: error.code });
    }
    return problem(401, 'Webhook verification failed', error.message, {
      code: error.code,
      ...(error.header ? { header: error.header } : {}),
    });
  }
  if (error instanceof WebhookBodyTooLargeError) {
    return problem(413, 'Webhook body too large', error.message, { limitBytes: error.limitBytes });
  }
  return undefined;
}

export function problem(
  status: number,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title, status, detail, ...extensions }),
  };
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a receiver checks of a delivery: its Standard Webhooks headers and exact body. */
export interface SignedDelivery {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** How far `webhook-timestamp` may be from now, as the Standard Webhooks libraries allow. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/**
 * Why a delivery does not verify with `secret` (`whsec_` + base64), in a few words, or
 * undefined when it does: Standard Webhooks v1, a `v1,<base64 HMAC-SHA256>` of
 * `id.timestamp.body` among the space-separated signatures, signed within the tolerance.
 */
export function signatureProblem(
  secret: string,
  delivery: SignedDelivery,
  nowMs: number = Date.now(),
): string | undefined {
  const id = delivery.headers['webhook-id'];
  const timestamp = delivery.headers['webhook-timestamp'];
  const signatures = delivery.headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return 'a webhook-* header is missing';
  if (!/^\d+$/.test(timestamp)) return `webhook-timestamp ${timestamp} is not unix seconds`;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
    return `webhook-timestamp ${timestamp} is more than ${TIMESTAMP_TOLERANCE_SECONDS} s from now`;
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(
    `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest('base64')}`,
  );
  const matches = signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches
    ? undefined
    : "no signature in webhook-signature was made with the endpoint's secret";
}

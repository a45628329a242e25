/**
 * The smoke test's own Standard Webhooks check (the CLI carries no verifier dependency),
 * held against deliveries signed by the reference library.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signatureProblem } from '../../packages/cli/src/signatures';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const body =
  '{"type":"invoice.paid","timestamp":"2026-11-28T09:30:00.000Z","data":{"amount":4900}}';
const now = Date.parse('2026-11-28T09:30:00Z');

/** A delivery as a feed item carries it, signed by the reference library at `at`. */
function signed(at: number, signer = secret) {
  const timestamp = Math.floor(at / 1000);
  return {
    headers: {
      'webhook-id': 'msg_01M8GJMX5WJG5E4JHS0JB76S00',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': new Webhook(signer).sign(
        'msg_01M8GJMX5WJG5E4JHS0JB76S00',
        new Date(timestamp * 1000),
        body,
      ),
    },
    body,
  };
}

describe('signatureProblem', () => {
  it('accepts what the reference library signs, also beside a signature of another secret', () => {
    // Prepare
    const delivery = signed(now);
    const other = signed(now, `whsec_${randomBytes(32).toString('base64')}`);
    const both = {
      ...delivery,
      headers: {
        ...delivery.headers,
        'webhook-signature': `${other.headers['webhook-signature']} ${delivery.headers['webhook-signature']}`,
      },
    };

    // Act
    const problems = [signatureProblem(secret, delivery, now), signatureProblem(secret, both, now)];

    // Assess
    expect(problems).toEqual([undefined, undefined]);
  });

  it('names what is wrong with a changed body, another secret, an old timestamp or a missing header', () => {
    // Prepare
    const delivery = signed(now);
    const { 'webhook-id': _, ...withoutId } = delivery.headers;

    // Act
    const changed = signatureProblem(
      secret,
      { ...delivery, body: body.replace('4900', '4901') },
      now,
    );
    const otherSecret = signatureProblem(
      `whsec_${randomBytes(32).toString('base64')}`,
      delivery,
      now,
    );
    const old = signatureProblem(secret, delivery, now + 301_000);
    const missing = signatureProblem(secret, { ...delivery, headers: withoutId }, now);

    // Assess
    expect(changed).toMatch(/no signature .* was made with the endpoint's secret/);
    expect(otherSecret).toMatch(/no signature .* was made with the endpoint's secret/);
    expect(old).toMatch(/is more than 300 s from now/);
    expect(missing).toBe('a webhook-* header is missing');
  });
});

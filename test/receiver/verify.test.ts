import {
  signWebhook,
  verify,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from '@hookline/receiver';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookHeaders } from '../../lambda/domain/dispatch';
import { generateSecret } from '../../lambda/domain/signing';

// The test vector published with the Standard Webhooks specification.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  headers: {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  },
  body: '{"test": 2432232314}',
  signedAtMs: 1614265330_000,
};

const NOW_MS = Date.UTC(2026, 10, 28, 9, 0, 0);
const NOW_SECONDS = NOW_MS / 1000;

/** A delivery as Hookline's dispatcher signs it, with the dispatcher's own header builder. */
function hooklineDelivery(secrets: string[], options: { body?: string; atMs?: number } = {}) {
  const body =
    options.body ??
    JSON.stringify({
      type: 'invoice.paid',
      timestamp: '2026-11-28T09:00:00.000Z',
      data: { invoiceId: 'in_1042', amount: 4900 },
    });
  const headers = webhookHeaders(
    { secrets: secrets.map((secret) => ({ secret, createdAt: '2026-11-01T00:00:00Z' })) },
    { eventId: 'msg_01KBDXQ9D05Z3K6TV0EKA5HWVZ', body },
    options.atMs ?? NOW_MS,
    'Hookline/test',
  );
  return { body, headers };
}

function refusal(act: () => unknown): WebhookVerificationError {
  try {
    act();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error('expected the delivery to be refused');
}

describe('verify', () => {
  it('accepts the Standard Webhooks specification test vector', () => {
    // Act
    const payload = verify(vector.body, vector.headers, vector.secret, { now: vector.signedAtMs });

    // Assess
    expect(payload).toEqual({ test: 2432232314 });
  });

  it('returns the payload of a delivery signed by the Hookline dispatcher', () => {
    // Prepare
    const secret = generateSecret();
    const delivery = hooklineDelivery([secret]);

    // Act
    const webhook = verifyWebhook(delivery.body, delivery.headers, secret, { now: NOW_MS });

    // Assess
    expect(webhook).toEqual({
      id: 'msg_01KBDXQ9D05Z3K6TV0EKA5HWVZ',
      signedAt: NOW_SECONDS,
      payload: JSON.parse(delivery.body),
      rawBody: delivery.body,
    });
  });

  it('accepts a body given as bytes, and headers as a fetch Headers or in any case', () => {
    // Prepare
    const secret = generateSecret();
    const delivery = hooklineDelivery([secret], { body: '{"type":"a.b","data":{"name":"Zoë"}}' });
    const shouted = Object.fromEntries(
      Object.entries(delivery.headers).map(([name, value]) => [name.toUpperCase(), value]),
    );

    // Act
    const fromBytes = verify(Buffer.from(delivery.body), new Headers(delivery.headers), secret, {
      now: NOW_MS,
    });
    const fromShouted = verify(delivery.body, shouted, secret, { now: NOW_MS });

    // Assess
    expect(fromBytes).toEqual({ type: 'a.b', data: { name: 'Zoë' } });
    expect(fromShouted).toEqual(fromBytes);
  });

  it('accepts any of several signatures (a rotation at Hookline) and any of several secrets (one at the receiver)', () => {
    // Prepare
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const duringGrace = hooklineDelivery([newSecret, oldSecret]);
    const afterGrace = hooklineDelivery([newSecret]);

    // Act
    const withOldOnly = () =>
      verify(duringGrace.body, duringGrace.headers, oldSecret, { now: NOW_MS });
    const withNewOnly = () =>
      verify(duringGrace.body, duringGrace.headers, newSecret, { now: NOW_MS });
    const receiverHoldingBoth = () =>
      verify(afterGrace.body, afterGrace.headers, [oldSecret, newSecret], { now: NOW_MS });

    // Assess
    expect(duringGrace.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(withOldOnly).not.toThrow();
    expect(withNewOnly).not.toThrow();
    expect(receiverHoldingBoth).not.toThrow();
  });

  it.each<
    [
      string,
      (delivery: ReturnType<typeof hooklineDelivery>, secret: string) => unknown,
      WebhookVerificationErrorCode,
    ]
  >([
    [
      'a tampered body',
      (d, s) => verify(`${d.body} `, d.headers, s, { now: NOW_MS }),
      'bad_signature',
    ],
    [
      'a wrong secret',
      (d) => verify(d.body, d.headers, generateSecret(), { now: NOW_MS }),
      'bad_signature',
    ],
    [
      'another webhook-id',
      (d, s) => verify(d.body, { ...d.headers, 'webhook-id': 'msg_other' }, s, { now: NOW_MS }),
      'bad_signature',
    ],
    [
      'an unknown signature version only',
      (d, s) =>
        verify(
          d.body,
          {
            ...d.headers,
            'webhook-signature': d.headers['webhook-signature']?.replace('v1,', 'v1a,'),
          },
          s,
          { now: NOW_MS },
        ),
      'bad_signature',
    ],
    [
      'a timestamp 301 s old',
      (d, s) => verify(d.body, d.headers, s, { now: NOW_MS + 301_000 }),
      'timestamp_too_old',
    ],
    [
      'a timestamp 301 s ahead',
      (d, s) => verify(d.body, d.headers, s, { now: NOW_MS - 301_000 }),
      'timestamp_in_future',
    ],
    [
      'a timestamp that is not whole seconds',
      (d, s) => verify(d.body, { ...d.headers, 'webhook-timestamp': '17e8' }, s, { now: NOW_MS }),
      'malformed_header',
    ],
    [
      'a secret that is not base64',
      (d) => verify(d.body, d.headers, 'whsec_not base64!', { now: NOW_MS }),
      'bad_secret',
    ],
    ['no secret at all', (d) => verify(d.body, d.headers, [], { now: NOW_MS }), 'bad_secret'],
  ])('refuses %s', (_case, act, code) => {
    // Prepare
    const secret = generateSecret();
    const delivery = hooklineDelivery([secret]);

    // Act
    const error = refusal(() => act(delivery, secret));

    // Assess
    expect(error.code).toBe(code);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s and names the header',
    (header) => {
      // Prepare
      const secret = generateSecret();
      const delivery = hooklineDelivery([secret]);
      const headers: Record<string, string | undefined> = { ...delivery.headers };
      delete headers[header];

      // Act
      const error = refusal(() => verify(delivery.body, headers, secret, { now: NOW_MS }));

      // Assess
      expect(error).toMatchObject({ code: 'missing_header', header });
    },
  );

  it('keeps the window at the tolerance given, in both directions', () => {
    // Prepare
    const secret = generateSecret();
    const delivery = hooklineDelivery([secret]);

    // Act
    const justInside = [NOW_MS + 60_000, NOW_MS - 60_000].map(
      (now) => () => verify(delivery.body, delivery.headers, secret, { now, toleranceSeconds: 60 }),
    );
    const justOutside = refusal(() =>
      verify(delivery.body, delivery.headers, secret, {
        now: NOW_MS + 61_000,
        toleranceSeconds: 60,
      }),
    );

    // Assess
    for (const act of justInside) expect(act).not.toThrow();
    expect(justOutside.code).toBe('timestamp_too_old');
  });

  it('refuses a correctly signed body that is not a JSON object', () => {
    // Prepare
    const secret = generateSecret();
    const signed = signWebhook(secret, '[1,2]', { timestamp: NOW_SECONDS });

    // Act
    const error = refusal(() => verify(signed.body, signed.headers, secret, { now: NOW_MS }));

    // Assess
    expect(error.code).toBe('malformed_payload');
  });

  it('signs test deliveries that the standardwebhooks reference library accepts', () => {
    // Prepare
    const secret = generateSecret();
    const payload = { type: 'invoice.paid', timestamp: '2026-11-28T09:00:00Z', data: { n: 1 } };

    // Act
    const signed = signWebhook(secret, payload);

    // Assess
    expect(new Webhook(secret).verify(signed.body, signed.headers)).toEqual(payload);
  });

  it('accepts every body it signed, and refuses it after any one byte changes', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        fc.nat(),
        (text, position) => {
          // Prepare
          const secret = generateSecret();
          const body = JSON.stringify({ type: 'x.y', data: { text } });
          const signed = signWebhook(secret, body, { timestamp: NOW_SECONDS });
          const bytes = Buffer.from(body);
          const tampered = Buffer.from(bytes);
          const at = position % tampered.length;
          tampered[at] = (tampered[at] ?? 0) ^ 0x01;

          // Act
          const original = verify(bytes, signed.headers, secret, { now: NOW_MS });
          const error = refusal(() => verify(tampered, signed.headers, secret, { now: NOW_MS }));

          // Assess
          expect(original).toEqual({ type: 'x.y', data: { text } });
          expect(error.code).toBe('bad_signature');
        },
      ),
      { numRuns: 200 },
    );
  });
});

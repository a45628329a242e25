import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webhookHeaders } from '../../lambda/domain/dispatch';
import {
  generateSecret,
  signatureHeader,
  signPayload,
  verifySignature,
} from '../../lambda/domain/signing';

// The test vector published with the Standard Webhooks specification.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  afterEach(() => vi.useRealTimers());

  it('produces the specification test vector', () => {
    // Act
    const signature = signPayload(vector.secret, vector.id, vector.timestamp, vector.body);

    // Assess
    expect(signature).toBe(vector.signature);
  });

  it('is accepted by the standardwebhooks reference library', () => {
    // Prepare
    const secret = generateSecret();
    const id = 'msg_01TEST';
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'invoice.paid', timestamp: 'x', data: { a: 1 } });

    // Act
    const header = signatureHeader([secret], id, timestamp, body);

    // Assess
    const verified = new Webhook(secret).verify(body, {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': header,
    });
    expect(verified).toEqual(JSON.parse(body));
  });

  it('signs with every live secret, space-separated, and each verifies on its own', () => {
    // Prepare
    const [current, previous] = [generateSecret(), generateSecret()];
    const timestamp = Math.floor(Date.now() / 1000);

    // Act
    const header = signatureHeader([current, previous], 'msg_1', timestamp, '{}');

    // Assess
    expect(header.split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) {
      expect(() =>
        new Webhook(secret).verify('{}', {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(timestamp),
          'webhook-signature': header,
        }),
      ).not.toThrow();
    }
  });

  it('rejects a tampered body and a foreign secret', () => {
    // Prepare
    const header = signPayload(vector.secret, vector.id, vector.timestamp, vector.body);

    // Assess
    expect(verifySignature(vector.secret, vector.id, vector.timestamp, vector.body, header)).toBe(
      true,
    );
    expect(verifySignature(vector.secret, vector.id, vector.timestamp, '{"test": 1}', header)).toBe(
      false,
    );
    expect(
      verifySignature(generateSecret(), vector.id, vector.timestamp, vector.body, header),
    ).toBe(false);
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    // Act
    const secrets = new Set(Array.from({ length: 20 }, generateSecret));

    // Assess
    expect(secrets.size).toBe(20);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    }
  });

  it('never signs with nothing: an endpoint read without its secrets is not sent', () => {
    // Prepare
    const message = { eventId: vector.id, body: vector.body };
    const expiredOnly = { secrets: [{ secret: vector.secret, expiresAt: 1 }] };

    // Act / Assess
    expect(() => webhookHeaders({ secrets: [] }, message, Date.now(), 'Hookline/test')).toThrow(
      /no live signing secret/,
    );
    expect(() => webhookHeaders(expiredOnly, message, Date.now(), 'Hookline/test')).toThrow();
    expect(
      webhookHeaders({ secrets: [{ secret: vector.secret }] }, message, 1614265330_000, 'x')[
        'webhook-signature'
      ],
    ).toBe(vector.signature);
  });
});

import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

interface Delivery {
  readonly body: string;
  readonly headers: IncomingHttpHeaders | Record<string, unknown>;
}

/** Verifies a received delivery with the Standard Webhooks reference library; throws if bad. */
export function verifyDelivery(secret: string, delivery: Delivery): unknown {
  return new Webhook(secret).verify(delivery.body, {
    'webhook-id': String(delivery.headers['webhook-id']),
    'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
    'webhook-signature': String(delivery.headers['webhook-signature']),
  });
}

export function verifies(secret: string, delivery: Delivery): boolean {
  try {
    verifyDelivery(secret, delivery);
    return true;
  } catch {
    return false;
  }
}

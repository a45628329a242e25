import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifySignature } from '../../lambda/domain/signing';
import type { RuntimeConfig } from '../../lambda/wiring/config';
import { eventRepository } from '../../lambda/wiring/repositories';
import { endpointRepositoryWithSecrets } from '../../lambda/wiring/secrets';

/** One webhook the sandbox received, with the status it answered. */
export interface SandboxDelivery {
  readonly receivedAt: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly answeredStatus: number;
}

export type SignatureCheck = (delivery: SandboxDelivery) => Promise<boolean | undefined>;

const MAX_KEPT = 1000;
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A local webhook receiver at `/sandbox/<name>`. It records what it is sent and can be told,
 * through the endpoint URL's query, to misbehave: `?status=503` answers that status,
 * `?failTimes=2` fails the first two deliveries of each webhook-id, `?delayMs=2000` is slow.
 */
export class Sandbox {
  private readonly boxes = new Map<string, SandboxDelivery[]>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly checkSignature: SignatureCheck) {}

  async receive(request: IncomingMessage, response: ServerResponse, name: string, url: URL) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) break;
      chunks.push(chunk as Buffer);
    }
    const delayMs = Math.min(Number(url.searchParams.get('delayMs') ?? 0) || 0, 120_000);
    if (delayMs > 0) await sleep(delayMs);
    const webhookId = String(request.headers['webhook-id'] ?? '');
    const tries = (this.seen.get(`${name}|${webhookId}`) ?? 0) + 1;
    this.seen.set(`${name}|${webhookId}`, tries);
    const failTimes = Number(url.searchParams.get('failTimes') ?? 0) || 0;
    const forced = Number(url.searchParams.get('status') ?? 0) || 0;
    const status = forced || (tries <= failTimes ? 500 : 204);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[key] = value;
    }
    const box = this.boxes.get(name) ?? [];
    box.push({
      receivedAt: new Date().toISOString(),
      url: url.toString(),
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      answeredStatus: status,
    });
    if (box.length > MAX_KEPT) box.shift();
    this.boxes.set(name, box);
    response.writeHead(status).end();
  }

  /** What `name` received, oldest first, each with whether its signature verified. */
  async list(name: string) {
    const box = this.boxes.get(name) ?? [];
    return Promise.all(
      box.map(async (delivery) => {
        let body: unknown = delivery.body;
        try {
          body = JSON.parse(delivery.body);
        } catch {
          // Kept as text: the sandbox shows whatever arrived.
        }
        return {
          receivedAt: delivery.receivedAt,
          status: delivery.answeredStatus,
          webhookId: delivery.headers['webhook-id'],
          webhookTimestamp: delivery.headers['webhook-timestamp'],
          signatureVerified: await this.checkSignature(delivery),
          body,
        };
      }),
    );
  }

  clear(name: string): void {
    this.boxes.delete(name);
  }
}

/**
 * Whether a delivery verifies with a live secret of an endpoint registered for the URL it
 * arrived at; undefined for a webhook-id Hookline does not know.
 */
export function signatureCheck(config: RuntimeConfig): SignatureCheck {
  const events = eventRepository(config);
  const endpoints = endpointRepositoryWithSecrets(config);
  return async (delivery) => {
    const webhookId = delivery.headers['webhook-id'];
    // A publisher's own id is looked for in the default tenant only: ids are per tenant.
    const stored = webhookId
      ? ((await events.findGenerated(webhookId)) ?? (await events.get(webhookId, 'default')))
      : undefined;
    if (!stored || !webhookId) return undefined;
    const timestamp = Number(delivery.headers['webhook-timestamp']);
    const header = delivery.headers['webhook-signature'] ?? '';
    return (await endpoints.listByTenant(stored.tenant))
      .filter((endpoint) => endpoint.url === delivery.url)
      .some((endpoint) =>
        endpoint.secrets.some((s) =>
          verifySignature(s.secret, webhookId, timestamp, delivery.body, header),
        ),
      );
  };
}

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';
import { verifyDelivery } from '../support/webhooks';

interface CreatedEndpoint {
  id: string;
  secret: string;
}

interface Published {
  id: string;
  type: string;
  tenant: string;
  data: unknown;
}

const TYPES = [
  'invoice.paid',
  'invoice.payment_failed',
  'customer.created',
  'subscription.canceled',
];

/** Endpoint subscriptions of this scenario: who should get what. */
const SUBSCRIBERS = [
  { path: '/acme-invoices', tenant: 'acme', eventTypes: ['invoice.*'] },
  { path: '/acme-all', tenant: 'acme', eventTypes: undefined },
  { path: '/globex-all', tenant: 'globex', eventTypes: undefined },
] as const;

const eventFor = (index: number) => {
  const type = TYPES[index % TYPES.length] as string;
  return {
    type,
    tenant: index % 5 === 0 ? 'globex' : 'acme',
    data: { ...(exampleOf(type) as object) },
  };
};

const expectedPaths = (event: Pick<Published, 'type' | 'tenant'>) =>
  SUBSCRIBERS.filter(
    (s) =>
      s.tenant === event.tenant &&
      (s.eventTypes === undefined ||
        s.eventTypes.some((f) => event.type.startsWith(f.slice(0, -1)))),
  ).map((s) => s.path);

/**
 * The end-to-end pipeline scenario, run by `pipeline.test.ts` on the sources and by
 * `pipeline-bundles.test.ts` on the synthesized bundles. `start` starts local mode with the
 * environment given (plus whatever the variant adds).
 */
export function describePipeline(
  title: string,
  start: (env: Record<string, string>) => Promise<LocalSystem>,
): void {
  describe(title, () => {
    let system: LocalSystem;
    let receiver: Receiver;
    const endpoints = new Map<string, CreatedEndpoint>();
    const published: Published[] = [];
    let repeatedKeyEventId = '';

    beforeAll(async () => {
      receiver = await new Receiver().start();
      system = await start({ HOOKLINE_RETRY_SCHEDULE: '1s,1s' });
      for (const subscriber of SUBSCRIBERS) {
        const response = await system.request('POST', '/v1/endpoints', {
          url: receiver.url(subscriber.path),
          tenant: subscriber.tenant,
          ...(subscriber.eventTypes && { eventTypes: subscriber.eventTypes }),
        });
        expect(response.status).toBe(201);
        endpoints.set(subscriber.path, (await response.json()) as CreatedEndpoint);
      }

      // 40 single publishes and 60 through the batch route: 100 over HTTP.
      for (let i = 0; i < 40; i++) {
        const event = eventFor(i);
        const response = await system.request('POST', '/v1/events', event);
        expect(response.status).toBe(202);
        const body = (await response.json()) as { id: string; deliveries: number };
        expect(body.deliveries).toBe(expectedPaths(event).length);
        published.push({ ...event, id: body.id });
      }
      for (let batch = 0; batch < 3; batch++) {
        const events = Array.from({ length: 20 }, (_, j) => eventFor(40 + batch * 20 + j));
        const response = await system.request('POST', '/v1/events/batch', { events });
        expect(response.status).toBe(202);
        const { results } = (await response.json()) as {
          results: { id: string; status: number }[];
        };
        expect(results.map((r) => r.status)).toEqual(events.map(() => 202));
        results.forEach((r, j) => {
          published.push({ ...(events[j] as (typeof events)[number]), id: r.id });
        });
      }

      // 20 through EventBridge PutEvents, with the real SDK client.
      const eventBridge = new EventBridgeClient({
        endpoint: system.apiUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const bridged = Array.from({ length: 20 }, (_, i) => ({
        ...eventFor(100 + i),
        id: `evt_bridge_${i}`,
      }));
      for (let start = 0; start < bridged.length; start += 10) {
        const result = await eventBridge.send(
          new PutEventsCommand({
            Entries: bridged.slice(start, start + 10).map((event) => ({
              EventBusName: 'hookline',
              Source: 'com.example.billing',
              DetailType: event.type,
              Detail: JSON.stringify({ data: event.data, tenant: event.tenant, id: event.id }),
            })),
          }),
        );
        expect(result.FailedEntryCount).toBe(0);
      }
      published.push(...bridged);
      // EventBridge may invoke its target twice for one entry; the same detail id must not
      // deliver twice.
      const again = bridged[0] as (typeof bridged)[number];
      await eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'hookline',
              Source: 'com.example.billing',
              DetailType: again.type,
              Detail: JSON.stringify({ data: again.data, tenant: again.tenant, id: again.id }),
            },
          ],
        }),
      );
      eventBridge.destroy();

      // The same Idempotency-Key twice: one event, one set of deliveries.
      const repeated = eventFor(3);
      const headers = { 'idempotency-key': 'order-7781-paid' };
      const first = await system.request('POST', '/v1/events', repeated, headers);
      const second = await system.request('POST', '/v1/events', repeated, headers);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      const firstBody = (await first.json()) as { id: string };
      expect(await second.json()).toMatchObject({ id: firstBody.id });
      repeatedKeyEventId = firstBody.id;
      published.push({ ...repeated, id: firstBody.id });
    }, 120_000);

    afterAll(async () => {
      await system?.stop();
      await receiver?.stop();
      if (system) removeDataDir(system.dataDir);
    });

    const expectedPairs = () =>
      published.flatMap((event) => expectedPaths(event).map((path) => `${event.id} → ${path}`));

    const deliveredPairs = () =>
      receiver.requests.map((r) => `${String(r.headers['webhook-id'])} → ${r.path}`);

    it('delivers every expected (event, endpoint) pair and nothing the filters or tenants exclude', async () => {
      // Act
      const expected = expectedPairs();
      await waitFor(() => new Set(deliveredPairs()).size >= expected.length, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // room for strays to show up

      // Assess
      expect(published).toHaveLength(121); // 100 over HTTP, 20 via EventBridge, 1 repeated key
      expect(new Set(deliveredPairs())).toEqual(new Set(expected));
      expect(deliveredPairs()).toHaveLength(expected.length); // and none twice
      expect(receiver.to('/globex-all').length).toBeGreaterThan(0);
      expect(
        receiver.to('/acme-invoices').every((r) => JSON.parse(r.body).type.startsWith('invoice.')),
      ).toBe(true);
    });

    it('signs every delivery so the standardwebhooks library verifies it', () => {
      for (const request of receiver.requests) {
        const endpoint = endpoints.get(request.path) as CreatedEndpoint;
        const verified = verifyDelivery(endpoint.secret, request);
        expect(verified).toBeTruthy();
      }
    });

    it('sends the body {type,timestamp,data} with webhook-id = the event id', () => {
      const byId = new Map(published.map((p) => [p.id, p]));
      for (const request of receiver.requests) {
        const body = JSON.parse(request.body) as Record<string, unknown>;
        const event = byId.get(String(request.headers['webhook-id'])) as Published;
        expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
        expect(body.type).toBe(event.type);
        expect(body.data).toEqual(event.data);
        expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
        expect(request.headers['content-type']).toBe('application/json');
        expect(request.headers['user-agent']).toMatch(/^Hookline\//);
      }
    });

    it('creates no second delivery for a repeated idempotency key', () => {
      const repeats = receiver.requests.filter(
        (r) => r.headers['webhook-id'] === repeatedKeyEventId,
      );
      expect(repeats.map((r) => r.path).sort()).toEqual(expectedPaths(eventFor(3)).sort());
    });

    it('answers 409 when an idempotency key comes back with a different body', async () => {
      // Same tenant as the first use of the key (keys are per tenant), another body.
      const different = { ...eventFor(3), timestamp: '2026-01-01T00:00:00Z' };
      const response = await system.request('POST', '/v1/events', different, {
        'idempotency-key': 'order-7781-paid',
      });
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    });

    it('refuses requests without a key (401) or with an unknown one (403) before any function', async () => {
      const anonymous = await fetch(`${system.apiUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(eventFor(0)),
      });
      const wrongKey = await system.request(
        'POST',
        '/v1/endpoints',
        { url: receiver.url('/x') },
        {
          authorization: 'Bearer hk_admin_not-a-real-key',
        },
      );
      const health = await fetch(`${system.apiUrl}/health`);

      // API Gateway answers both itself (as the local server does): without the header 401, and
      // 403 when the authorizer refuses the key, so a garbage key never costs an invocation.
      expect(anonymous.status).toBe(401);
      expect(wrongKey.status).toBe(403);
      expect(await wrongKey.json()).toEqual({ message: 'Forbidden' });
      expect(health.status).toBe(200);
    });
  });
}

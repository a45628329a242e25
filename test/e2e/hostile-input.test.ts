/**
 * The holes a hostile publisher found (issue 9), each tried again over real HTTP against local
 * mode: overwriting another tenant's event, probing idempotency keys across tenants, input
 * that used to answer 500 ("retry"), and endpoint URLs aimed at well-known service ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { Receiver, waitFor } from '../support/receiver';

const invoice = (extra: Record<string, unknown> = {}) => ({
  type: 'invoice.paid',
  data: exampleOf('invoice.paid'),
  ...extra,
});

/** `{"a":{"a":…}}` nested `depth` levels, built as text: the value itself would overflow. */
const nestedText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('a hostile publisher cannot overwrite, probe or crash Hookline', () => {
  let system: LocalSystem;
  let receiver: Receiver;
  const endpointIds: Record<'a' | 'b', string> = { a: '', b: '' };

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    system.request('POST', path, body, headers);
  const eventIn = async (tenant: string, id: string) =>
    system.request('GET', `/v1/events/${id}?tenant=${tenant}`);

  beforeAll(async () => {
    receiver = await new Receiver().start();
    system = await startLocalSystem();
    for (const tenant of ['a', 'b'] as const) {
      const response = await post('/v1/endpoints', { url: receiver.url(`/${tenant}`), tenant });
      expect(response.status).toBe(201);
      endpointIds[tenant] = ((await response.json()) as { id: string }).id;
    }
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('cannot overwrite or move a stored event by naming its id in another tenant', async () => {
    // Prepare: an event Hookline generated an id for, in tenant a
    const original = (await (await post('/v1/events', invoice({ tenant: 'a' }))).json()) as {
      id: string;
    };

    // Act: the same id, claimed for tenant b with other data
    const hijack = await post(
      '/v1/events',
      invoice({
        id: original.id,
        tenant: 'b',
        data: { ...(exampleOf('invoice.paid') as object), amount: 1 },
      }),
    );
    const stillA = await system.request('GET', `/v1/events/${original.id}`);
    const listedForA = (await (await system.request('GET', '/v1/events?tenant=a')).json()) as {
      data: { id: string }[];
    };

    // Assess
    expect(hijack.status).toBe(400);
    expect(await hijack.json()).toMatchObject({ errors: [{ field: '/id' }] });
    expect(stillA.status).toBe(200);
    expect(await stillA.json()).toMatchObject({ tenant: 'a', data: exampleOf('invoice.paid') });
    expect(listedForA.data.map((e) => e.id)).toContain(original.id);
    await waitFor(() => receiver.to('/a').length > 0, 10_000);
    expect(receiver.to('/b').map((r) => r.headers['webhook-id'])).not.toContain(original.id);
  });

  it('keeps a publisher’s own event id per tenant, and refuses it with other data at any age', async () => {
    // Prepare
    const first = await post('/v1/events', invoice({ id: 'order-1001', tenant: 'a' }));

    // Act
    const otherTenant = await post(
      '/v1/events',
      invoice({
        id: 'order-1001',
        tenant: 'b',
        data: { ...(exampleOf('invoice.paid') as object), amount: 7 },
      }),
    );
    const sameTenantOtherData = await post(
      '/v1/events',
      invoice({ id: 'order-1001', tenant: 'a', timestamp: '2026-01-01T00:00:00Z' }),
    );
    const [inA, inB] = await Promise.all([eventIn('a', 'order-1001'), eventIn('b', 'order-1001')]);

    // Assess
    expect(first.status).toBe(202);
    expect(otherTenant.status).toBe(202);
    expect(sameTenantOtherData.status).toBe(409);
    expect(await inA.json()).toMatchObject({ tenant: 'a', data: exampleOf('invoice.paid') });
    expect(await inB.json()).toMatchObject({ tenant: 'b', data: { amount: 7 } });
  });

  it('namespaces idempotency keys by tenant and route: no cross-tenant 409, no batch/single clash', async () => {
    // Prepare
    const key = { 'idempotency-key': 'k' };
    await post('/v1/events', invoice({ tenant: 'a' }), key);

    // Act
    const otherTenant = await post('/v1/events', invoice({ tenant: 'b' }), key);
    const batch = await post('/v1/events/batch', { events: [invoice({ tenant: 'a' })] }, key);
    const singleLikeItem = await post(
      '/v1/events',
      invoice({ tenant: 'a', timestamp: '2026-02-02T00:00:00Z' }),
      {
        'idempotency-key': 'k#0',
      },
    );

    // Assess
    expect(otherTenant.status).toBe(202);
    expect(otherTenant.headers.get('idempotent-replayed')).toBeNull();
    expect(batch.status).toBe(202);
    expect(singleLikeItem.status).toBe(202);
  });

  it('answers input that used to crash with 400/413/422, never a 5xx', async () => {
    // Prepare
    const send = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${system.apiUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${system.apiKey}`,
          'content-type': 'application/json',
          ...headers,
        },
        body,
      });

    // Act
    const deepBatch = await send(
      '/v1/events/batch',
      `{"events":[{"type":"invoice.paid","data":${nestedText(60_000)}}]}`,
    );
    const deepEvent = await send('/v1/events', `{"type":"invoice.paid","data":${nestedText(200)}}`);
    const longJobKey = await send(
      `/v1/endpoints/${endpointIds.a}/replay`,
      JSON.stringify({ since: '2026-01-01T00:00:00Z' }),
      { 'idempotency-key': 'k'.repeat(3000) },
    );
    const badRedriveKey = await send('/v1/dead-letters/redrive', '{}', { 'idempotency-key': 'é' });

    // Assess
    expect(deepBatch.status).toBe(400);
    expect(await deepBatch.json()).toMatchObject({
      errors: [{ field: expect.stringMatching(/^\/events\/0\/data/) }],
    });
    expect(deepEvent.status).toBe(400);
    expect(longJobKey.status).toBe(400);
    expect(await longJobKey.json()).toMatchObject({ errors: [{ field: 'Idempotency-Key' }] });
    expect(badRedriveKey.status).toBe(400);
  });

  it('refuses endpoint URLs on well-known service ports, by the deployment’s port policy', async () => {
    // Act
    const smtp = await post('/v1/endpoints', { url: 'http://127.0.0.1:25/hook' });
    const plainHttp = await post('/v1/endpoints', { url: 'http://localhost/hook' });
    const moved = await system.request('PATCH', `/v1/endpoints/${endpointIds.a}`, {
      url: 'http://127.0.0.1:22/hook',
    });
    const unprivileged = await post('/v1/endpoints', { url: receiver.url('/ok') });

    // Assess
    for (const refused of [smtp, plainHttp, moved]) {
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ errors: [{ field: '/url' }] });
    }
    expect(unprivileged.status).toBe(201);
  });
});

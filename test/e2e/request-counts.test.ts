/**
 * The requests each delivery costs, counted as the bench prices them (bench/aws-meter.ts,
 * middleware on the SDK clients the handlers use) in local mode. Not timed: these pin the
 * request and write counts DESIGN §7's cost figures rest on, so a change that adds a write per
 * delivery fails here, not only in `npm run bench`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsMeter, type MeterSnapshot, type Row } from '../../bench/aws-meter';
import { type LocalHookline, startLocal } from '../../lib/local/runtime';
import { Receiver, waitFor } from '../support/receiver';

const API_KEY = 'hk_admin_request-counts-0123456789';
let system: LocalHookline;
let meter: AwsMeter;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  system = await startLocal({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'hookline-counts-')),
    apiKey: API_KEY,
    // A loaded CI machine can take seconds to answer on loopback; these tests count requests,
    // so the slow lane (2 s by default) stays out of them.
    settings: { retrySchedule: ['1s'], slowEndpointSeconds: 10 },
    log: () => {},
  });
  meter = new AwsMeter(system);
  meter.attachDynamo(system.clients.dynamo);
  meter.attachSqs(system.clients.sqs);
  meter.attachEventBridge(system.clients.eventBridge);
}, 60_000);

afterAll(async () => {
  meter?.close();
  await system?.stop();
  await receiver.stop();
});

const call = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${system.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(path === '/v1/endpoints' ? 201 : 202);
  return response.json() as Promise<Record<string, unknown>>;
};

let tenantSequence = 0;
/** A tenant of its own with one endpoint on the receiver at `path`. */
async function anEndpointIn(path: string): Promise<string> {
  const tenant = `counts-${++tenantSequence}`;
  await call('/v1/endpoints', { url: receiver.url(path), tenant });
  return tenant;
}

const invoice = (tenant: string, n: number) => ({
  type: 'invoice.paid',
  tenant,
  data: {
    invoiceId: `in_${tenant.replace(/\W/g, '')}x${n}`,
    customerId: 'cus_8ZQ3',
    amount: 4900,
    currency: 'EUR',
    paidAt: '2026-11-27T09:30:00Z',
  },
});

/**
 * Runs `publish`, waits until `deliveries` were accepted at each of `paths`, and lets the
 * bookkeeping end.
 */
async function metered(paths: string | string[], deliveries: number, publish: () => Promise<void>) {
  meter.reset();
  await publish();
  const deliveredAt = (path: string) =>
    new Set(receiver.accepted(path).map((r) => r.headers['webhook-id'])).size;
  const delivered = await waitFor(
    () => [paths].flat().every((path) => deliveredAt(path) >= deliveries),
    60_000,
  );
  expect(delivered).toBe(true);
  // The dispatcher writes its attempt rows after the batch's last answer.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return meter.snapshot();
}

const rowsOf = (snapshot: MeterSnapshot, match: Partial<Row>) =>
  snapshot.rows.filter((row) =>
    Object.entries(match).every(([k, v]) => (row as unknown as Record<string, unknown>)[k] === v),
  );
const sum = (rows: Row[], field: 'calls' | 'units' | 'items') =>
  rows.reduce((total, row) => total + row[field], 0);
const writesTo = (snapshot: MeterSnapshot, target: string) =>
  sum(rowsOf(snapshot, { service: 'dynamodb', unit: 'WRU', target }), 'units');

describe('what one delivery costs in requests', () => {
  it('batched publishing: one page per request, one SQS send per 10 deliveries, no write per delivery beyond the grouped attempt log', async () => {
    // Prepare
    const tenant = await anEndpointIn('/batched');

    // Act
    const snapshot = await metered('/batched', 200, async () => {
      for (let request = 0; request < 2; request++) {
        const events = Array.from({ length: 100 }, (_, n) => invoice(tenant, request * 100 + n));
        await call('/v1/events/batch', { events });
      }
    });

    // Assess
    expect(sum(rowsOf(snapshot, { operation: 'PutItem', target: 'events' }), 'calls')).toBe(2);
    expect(writesTo(snapshot, 'events/byTenantTime (GSI)')).toBe(2);
    expect(writesTo(snapshot, 'events')).toBeLessThanOrEqual(2 * 10);
    expect(writesTo(snapshot, 'idempotency')).toBe(0);
    expect(writesTo(snapshot, 'deliveries')).toBe(0);
    expect(writesTo(snapshot, 'endpoint-state')).toBe(0);
    expect(writesTo(snapshot, 'attempts')).toBeLessThanOrEqual(200 * 0.1);
    expect(sum(rowsOf(snapshot, { operation: 'SendMessageBatch' }), 'calls')).toBe(20);
    const allWrites = sum(rowsOf(snapshot, { service: 'dynamodb', unit: 'WRU' }), 'units');
    expect(allWrites / 200).toBeLessThanOrEqual(0.2);
  }, 90_000);

  it('fan-out: an endpoint’s successes still share attempt rows with 5 endpoints per event', async () => {
    // Prepare
    const tenant = await anEndpointIn('/fan-0');
    for (let n = 1; n < 5; n++) {
      await call('/v1/endpoints', { url: receiver.url(`/fan-${n}`), tenant });
    }

    // Act
    const fans = ['/fan-0', '/fan-1', '/fan-2', '/fan-3', '/fan-4'];
    const snapshot = await metered(fans, 100, async () => {
      const events = Array.from({ length: 100 }, (_, n) => invoice(tenant, n));
      await call('/v1/events/batch', { events });
    });

    // Assess: 500 deliveries, all delivered before the snapshot.
    expect(receiver.accepted().filter((r) => r.path.startsWith('/fan-'))).toHaveLength(500);
    expect(writesTo(snapshot, 'attempts')).toBeLessThanOrEqual(500 * 0.15);
    expect(sum(rowsOf(snapshot, { operation: 'SendMessageBatch' }), 'calls')).toBe(50);
  }, 90_000);

  it('a batch with an Idempotency-Key writes one idempotency record per request', async () => {
    // Prepare
    const tenant = await anEndpointIn('/keyed');

    // Act
    const snapshot = await metered('/keyed', 100, async () => {
      const events = Array.from({ length: 100 }, (_, n) => invoice(tenant, n));
      await call('/v1/events/batch', { events }, { 'idempotency-key': 'counts-batch-1' });
    });

    // Assess
    expect(sum(rowsOf(snapshot, { operation: 'PutItem', target: 'idempotency' }), 'calls')).toBe(1);
    expect(writesTo(snapshot, 'idempotency')).toBeLessThanOrEqual(5);
  }, 90_000);

  it('one event per request: one page write, one index entry and one SQS send per event', async () => {
    // Prepare
    const tenant = await anEndpointIn('/single');

    // Act
    const snapshot = await metered('/single', 10, async () => {
      for (let n = 0; n < 10; n++) await call('/v1/events', invoice(tenant, n));
    });

    // Assess
    expect(writesTo(snapshot, 'events')).toBe(10);
    expect(writesTo(snapshot, 'events/byTenantTime (GSI)')).toBe(10);
    expect(sum(rowsOf(snapshot, { operation: 'SendMessageBatch' }), 'calls')).toBe(10);
    expect(writesTo(snapshot, 'deliveries')).toBe(0);
    expect(writesTo(snapshot, 'attempts')).toBeLessThanOrEqual(10);
  }, 90_000);

  it('10 % of first attempts failing once cost a bounded number of writes and one resend each', async () => {
    // Prepare
    const tenant = await anEndpointIn('/flaky');
    const failsFirst = (body: string) =>
      (JSON.parse(body) as { data: { invoiceId: string } }).data.invoiceId.endsWith('0');
    receiver.behave('/flaky', (request, seenBefore) => ({
      status: seenBefore === 0 && failsFirst(request.body) ? 500 : 204,
    }));

    // Act
    const snapshot = await metered('/flaky', 100, async () => {
      await call('/v1/events/batch', {
        events: Array.from({ length: 100 }, (_, n) => invoice(tenant, n)),
      });
    });

    // Assess: what the 10 failed tries add to 100 deliveries' grouped writes.
    const failures = 10;
    expect(sum(rowsOf(snapshot, { operation: 'SendMessage' }), 'calls')).toBe(failures);
    const allWrites = sum(rowsOf(snapshot, { service: 'dynamodb', unit: 'WRU' }), 'units');
    expect((allWrites - 100 * 0.3) / failures).toBeLessThanOrEqual(6);
  }, 90_000);
});

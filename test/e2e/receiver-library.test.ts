import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookListener, type VerifiedWebhook } from '@hookline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
import { waitFor } from '../support/receiver';

/**
 * A consumer's receiver built only from @hookline/receiver's node:http helper, taking deliveries
 * from local mode: what a user of the library sees against `npm start`.
 */
describe('a receiver built with @hookline/receiver, fed by local mode', () => {
  let system: LocalSystem;
  let server: Server;
  let receiverUrl = '';
  /** The secrets the receiver holds; the test swaps them as an operator would. */
  let receiverSecrets: string[] = [];
  const verified: VerifiedWebhook[] = [];
  const refusals: number[] = [];

  beforeAll(async () => {
    // The secrets are read per request so the test can rotate them while the server runs.
    server = createServer((request, response) => {
      response.on('finish', () => {
        if (response.statusCode === 401) refusals.push(401);
      });
      void createWebhookListener({
        secrets: receiverSecrets,
        onWebhook: (webhook) => void verified.push(webhook),
      })(request, response);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    system = await startLocalSystem({ HOOKLINE_RETRY_SCHEDULE: '1s,1s' });
  });

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
    await new Promise((done) => server.close(done));
  });

  it('verifies what Hookline delivers, before and after a secret rotation', async () => {
    // Prepare
    const created = (await (
      await system.request('POST', '/v1/endpoints', { url: receiverUrl, eventTypes: ['invoice.*'] })
    ).json()) as { id: string; secret: string };
    receiverSecrets = [created.secret];
    const data = exampleOf('invoice.paid');

    // Act: one delivery on the first secret
    const first = (await (
      await system.request('POST', '/v1/events', { type: 'invoice.paid', data })
    ).json()) as {
      id: string;
    };
    await waitFor(() => verified.length >= 1, 20_000);

    // Act: rotate at Hookline; the receiver takes the new secret beside the old, as the docs
    // say (dispatchers may sign with the old one alone for a few seconds after a rotation)
    const rotated = (await (
      await system.request('POST', `/v1/endpoints/${created.id}/secret/rotate`, {})
    ).json()) as { secret: string };
    receiverSecrets = [rotated.secret, created.secret];
    const second = (await (
      await system.request('POST', '/v1/events', { type: 'invoice.paid', data })
    ).json()) as {
      id: string;
    };
    await waitFor(() => verified.length >= 2, 20_000);

    // Assess
    expect(refusals).toEqual([]);
    expect(verified.map((webhook) => webhook.id)).toEqual([first.id, second.id]);
    expect(verified[0]?.payload).toMatchObject({ type: 'invoice.paid', data });
    expect(rotated.secret).not.toBe(created.secret);
  });
});

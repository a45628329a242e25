import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookListener, signWebhook, type VerifiedWebhook } from '@hookline/receiver';
import {
  captureRawBody,
  type RequestWithWebhook,
  webhookMiddleware,
} from '@hookline/receiver/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../lambda/domain/signing';

const secret = generateSecret();
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
}

/** A body with characters whose bytes differ from their UTF-16 length: raw-body handling shows. */
const payload = {
  type: 'customer.created',
  timestamp: '2026-11-28T09:00:00.000Z',
  data: { customerId: 'cus_8ZQ3', name: 'Zoë Ångström 🚀' },
};

function post(url: string, signed: { headers: Record<string, string>; body: string }) {
  return fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
}

describe('createWebhookListener (node:http)', () => {
  it('hands a verified delivery to onWebhook and answers 204', async () => {
    // Prepare
    const received: VerifiedWebhook[] = [];
    const url = await listen(
      createWebhookListener({
        secrets: secret,
        onWebhook: (webhook) => void received.push(webhook),
      }),
    );
    const signed = signWebhook(secret, payload, { id: 'msg_node_http' });

    // Act
    const response = await post(url, signed);

    // Assess
    expect(response.status).toBe(204);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ id: 'msg_node_http', payload, rawBody: signed.body });
  });

  it('answers 401 problem+json naming the reason, without calling onWebhook', async () => {
    // Prepare
    let calls = 0;
    const url = await listen(
      createWebhookListener({ secrets: secret, onWebhook: () => void calls++ }),
    );
    const forged = signWebhook(generateSecret(), payload);
    const unsigned = {
      headers: { 'content-type': 'application/json' },
      body: signWebhook(secret, payload).body,
    };

    // Act
    const forgedAnswer = await post(url, forged);
    const unsignedAnswer = await post(url, unsigned);

    // Assess
    expect(forgedAnswer.status).toBe(401);
    expect(forgedAnswer.headers.get('content-type')).toBe('application/problem+json');
    expect(await forgedAnswer.json()).toMatchObject({ code: 'bad_signature' });
    expect(await unsignedAnswer.json()).toMatchObject({
      code: 'missing_header',
      header: 'webhook-id',
    });
    expect(calls).toBe(0);
  });

  it('answers 413 to a body over the limit and 405 to a GET', async () => {
    // Prepare
    const url = await listen(
      createWebhookListener({ secrets: secret, limitBytes: 1024, onWebhook: () => {} }),
    );
    const large = signWebhook(secret, { ...payload, data: { blob: 'x'.repeat(4096) } });

    // Act
    const tooLarge = await post(url, large);
    const get = await fetch(url);

    // Assess
    expect(tooLarge.status).toBe(413);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers 500 when onWebhook throws, so Hookline retries, and reports the error', async () => {
    // Prepare
    const reported: unknown[] = [];
    const url = await listen(
      createWebhookListener({
        secrets: secret,
        onWebhook: () => {
          throw new Error('queue down');
        },
        onError: (error) => void reported.push(error),
      }),
    );

    // Act
    const response = await post(url, signWebhook(secret, payload));

    // Assess
    expect(response.status).toBe(500);
    expect(reported).toEqual([new Error('queue down')]);
  });
});

describe('webhookMiddleware (Express)', () => {
  function anApp(setup: (app: express.Express) => void) {
    const app = express();
    const received: VerifiedWebhook[] = [];
    setup(app);
    app.post('/webhook', (request: RequestWithWebhook, response) => {
      if (request.webhook) received.push(request.webhook);
      response.status(204).end();
    });
    app.use(
      (
        error: Error,
        _request: express.Request,
        response: express.Response,
        _next: express.NextFunction,
      ) => {
        response.status(500).json({ error: error.name });
      },
    );
    return { app, received };
  }

  it.each<[string, (app: express.Express) => void]>([
    [
      'mounted before any body parser',
      (app) => app.use('/webhook', webhookMiddleware({ secrets: secret })),
    ],
    [
      'after express.raw()',
      (app) => {
        app.use(express.raw({ type: 'application/json' }));
        app.use('/webhook', webhookMiddleware({ secrets: secret }));
      },
    ],
    [
      'after express.json({ verify: captureRawBody })',
      (app) => {
        app.use(express.json({ verify: captureRawBody }));
        app.use('/webhook', webhookMiddleware({ secrets: secret }));
      },
    ],
  ])('verifies a delivery %s', async (_how, setup) => {
    // Prepare
    const { app, received } = anApp(setup);
    const url = await listen(app);
    const signed = signWebhook(secret, payload, { id: 'msg_express' });

    // Act
    const response = await post(url, signed);

    // Assess
    expect(response.status).toBe(204);
    expect(received.map((webhook) => webhook.payload)).toEqual([payload]);
  });

  it('answers 401 problem+json to a forged delivery and never reaches the route', async () => {
    // Prepare
    const { app, received } = anApp((a) =>
      a.use('/webhook', webhookMiddleware({ secrets: secret })),
    );
    const url = await listen(app);

    // Act
    const response = await post(url, signWebhook(generateSecret(), payload));

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'bad_signature' });
    expect(received).toEqual([]);
  });

  it('refuses to guess when express.json() already consumed the raw body', async () => {
    // Prepare
    const { app, received } = anApp((a) => {
      a.use(express.json());
      a.use('/webhook', webhookMiddleware({ secrets: secret }));
    });
    const url = await listen(app);

    // Act
    const response = await post(url, signWebhook(secret, payload));

    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'RawBodyUnavailableError' });
    expect(received).toEqual([]);
  });
});

describe('a receiver holding a broken secret', () => {
  it('answers 500 with bad_secret: the fault is the receiver’s, and Hookline retries', async () => {
    // Prepare
    const url = await listen(createWebhookListener({ secrets: 'whsec_%%%', onWebhook: () => {} }));

    // Act
    const response = await post(url, signWebhook(secret, payload));

    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'bad_secret' });
  });
});

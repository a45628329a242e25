import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../lambda/adapters/http/webhook-sender';

type Answer = (response: ServerResponse) => void;

/** What each path answers; the sender's reading of answers is what is under test. */
const answers: Record<string, Answer> = {
  '/ok': (r) => r.writeHead(204).end(),
  '/big-ok': (r) => r.writeHead(200).end('x'.repeat(512 * 1024)),
  '/fail': (r) => r.writeHead(500).end(`${'é'.repeat(3000)}tail`),
  '/limited': (r) => r.writeHead(429, { 'retry-after': '120' }).end('slow down'),
  '/redirect': (r) => r.writeHead(302, { location: '/ok' }).end(),
  '/hang': () => {},
  // The status comes at once, then the body trickles on past the deadline.
  '/trickle': (r) => {
    r.writeHead(503, { 'content-type': 'text/plain' });
    r.write('first part ');
    const drip = setInterval(() => r.write('.'), 50);
    r.on('close', () => clearInterval(drip));
  },
  '/reset': (r) => r.socket?.destroy(),
};

describe('UndiciWebhookSender reads each answer within its deadline', () => {
  let server: Server;
  let base = '';
  const sender = new UndiciWebhookSender({ allowPrivateTargets: true });
  const send = (path: string, timeoutMs = 2000) =>
    sender.send({ url: `${base}${path}`, headers: { 'x-test': '1' }, body: '{}', timeoutMs });

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => answers[request.url ?? '']?.(response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await sender.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers a 2xx with its status and no excerpt, even when its body is large', async () => {
    expect(await send('/ok')).toEqual({ status: 204, durationMs: expect.any(Number) });
    const big = await send('/big-ok');
    expect(big).toEqual({ status: 200, durationMs: expect.any(Number) });
  });

  it('keeps the first 4 KiB of a failure, Retry-After, and does not follow redirects', async () => {
    const failed = await send('/fail');
    expect(failed.status).toBe(500);
    expect(Buffer.byteLength(failed.excerpt ?? '')).toBeLessThanOrEqual(4096);
    expect(failed.excerpt?.startsWith('éé')).toBe(true);
    expect(await send('/limited')).toMatchObject({
      status: 429,
      retryAfter: '120',
      excerpt: 'slow down',
    });
    expect(await send('/redirect')).toMatchObject({ status: 302 });
  });

  it('gives up at the deadline when no answer comes, and says it timed out', async () => {
    const started = performance.now();
    const answer = await send('/hang', 300);
    expect(answer).toEqual({ durationMs: expect.any(Number), error: 'timeout', timedOut: true });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('keeps the status of an answer whose body trickles on past the deadline', async () => {
    const started = performance.now();
    const answer = await send('/trickle', 400);
    expect(answer).toEqual({ status: 503, durationMs: expect.any(Number) });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('reports a dropped connection and a URL it cannot send to', async () => {
    expect(await send('/reset')).toMatchObject({ error: 'connection closed by the endpoint' });
    const bad = await sender.send({ url: 'not a url', headers: {}, body: '', timeoutMs: 500 });
    expect(bad.error).toContain('Invalid URL');
    const ftp = await sender.send({
      url: 'ftp://127.0.0.1/',
      headers: {},
      body: '',
      timeoutMs: 500,
    });
    expect(ftp.error).toContain('Invalid URL protocol');
  });

  it('still sends after many attempts to the same URL', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => send('/ok')));
    expect(answers.every((a) => a.status === 204)).toBe(true);
  });
});

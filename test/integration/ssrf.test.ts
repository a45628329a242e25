import type { LookupAddress } from 'node:dns';
import { createServer, isIP, type LookupFunction, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardLookup, UndiciWebhookSender } from '../../lambda/adapters/http/webhook-sender';
import { Receiver } from '../support/receiver';

/**
 * A resolver that answers from a table, honouring both `options.all` shapes; it stands in
 * for DNS that answered a public address when the endpoint was created and now answers a
 * private one (DNS rebinding).
 */
function fakeDns(table: Record<string, string[]>, asked: boolean[] = []): LookupFunction {
  return (hostname, options, callback) => {
    asked.push(options.all === true);
    const addresses = table[hostname];
    if (!addresses) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
      });
      process.nextTick(() => callback(error, options.all ? [] : ''));
      return;
    }
    const entries = addresses.map((address) => ({ address, family: isIP(address) }));
    process.nextTick(() =>
      options.all
        ? callback(null, entries)
        : callback(null, entries[0]?.address ?? '', entries[0]?.family),
    );
  };
}

const PUBLIC = ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'];

const DNS = {
  'public.test': PUBLIC,
  'rebind.test': ['127.0.0.1'],
  'mixed.test': ['93.184.216.34', '127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:127.0.0.1'],
};

function lookupOnce(lookup: LookupFunction, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
    lookup(hostname, { all }, (error, address) => resolve({ error, address })),
  );
}

describe('SSRF guard on the connection the sender actually makes', () => {
  let receiver: Receiver;
  /** A bare TCP listener that counts connections: a blocked send must not open one. */
  let probe: Server;
  let probePort = 0;
  let probeConnections = 0;
  let receiverPort = 0;
  const asked: boolean[] = [];
  const aws = new UndiciWebhookSender({ allowPrivateTargets: false, lookup: fakeDns(DNS, asked) });
  const local = new UndiciWebhookSender({ allowPrivateTargets: true, lookup: fakeDns(DNS) });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    receiverPort = Number(new URL(receiver.url('/')).port);
    probe = createServer((socket) => {
      probeConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    probePort = (probe.address() as { port: number }).port;
  });
  afterAll(async () => {
    await aws.close();
    await local.close();
    await receiver.stop();
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  const send = (sender: UndiciWebhookSender, url: string) =>
    sender.send({
      url,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 2000,
    });

  it.each([
    ['https://rebind.test:PORT/rebind', 'blocked: not a public address (127.0.0.1)'],
    ['https://mixed.test:PORT/mixed', 'blocked: not a public address (127.0.0.1)'],
    [
      'https://metadata.test:PORT/latest/meta-data/',
      'blocked: not a public address (169.254.169.254)',
    ],
    ['https://mapped.test:PORT/mapped', 'blocked: not a public address (::ffff:127.0.0.1)'],
    ['https://127.0.0.1:PORT/literal', 'blocked: not a public address (127.0.0.1)'],
    ['https://2130706433:PORT/decimal', 'blocked: not a public address (127.0.0.1)'],
    ['https://0x7f000001:PORT/hex', 'blocked: not a public address (127.0.0.1)'],
    [
      'https://[::ffff:127.0.0.1]:PORT/mapped-literal',
      'blocked: not a public address ([::ffff:7f00:1])',
    ],
    ['https://[::1]:PORT/v6-literal', 'blocked: not a public address ([::1])'],
    ['https://localhost.:PORT/name', 'blocked: not a public address (localhost.)'],
    ['http://rebind.test:PORT/plain-http', 'blocked: only https is allowed'],
  ])('outside local mode refuses %s without opening a connection', async (template, error) => {
    // Prepare
    const before = receiver.requests.length;
    const connectionsBefore = probeConnections;

    // Act
    const toReceiver = await send(aws, template.replace('PORT', String(receiverPort)));
    const toProbe = await send(aws, template.replace('PORT', String(probePort)));

    // Assess
    expect(toReceiver.status).toBeUndefined();
    expect(toReceiver.error).toBe(error);
    expect(toProbe.error).toBe(error);
    expect(receiver.requests).toHaveLength(before);
    expect(probeConnections).toBe(connectionsBefore);
  });

  it('stops DNS rebinding: the name is checked on the address the connection goes to', async () => {
    // Prepare: locally, the same resolver takes the same name to the receiver.
    const delivered = await send(local, `http://rebind.test:${receiverPort}/rebind-local`);
    expect(delivered.status).toBe(204);
    expect(receiver.to('/rebind-local')).toHaveLength(1);

    // Act
    const refused = await send(aws, `https://rebind.test:${receiverPort}/rebind-aws`);

    // Assess
    expect(refused.error).toContain('blocked');
    expect(receiver.to('/rebind-aws')).toHaveLength(0);
    expect(asked.length).toBeGreaterThan(0); // the injected lookup was consulted at connect time
  });

  it('delivers to loopback over http in local mode only', async () => {
    const answer = await send(local, receiver.url('/local'));
    expect(answer).toMatchObject({ status: 204 });
    expect(receiver.to('/local')).toHaveLength(1);
    const refused = await send(aws, receiver.url('/local'));
    expect(refused.error).toContain('blocked');
    expect(receiver.to('/local')).toHaveLength(1);
  });

  it('the guarded lookup passes public answers through and blocks private ones, both shapes', async () => {
    const guarded = guardLookup(fakeDns(DNS));

    const single = await lookupOnce(guarded, 'public.test', false);
    expect(single).toEqual({ error: null, address: '93.184.216.34' });
    const all = await lookupOnce(guarded, 'public.test', true);
    expect(all.error).toBeNull();
    expect((all.address as LookupAddress[]).map((a) => a.address)).toEqual(PUBLIC);

    for (const all of [false, true]) {
      const rebound = await lookupOnce(guarded, 'rebind.test', all);
      expect(rebound.error?.code).toBe('EBLOCKEDADDRESS');
      expect(rebound.error?.message).toBe('blocked: not a public address (127.0.0.1)');
    }
    const mixed = await lookupOnce(guarded, 'mixed.test', true);
    expect(mixed.error?.code).toBe('EBLOCKEDADDRESS');
    const missing = await lookupOnce(guarded, 'nowhere.test', false);
    expect(missing.error?.code).toBe('ENOTFOUND');
  });
});

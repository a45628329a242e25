import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHookline, startLocal } from '../../lib/local/runtime';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';

const ADMIN_KEY = 'hk_admin_exposure-test-key-0123456789';

interface ListeningSocket {
  readonly address: string;
  readonly port: number;
}

/** `/proc/net/tcp*` addresses: 32-bit words in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16),
  );
  return groups.join(':');
}

/**
 * The TCP sockets this process listens on, read from the kernel: the sockets among this
 * process's file descriptors, matched against the LISTEN (0A) rows of /proc/net/tcp{,6}.
 */
function listeningSockets(): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((columns) => columns[3] === '0A' && inodes.has(columns[9] ?? ''))
      .map((columns) => {
        const [address = '', port = '0'] = (columns[1] ?? '').split(':');
        return { address: decodeAddress(address), port: Number.parseInt(port, 16) };
      }),
  );
}

/** 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6. */
function isLoopback(address: string): boolean {
  return (
    address.startsWith('127.') ||
    address === '0:0:0:0:0:0:0:1' ||
    /^0:0:0:0:0:ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(address)
  );
}

interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** An HTTP request with the Host header we choose (fetch does not let us set it). */
function send(
  origin: string,
  options: { method?: string; path?: string; host: string; headers?: Record<string, string> },
  body = '',
): Promise<RawResponse> {
  const url = new URL(options.path ?? '/', origin);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: { ...options.headers, host: options.host },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const portOf = (origin: string) => Number(new URL(origin).port);

/**
 * What an AWS SDK sends besides the body. The stand-ins check that a signature is there, not
 * what it signs: any credentials work, which is why only this machine may reach them.
 */
const anyAwsSignature = (service: string) => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-date': '20260101T000000Z',
  authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});

/** A DynamoDB `ListTables`, as the AWS SDK makes it. */
const listTables = (origin: string, host: string) =>
  send(
    origin,
    {
      method: 'POST',
      host,
      headers: { ...anyAwsSignature('dynamodb'), 'x-amz-target': 'DynamoDB_20120810.ListTables' },
    },
    '{}',
  );

/** An SQS call over the JSON protocol, as the AWS SDK makes it. */
const sqsCall = (origin: string, host: string, action: string, input: unknown) =>
  send(
    origin,
    {
      method: 'POST',
      host,
      headers: { ...anyAwsSignature('sqs'), 'x-amz-target': `AmazonSQS.${action}` },
    },
    JSON.stringify(input),
  );

describe('local mode, seen from the network', () => {
  let hookline: LocalHookline;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hookline-exposure-'));
    hookline = await startLocal({ port: 0, dataDir, apiKey: ADMIN_KEY, log: () => {} });
  });

  afterAll(async () => {
    await hookline?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on loopback addresses only, the DynamoDB and SQS stand-ins included', () => {
    // Prepare: the servers local mode started, each on its own port.
    const servers = {
      api: portOf(hookline.apiUrl),
      dynamodb: portOf(hookline.dynamoEndpoint),
      sqs: portOf(hookline.sqsEndpoint),
    };

    // Act
    const listening = listeningSockets();

    // Assess: every server is among the sockets found, and no socket is reachable from another
    // machine.
    expect(new Set(Object.values(servers)).size).toBe(3);
    expect(listening.map((socket) => socket.port)).toEqual(
      expect.arrayContaining(Object.values(servers)),
    );
    expect(listening.length).toBeGreaterThanOrEqual(Object.keys(servers).length);
    expect(listening.filter((socket) => !isLoopback(socket.address))).toEqual([]);
  });

  it('refuses an API request addressed to another host name (DNS rebinding)', async () => {
    // Prepare
    const authorization = `Bearer ${ADMIN_KEY}`;
    const path = '/v1/event-types';

    // Act
    const foreign = await send(hookline.apiUrl, {
      path,
      host: 'attacker.example',
      headers: { authorization },
    });
    const local = await send(hookline.apiUrl, {
      path,
      host: `localhost:${portOf(hookline.apiUrl)}`,
      headers: { authorization },
    });

    // Assess
    expect(foreign.status).toBe(421);
    expect(foreign.contentType).toBe('application/problem+json');
    const problem = JSON.parse(foreign.body) as { status: number; errors: { field: string }[] };
    expect(problem.status).toBe(421);
    expect(problem.errors.map((e) => e.field)).toEqual(['Host']);
    expect(local.status).toBe(200);
  });

  it('answers the loopback names a local tool may use, and refuses look-alikes', async () => {
    // Prepare
    const port = portOf(hookline.apiUrl);
    const loopbackNames = [
      'localhost',
      `LOCALHOST:${port}`,
      `api.localhost:${port}`,
      `127.0.0.1:${port}`,
      '127.1.2.3',
      `[::1]:${port}`,
    ];
    const lookAlikes = [
      `localhost.attacker.example:${port}`,
      `127.0.0.1.attacker.example:${port}`,
      `attacker.example#.localhost`,
      `localhost@attacker.example`,
      '192.168.1.20',
      'attacker.example:80',
    ];

    // Act
    const answered = await Promise.all(
      loopbackNames.map((host) => send(hookline.apiUrl, { path: '/v1/event-types', host })),
    );
    const refused = await Promise.all(
      lookAlikes.map((host) => send(hookline.apiUrl, { path: '/v1/event-types', host })),
    );

    // Assess: the loopback names reach the API (401: no key sent), the others never do.
    expect(answered.map((r) => r.status)).toEqual(loopbackNames.map(() => 401));
    expect(refused.map((r) => r.status)).toEqual(lookAlikes.map(() => 421));
  });

  it('does not record a webhook sent to the sandbox under another host name', async () => {
    // Prepare
    const port = portOf(hookline.apiUrl);
    const post = (host: string) =>
      send(
        hookline.apiUrl,
        { method: 'POST', path: '/sandbox/rebinding', host },
        '{"type":"forged"}',
      );

    // Act
    const foreign = await post('attacker.example');
    const local = await post(`127.0.0.1:${port}`);
    const listed = await send(hookline.apiUrl, {
      path: '/sandbox/rebinding',
      host: `127.0.0.1:${port}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });

    // Assess
    expect(foreign.status).toBe(421);
    expect(local.status).toBe(204);
    expect((JSON.parse(listed.body) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('refuses an SQS call addressed to another host name, and answers it on localhost', async () => {
    // Prepare
    const port = portOf(hookline.sqsEndpoint);

    // Act
    const foreign = await sqsCall(hookline.sqsEndpoint, 'attacker.example', 'ListQueues', {});
    const local = await sqsCall(hookline.sqsEndpoint, `localhost:${port}`, 'ListQueues', {});

    // Assess: the queue list (and so the payloads) stays out of a rebinding page's reach.
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ __type: 'AccessDeniedException' });
    expect(foreign.body).not.toContain('hookline-delivery');
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toMatchObject({
      QueueUrls: expect.arrayContaining([expect.stringMatching(/\/hookline-delivery$/)]),
    });
  });

  it('does not let a foreign host put a message on a queue', async () => {
    // Prepare
    const port = portOf(hookline.sqsEndpoint);
    const queueUrl = hookline.queueUrls.deadLetter;
    const forged = { QueueUrl: queueUrl, MessageBody: '{"forged":true}' };

    // Act
    const injected = await sqsCall(hookline.sqsEndpoint, 'attacker.example', 'SendMessage', forged);
    const attributes = await sqsCall(
      hookline.sqsEndpoint,
      `127.0.0.1:${port}`,
      'GetQueueAttributes',
      { QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] },
    );

    // Assess
    expect(injected.status).toBe(403);
    expect(JSON.parse(attributes.body)).toMatchObject({
      Attributes: { ApproximateNumberOfMessages: '0' },
    });
  });

  it('refuses a DynamoDB call addressed to another host name, and answers it on localhost', async () => {
    // Prepare
    const port = portOf(hookline.dynamoEndpoint);

    // Act
    const foreign = await listTables(hookline.dynamoEndpoint, 'attacker.example');
    const local = await listTables(hookline.dynamoEndpoint, `localhost:${port}`);

    // Assess
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ __type: 'AccessDeniedException' });
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toMatchObject({
      TableNames: expect.arrayContaining([hookline.tableNames.apiKeys]),
    });
  });

  it('will not bind the API to an address other machines can reach', async () => {
    // Prepare
    const otherDir = mkdtempSync(join(tmpdir(), 'hookline-exposure-'));

    // Act
    const outcome = await startLocal({
      port: 0,
      host: '0.0.0.0',
      dataDir: otherDir,
      log: () => {},
    }).then(
      async (started) => {
        await started.stop();
        return `started on ${started.apiUrl}`;
      },
      (error: Error) => error.message,
    );

    // Assess
    expect(outcome).toMatch(/loopback only/);
    rmSync(otherDir, { recursive: true, force: true });
  });
});

describe('npm start', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  });

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it('prints every endpoint a tool can be pointed at, each of them answering', async () => {
    // Prepare: what the banner says.
    const banner = system.output();
    const printed = (label: string) => new RegExp(`^\\s+${label}\\s+(\\S+)`, 'm').exec(banner)?.[1];
    const sqsEndpoint = printed('SQS') ?? '';
    const deadLetters = printed('Dead letters') ?? '';
    const dynamoEndpoint = printed('DynamoDB') ?? '';

    // Act: ask each printed endpoint what a tool would.
    const queues = await sqsCall(sqsEndpoint, new URL(sqsEndpoint).host, 'ListQueues', {});
    const dlq = await sqsCall(sqsEndpoint, new URL(sqsEndpoint).host, 'GetQueueAttributes', {
      QueueUrl: deadLetters,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    const tables = await listTables(dynamoEndpoint, new URL(dynamoEndpoint).host);

    // Assess
    expect(printed('API')).toBe(system.apiUrl);
    expect(queues.status).toBe(200);
    expect(deadLetters).toBe(`${sqsEndpoint}/000000000000/hookline-delivery-dlq`);
    expect(dlq.status).toBe(200);
    expect(JSON.parse(dlq.body)).toMatchObject({
      Attributes: { ApproximateNumberOfMessages: '0' },
    });
    expect(tables.status).toBe(200);
  });
});

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';

interface AwsError {
  __type: string;
  message: string;
}

interface BusEntry {
  source: string;
  detail: unknown;
}

/** An entry the local bus would put, tagged with a source of its own to look for later. */
const entry = (source: string, fields: Record<string, unknown> = {}) => ({
  EventBusName: 'hookline',
  Source: source,
  DetailType: 'test.rejected',
  Detail: '{"note":"must not be put"}',
  ...fields,
});

const entries = (label: string, count: number) =>
  Array.from({ length: count }, (_, i) => entry(`test.${label}.${i}`));

/**
 * Requests EventBridge refuses as a whole, each with the answer it gives. Where a request
 * carries good entries beside the bad part, their sources start with `test.<label>.`: none
 * of them may reach the bus.
 */
const REFUSED: Array<{ label: string; body: string; status: number; type: string }> = [
  {
    label: 'truncated-json',
    body: `{"Entries": [${JSON.stringify(entry('test.truncated-json.0'))}`,
    status: 400,
    type: 'SerializationException',
  },
  { label: 'null-body', body: 'null', status: 400, type: 'SerializationException' },
  {
    label: 'array-body',
    body: JSON.stringify([entry('test.array-body.0')]),
    status: 400,
    type: 'SerializationException',
  },
  { label: 'no-entries', body: '{}', status: 400, type: 'ValidationException' },
  { label: 'empty-entries', body: '{"Entries": []}', status: 400, type: 'ValidationException' },
  {
    label: 'entries-not-a-list',
    body: '{"Entries": "invoice.paid"}',
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'null-entry',
    body: JSON.stringify({ Entries: [entry('test.null-entry.0'), null] }),
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'eleven-entries',
    body: JSON.stringify({ Entries: entries('eleven-entries', 11) }),
    status: 400,
    type: 'ValidationException',
  },
  {
    label: 'over-256-kib',
    body: JSON.stringify({
      Entries: [0, 1].map((i) =>
        entry(`test.over-256-kib.${i}`, {
          Detail: JSON.stringify({ padding: 'x'.repeat(140 * 1024) }),
        }),
      ),
    }),
    status: 400,
    type: 'ValidationException',
  },
  {
    label: 'bad-time',
    body: JSON.stringify({
      Entries: [entry('test.bad-time.0'), entry('test.bad-time.1', { Time: 'yesterday-ish' })],
    }),
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'time-out-of-range',
    body: JSON.stringify({
      Entries: [
        entry('test.time-out-of-range.0'),
        entry('test.time-out-of-range.1', { Time: 1e20 }),
      ],
    }),
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'numeric-source',
    body: JSON.stringify({ Entries: [entry('test.numeric-source.0'), entry('x', { Source: 5 })] }),
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'object-detail',
    body: JSON.stringify({
      Entries: [entry('test.object-detail.0'), entry('x', { Detail: { data: {} } })],
    }),
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'resources-not-a-list',
    body: JSON.stringify({
      Entries: [entry('test.resources-not-a-list.0', { Resources: 'arn:aws:x' })],
    }),
    status: 400,
    type: 'SerializationException',
  },
  {
    label: 'over-10-mb',
    body: JSON.stringify({ Entries: [entry('test.over-10-mb.0')], padding: 'x'.repeat(11e6) }),
    status: 413,
    type: 'ValidationException',
  },
];

describe('local PutEvents refuses what EventBridge refuses, with its 4xx errors', () => {
  let system: LocalSystem;

  const putEvents = (body: string, target = 'AWSEvents.PutEvents') =>
    fetch(`${system.apiUrl}/`, {
      method: 'POST',
      headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
      body,
    });

  const busSources = async () => {
    const response = await system.request('GET', '/_local/bus');
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: BusEntry[] }).data.map((e) => e.source);
  };

  beforeAll(async () => {
    system = await startLocalSystem();
  });

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
  });

  it.each(REFUSED)('$label: $status $type, and no entry of it is put', async (bad) => {
    // Prepare: nothing of this request on the bus yet.
    expect((await busSources()).filter((s) => s.startsWith(`test.${bad.label}.`))).toEqual([]);

    // Act
    const response = await putEvents(bad.body);

    // Assess: the AWS JSON error an SDK turns into a named exception, and nothing applied.
    expect(response.status).toBe(bad.status);
    const error = (await response.json()) as AwsError;
    expect(error.__type).toBe(bad.type);
    expect(error.message).toEqual(expect.any(String));
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect((await busSources()).filter((s) => s.startsWith(`test.${bad.label}.`))).toEqual([]);
  });

  it('answers another EventBridge action with UnknownOperationException', async () => {
    // Act
    const response = await putEvents('{}', 'AWSEvents.ListRules');

    // Assess
    expect(response.status).toBe(400);
    expect(((await response.json()) as AwsError).__type).toBe('UnknownOperationException');
  });

  it('fails a malformed entry alone and puts the others, as EventBridge does', async () => {
    // Prepare: one good entry, one Detail that is not an object, one nested past 1000 levels.
    const deep = `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`;
    const body = JSON.stringify({
      Entries: [
        entry('test.partial.good', { Detail: '{"ok":true}' }),
        entry('test.partial.array', { Detail: '[1,2]' }),
        entry('test.partial.deep', { Detail: deep }),
      ],
    });

    // Act
    const response = await putEvents(body);

    // Assess: the good one is on the bus, the bus log still answers.
    expect(response.status).toBe(200);
    const result = (await response.json()) as {
      FailedEntryCount: number;
      Entries: Array<{ EventId?: string; ErrorCode?: string }>;
    };
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'MalformedDetail',
      'MalformedDetail',
    ]);
    const sources = await busSources();
    expect(sources).toContain('test.partial.good');
    expect(sources.filter((s) => s === 'test.partial.array' || s === 'test.partial.deep')).toEqual(
      [],
    );
  });

  it('gives the AWS SDK a named ValidationException for more than 10 entries', async () => {
    // Prepare
    const client = new EventBridgeClient({
      endpoint: system.apiUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });

    // Act
    const sent = client
      .send(new PutEventsCommand({ Entries: entries('sdk-eleven', 11) }))
      .catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => error);

    // Assess: not a 5xx the SDK would retry, and nothing put.
    const error = await sent;
    client.destroy();
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      400,
    );
    expect((await busSources()).filter((s) => s.startsWith('test.sdk-eleven.'))).toEqual([]);
  });
});

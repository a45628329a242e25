import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundledFunction } from '../../lib/local/bundles/assembly';
import { startFunction } from '../../lib/local/bundles/instance';
import { KmsStandIn } from '../../lib/local/kms-stand-in';

const KEY = 'arn:aws:kms:us-east-1:000000000000:key/EndpointSecretsKey';
const OTHER_KEY = 'arn:aws:kms:us-east-1:000000000000:key/OtherKey';
const CONTEXT = { purpose: 'hookline-endpoint-secrets' };

describe('the KMS stand-in, through the real SDK client', () => {
  let kms: KmsStandIn;
  let client: KMSClient;

  beforeAll(async () => {
    kms = await new KmsStandIn(new Uint8Array(32).fill(7)).start();
    kms.addKey(KEY);
    kms.addKey(OTHER_KEY);
    client = new KMSClient({
      endpoint: kms.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await kms.stop();
  });

  const dataKey = () =>
    client.send(
      new GenerateDataKeyCommand({ KeyId: KEY, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
    );
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => 'succeeded',
      (error: Error) => error.name,
    );

  it('opens a data key with its key and encryption context, given in any order', async () => {
    const { Plaintext, CiphertextBlob } = await dataKey();
    const opened = await client.send(
      new DecryptCommand({ KeyId: KEY, CiphertextBlob, EncryptionContext: { ...CONTEXT } }),
    );

    expect(Plaintext).toHaveLength(32);
    expect(Buffer.from(opened.Plaintext ?? []).equals(Buffer.from(Plaintext ?? []))).toBe(true);
  });

  it('refuses, as KMS does, another context, another key, an altered blob and an unknown key', async () => {
    const { CiphertextBlob = new Uint8Array() } = await dataKey();
    const altered = Uint8Array.from(CiphertextBlob);
    altered[altered.length - 1] = (altered.at(-1) ?? 0) ^ 1;

    const decrypt = (input: {
      KeyId?: string;
      blob?: Uint8Array;
      context?: Record<string, string>;
    }) =>
      failure(
        client.send(
          new DecryptCommand({
            KeyId: input.KeyId ?? KEY,
            CiphertextBlob: input.blob ?? CiphertextBlob,
            EncryptionContext: input.context ?? CONTEXT,
          }),
        ),
      );
    expect(await decrypt({ context: { purpose: 'cursors' } })).toBe('InvalidCiphertextException');
    expect(await decrypt({ context: {} })).toBe('InvalidCiphertextException');
    expect(await decrypt({ KeyId: OTHER_KEY })).toBe('IncorrectKeyException');
    expect(await decrypt({ blob: altered })).toBe('InvalidCiphertextException');
    expect(
      await failure(
        client.send(new GenerateDataKeyCommand({ KeyId: `${KEY}-gone`, KeySpec: 'AES_256' })),
      ),
    ).toBe('NotFoundException');
  });
});

describe('a synthesized function instance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-instance-'));
  writeFileSync(
    join(dir, 'index.mjs'),
    `let invocations = 0;
export const handler = async (event, context) => {
  invocations += 1;
  if (event.crash) setImmediate(() => { throw new Error('crashed outside the invocation'); });
  if (event.crash) return new Promise(() => {});
  return { invocations, env: Object.keys(process.env).sort(), remaining: context.getRemainingTimeInMillis() };
};
`,
  );
  const fn: BundledFunction = {
    name: 'keys',
    logicalId: 'ApiKeys',
    assetDir: dir,
    entryFile: 'index.mjs',
    exportName: 'handler',
    runtime: 'nodejs24.x',
    timeoutSeconds: 29,
    memoryMb: 512,
    variables: {},
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sees only its own environment, and a new instance replaces one that crashed', async () => {
    const lines: string[] = [];
    const instance = await startFunction(fn, { API_KEYS_TABLE: 'hookline-api-keys' }, (line) =>
      lines.push(line),
    );
    try {
      const first = (await instance.invoke({})) as {
        invocations: number;
        env: string[];
        remaining: number;
      };
      await instance.invoke({});
      const crashed = await instance.invoke({ crash: true }).then(
        () => 'answered',
        (error: Error) => error.message,
      );
      const after = (await instance.invoke({})) as { invocations: number };

      expect(first.env).toEqual(['API_KEYS_TABLE']);
      expect(first.remaining).toBeGreaterThan(28_000);
      expect(first.remaining).toBeLessThanOrEqual(29_000);
      expect(crashed).toBe('crashed outside the invocation');
      expect(lines).toEqual(['keys crashed: crashed outside the invocation']);
      expect(after.invocations).toBe(1); // a fresh instance: its module state starts over
    } finally {
      await instance.stop();
    }
  });
});

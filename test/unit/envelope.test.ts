import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type DataKeySource, Envelope, LocalDataKeys } from '../../lambda/adapters/crypto/envelope';

/** A key source that counts its calls, as KMS would bill them. */
function countingKeys() {
  const inner = new LocalDataKeys(randomBytes(32));
  const calls = { generate: 0, unwrap: 0 };
  const keys: DataKeySource = {
    generate: () => {
      calls.generate++;
      return inner.generate();
    },
    unwrap: (wrapped) => {
      calls.unwrap++;
      return inner.unwrap(wrapped);
    },
  };
  return { keys, calls };
}

describe('envelope encryption of endpoint secrets', () => {
  it('seals and opens many secrets with one data key: KMS is asked once, not per secret', async () => {
    // Prepare
    const { keys, calls } = countingKeys();
    const writer = new Envelope(keys);
    const reader = new Envelope(keys);

    // Act
    const sealed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => writer.seal(`whsec_${i}`, `endpoint:t/ep_${i}`)),
    );
    const opened = await Promise.all(sealed.map((s, i) => reader.open(s, `endpoint:t/ep_${i}`)));

    // Assess
    expect(opened).toEqual(Array.from({ length: 50 }, (_, i) => `whsec_${i}`));
    expect(calls).toEqual({ generate: 1, unwrap: 1 });
  });

  it('asks for a new data key after five minutes', async () => {
    // Prepare
    const { keys, calls } = countingKeys();
    let now = 0;
    const envelope = new Envelope(keys, () => now);

    // Act
    await envelope.seal('a', 'x');
    now += 5 * 60_000 - 1;
    await envelope.seal('b', 'x');
    now += 2;
    await envelope.seal('c', 'x');

    // Assess
    expect(calls.generate).toBe(2);
  });

  it('refuses a sealed value moved to another endpoint or changed by one bit', async () => {
    // Prepare
    const envelope = new Envelope(countingKeys().keys);
    const sealed = await envelope.seal('whsec_secret', 'endpoint:t/ep_1');
    // One bit of the ciphertext flipped (a byte, not a base64 character, whose last bits
    // may be padding).
    const [version, wrapped, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[14] = (bytes[14] as number) ^ 1;
    const tampered = `${version}.${wrapped}.${bytes.toString('base64url')}`;

    // Act / Assess
    await expect(envelope.open(sealed, 'endpoint:t/ep_2')).rejects.toThrow();
    await expect(envelope.open(tampered, 'endpoint:t/ep_1')).rejects.toThrow();
    await expect(envelope.open(sealed, 'endpoint:t/ep_1')).resolves.toBe('whsec_secret');
    await expect(envelope.open('whsec_plain', 'endpoint:t/ep_1')).rejects.toThrow(/not a sealed/);
  });
});

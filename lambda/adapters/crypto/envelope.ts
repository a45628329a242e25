import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Where data keys come from: KMS in AWS (the master key never leaves it), a local key file in
 * local mode. `wrapped` is what is stored beside the data it sealed.
 */
export interface DataKeySource {
  generate(): Promise<{ readonly plaintext: Uint8Array; readonly wrapped: Uint8Array }>;
  unwrap(wrapped: Uint8Array): Promise<Uint8Array>;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM; `aad` binds the ciphertext to what it belongs to (it cannot be moved). */
export function encrypt(key: Uint8Array, plaintext: Uint8Array, aad: string): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function decrypt(key: Uint8Array, sealed: Uint8Array, aad: string): Buffer {
  const bytes = Buffer.from(sealed);
  const iv = bytes.subarray(0, IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/** How long one data key seals new secrets before the next is asked for. */
const DATA_KEY_REUSE_MS = 5 * 60_000;
/** Unwrapped data keys kept per process: few exist, as each seals five minutes of writes. */
const UNWRAPPED_KEYS_KEPT = 256;

/**
 * Envelope encryption of small secrets: each is sealed with a data key, and the data key,
 * wrapped by the master key, travels with it. Data keys are cached both ways, so sealing and
 * opening cost a KMS call only every few minutes per process, not per webhook.
 */
export class Envelope {
  private current: { key: Uint8Array; wrapped: string; until: number } | undefined;
  private pending: Promise<{ key: Uint8Array; wrapped: string }> | undefined;
  private readonly unwrapped = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly keys: DataKeySource,
    private readonly now: () => number = Date.now,
  ) {}

  /** `v1.<wrapped data key>.<iv|ciphertext|tag>`, base64url. */
  async seal(plaintext: string, aad: string): Promise<string> {
    const { key, wrapped } = await this.dataKey();
    const sealed = encrypt(key, Buffer.from(plaintext, 'utf8'), aad);
    return `${VERSION}.${wrapped}.${Buffer.from(sealed).toString('base64url')}`;
  }

  /** Throws when the text was not sealed for `aad` or was changed. */
  async open(text: string, aad: string): Promise<string> {
    const [version, wrapped, sealed] = text.split('.');
    if (version !== VERSION || !wrapped || !sealed) throw new Error('not a sealed value');
    const key = await this.unwrap(wrapped);
    return decrypt(key, Buffer.from(sealed, 'base64url'), aad).toString('utf8');
  }

  private async dataKey(): Promise<{ key: Uint8Array; wrapped: string }> {
    const current = this.current;
    if (current && current.until > this.now()) return current;
    this.pending ??= this.keys
      .generate()
      .then(({ plaintext, wrapped }) => {
        const text = Buffer.from(wrapped).toString('base64url');
        this.current = { key: plaintext, wrapped: text, until: this.now() + DATA_KEY_REUSE_MS };
        this.remember(text, Promise.resolve(plaintext));
        return this.current;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private unwrap(wrapped: string): Promise<Uint8Array> {
    const hit = this.unwrapped.get(wrapped);
    if (hit) return hit;
    const key = this.keys.unwrap(Buffer.from(wrapped, 'base64url'));
    this.remember(wrapped, key);
    // A failed unwrap (throttling, a lost grant) is tried again next time.
    key.catch(() => this.unwrapped.delete(wrapped));
    return key;
  }

  private remember(wrapped: string, key: Promise<Uint8Array>): void {
    if (this.unwrapped.size >= UNWRAPPED_KEYS_KEPT) {
      const oldest = this.unwrapped.keys().next().value;
      if (oldest !== undefined) this.unwrapped.delete(oldest);
    }
    this.unwrapped.set(wrapped, key);
  }
}

/** Local mode's stand-in for KMS: data keys wrapped with AES-GCM under a key kept on disk. */
export class LocalDataKeys implements DataKeySource {
  constructor(private readonly wrappingKey: Uint8Array) {}

  async generate() {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: encrypt(this.wrappingKey, plaintext, 'data-key') };
  }

  async unwrap(wrapped: Uint8Array) {
    return decrypt(this.wrappingKey, wrapped, 'data-key');
  }
}

import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKeySource } from './envelope';

/** Data keys from a customer-managed KMS key, bound to an encryption context. */
export class KmsDataKeys implements DataKeySource {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
    private readonly context: Record<string, string>,
  ) {}

  async generate() {
    const result = await this.client.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: this.context,
      }),
    );
    if (!result.Plaintext || !result.CiphertextBlob) throw new Error('KMS returned no data key');
    return { plaintext: result.Plaintext, wrapped: result.CiphertextBlob };
  }

  async unwrap(wrapped: Uint8Array) {
    const result = await this.client.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: wrapped,
        EncryptionContext: this.context,
      }),
    );
    if (!result.Plaintext) throw new Error('KMS returned no plaintext');
    return result.Plaintext;
  }
}

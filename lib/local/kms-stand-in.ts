import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decrypt, encrypt } from '../../lambda/adapters/crypto/envelope';
import { localKey } from '../../lambda/wiring/local-keys';
import { answerError, answerJson, LoopbackStandIn } from './loopback-stand-in';

/** First byte of every ciphertext blob this stand-in makes. */
const BLOB_VERSION = 1;

/** KMS binds a ciphertext to its encryption context: the same pairs, in any order. */
const contextAad = (context: Record<string, string> | undefined): string =>
  JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

interface DataKeyRequest {
  KeyId?: string;
  KeySpec?: string;
  NumberOfBytes?: number;
  EncryptionContext?: Record<string, string>;
}

interface DecryptRequest {
  KeyId?: string;
  CiphertextBlob?: string;
  EncryptionContext?: Record<string, string>;
}

/**
 * KMS's data-key calls (`GenerateDataKey`, `Decrypt`; AWS JSON 1.1) for the keys it is given,
 * on loopback. Each key's material is derived from local mode's master key, so what was sealed
 * opens again after a restart over the same data dir. Strict where AWS is: a key it does not
 * hold is `NotFoundException`, a `Decrypt` naming another key than the blob's is
 * `IncorrectKeyException`, and a blob opened with another encryption context (or altered) is
 * `InvalidCiphertextException`.
 */
export class KmsStandIn extends LoopbackStandIn {
  private readonly keys = new Map<string, Uint8Array>();

  constructor(private readonly masterKey: Uint8Array) {
    super();
  }

  /** Makes the key with this ARN known (its material is a function of the ARN). */
  addKey(arn: string): void {
    this.keys.set(arn, localKey(this.masterKey, `kms:${arn}`));
  }

  protected answer(body: string, request: IncomingMessage, response: ServerResponse): void {
    const target = String(request.headers['x-amz-target'] ?? '');
    let input: unknown;
    try {
      input = JSON.parse(body || '{}');
    } catch {
      answerError(response, 'SerializationException', 'the request body is not JSON');
      return;
    }
    if (target === 'TrentService.GenerateDataKey') {
      this.generateDataKey(input as DataKeyRequest, response);
    } else if (target === 'TrentService.Decrypt') {
      this.decrypt(input as DecryptRequest, response);
    } else {
      answerError(response, 'UnknownOperationException', `the KMS stand-in does not do ${target}`);
    }
  }

  private generateDataKey(input: DataKeyRequest, response: ServerResponse): void {
    const arn = input.KeyId ?? '';
    const key = this.keys.get(arn);
    if (!key) {
      answerError(response, 'NotFoundException', `Key '${arn}' does not exist`);
      return;
    }
    const bytes =
      input.KeySpec === 'AES_256' ? 32 : input.KeySpec === 'AES_128' ? 16 : input.NumberOfBytes;
    if (bytes === undefined || !Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
      answerError(response, 'ValidationException', 'give KeySpec or NumberOfBytes (1-1024)');
      return;
    }
    const plaintext = randomBytes(bytes);
    const id = Buffer.from(arn, 'utf8');
    const sealed = encrypt(key, plaintext, contextAad(input.EncryptionContext));
    const blob = Buffer.concat([
      Buffer.from([BLOB_VERSION, id.length >> 8, id.length & 255]),
      id,
      sealed,
    ]);
    answerJson(response, 200, {
      KeyId: arn,
      Plaintext: plaintext.toString('base64'),
      CiphertextBlob: blob.toString('base64'),
    });
  }

  private decrypt(input: DecryptRequest, response: ServerResponse): void {
    const blob = Buffer.from(input.CiphertextBlob ?? '', 'base64');
    const idLength = blob.length > 3 ? ((blob[1] ?? 0) << 8) | (blob[2] ?? 0) : 0;
    const arn = blob.subarray(3, 3 + idLength).toString('utf8');
    const key = this.keys.get(arn);
    if (blob[0] !== BLOB_VERSION || idLength === 0 || !key) {
      answerError(response, 'InvalidCiphertextException', 'the ciphertext is not from this KMS');
      return;
    }
    if (input.KeyId !== undefined && input.KeyId !== arn) {
      answerError(response, 'IncorrectKeyException', 'the ciphertext was made with another key');
      return;
    }
    let plaintext: Buffer;
    try {
      plaintext = decrypt(key, blob.subarray(3 + idLength), contextAad(input.EncryptionContext));
    } catch {
      answerError(
        response,
        'InvalidCiphertextException',
        'the ciphertext or its encryption context does not match',
      );
      return;
    }
    answerJson(response, 200, {
      KeyId: arn,
      Plaintext: plaintext.toString('base64'),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    });
  }
}

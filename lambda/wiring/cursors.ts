import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigurationError } from '../domain/errors';
import { CursorSigner } from '../http/cursors';
import type { RuntimeConfig } from './config';
import { localKey } from './local-keys';

/** The secret is read at most every 5 minutes per container. */
const CURSOR_SECRET_MAX_AGE_SECONDS = 300;

/** Signs cursors with the deployment's cursor secret (local mode: a key from its master key). */
export function cursorSigner(config: RuntimeConfig): CursorSigner {
  if (config.localMasterKey) {
    const key = localKey(config.localMasterKey, 'cursors');
    return new CursorSigner(async () => key);
  }
  const arn = config.cursorSecretArn;
  return new CursorSigner(async () => {
    if (!arn) throw new ConfigurationError('this function was not given the cursor secret');
    const secret = await getSecret(arn, { maxAge: CURSOR_SECRET_MAX_AGE_SECONDS });
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new ConfigurationError('the cursor secret is missing or too short');
    }
    return Buffer.from(secret, 'utf8');
  });
}

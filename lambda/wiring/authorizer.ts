import { timingSafeEqual } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { CachedKeyLookup, hashApiKey } from '../adapters/dynamo/api-key-store';
import type { AuthorizerDependencies } from '../handlers/authorizer';
import type { RuntimeConfig } from './config';
import { apiKeyRepository } from './repositories';

/** The secret is read at most every 5 minutes per container. */
const BOOTSTRAP_SECRET_MAX_AGE_SECONDS = 300;

/** Compares with the admin key kept in Secrets Manager; false when there is none. */
export function bootstrapKeyCheck(secretArn: string | undefined) {
  return async (key: string): Promise<boolean> => {
    if (!secretArn) return false;
    const secret = await getSecret(secretArn, { maxAge: BOOTSTRAP_SECRET_MAX_AGE_SECONDS });
    if (typeof secret !== 'string' || secret.length === 0) return false;
    const [given, expected] = [hashApiKey(key), hashApiKey(secret)].map((h) => Buffer.from(h));
    return timingSafeEqual(given as Buffer, expected as Buffer);
  };
}

export function authorizerDependencies(config: RuntimeConfig): AuthorizerDependencies {
  return {
    keys: new CachedKeyLookup(apiKeyRepository(config)),
    isBootstrapKey: bootstrapKeyCheck(config.bootstrapAdminKeySecretArn),
  };
}

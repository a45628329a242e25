import { timingSafeEqual } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { hashApiKey } from '../adapters/dynamo/api-key-store';
import { logger } from '../adapters/logger';
import type { Scope } from './http/middlewares';
import { apiKeyLookup } from './key-lookup';

/** What the authorizer tells the functions; `none` lets them answer 401 as problem+json. */
export interface AuthorizerContext {
  [key: string]: string;
  scope: Scope | 'none';
}

const BOOTSTRAP_SECRET_MAX_AGE_SECONDS = 300;

/** The admin key CloudFormation generated at deploy, kept in Secrets Manager. */
async function isBootstrapKey(key: string): Promise<boolean> {
  const secretArn = process.env.BOOTSTRAP_ADMIN_KEY_SECRET_ARN;
  if (!secretArn) return false;
  const secret = await getSecret(secretArn, { maxAge: BOOTSTRAP_SECRET_MAX_AGE_SECONDS });
  if (typeof secret !== 'string' || secret.length === 0) return false;
  const [given, expected] = [hashApiKey(key), hashApiKey(secret)].map((h) => Buffer.from(h));
  return timingSafeEqual(given as Buffer, expected as Buffer);
}

async function scopeOf(authorization: string | undefined): Promise<Scope | 'none'> {
  const key = /^Bearer\s+(\S{8,256})$/i.exec(authorization?.trim() ?? '')?.[1];
  if (!key) return 'none';
  const stored = await apiKeyLookup().scopeOf(key);
  if (stored) return stored;
  try {
    return (await isBootstrapKey(key)) ? 'admin' : 'none';
  } catch (error) {
    // A missing or unreadable bootstrap secret must not lock out the keys in the table.
    logger.warn('bootstrap admin key not readable', { error: error as Error });
    return 'none';
  }
}

/**
 * HTTP API Lambda authorizer, cached by API Gateway per Authorization header. It always
 * authorizes and passes the key's scope on, so that a bad key gets the same problem+json
 * 401/403 from the function as everywhere else rather than API Gateway's bare 403.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
  const scope = await scopeOf(event.headers?.authorization);
  if (scope === 'none') logger.info('request with an unknown API key', { route: event.routeKey });
  return { isAuthorized: true, context: { scope } };
};

import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { logger } from '../adapters/logger';
import type { ApiKeyScope, KeyLookup } from '../domain/ports';
import { authorizerDependencies } from '../wiring/authorizer';
import { configFromEnvironment } from '../wiring/environment';
import { lazyHandler } from '../wiring/lazy-handler';

/** What the authorizer tells the functions; `none` lets them answer 401 as problem+json. */
export interface AuthorizerContext {
  [key: string]: string;
  scope: ApiKeyScope | 'none';
}

export interface AuthorizerDependencies {
  /** Keys created with the CLI or the API, by hash. */
  readonly keys: KeyLookup;
  /** Whether `key` is the admin key CloudFormation generated at deploy. */
  readonly isBootstrapKey: (key: string) => Promise<boolean>;
}

const BEARER_KEY = /^Bearer\s+(\S{8,256})$/i;

async function scopeOf(
  deps: AuthorizerDependencies,
  authorization: string | undefined,
): Promise<ApiKeyScope | 'none'> {
  const key = BEARER_KEY.exec(authorization?.trim() ?? '')?.[1];
  if (!key) return 'none';
  const stored = await deps.keys.scopeOf(key);
  if (stored) return stored;
  try {
    return (await deps.isBootstrapKey(key)) ? 'admin' : 'none';
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
export function createAuthorizerHandler(deps: AuthorizerDependencies) {
  return async (
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
    const scope = await scopeOf(deps, event.headers?.authorization);
    if (scope === 'none') logger.info('request with an unknown API key', { route: event.routeKey });
    return { isAuthorized: true, context: { scope } };
  };
}

export const handler = lazyHandler(() =>
  createAuthorizerHandler(authorizerDependencies(configFromEnvironment())),
);

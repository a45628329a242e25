import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { logger } from '../adapters/logger';
import type { ApiKeyScope, ApiPrincipal, KeyLookup } from '../domain/ports';
import { authorizerDependencies } from '../wiring/authorizer';
import { configFromEnvironment } from '../wiring/environment';
import { lazyHandler } from '../wiring/lazy-handler';

/**
 * What the authorizer tells the functions about the key; `tenant` is '' for an operator key,
 * `expiresAt` '' for a key that does not expire (else epoch seconds). API Gateway caches this
 * answer for minutes, so the functions check `expiresAt` themselves on every request.
 */
export interface AuthorizerContext {
  [key: string]: string;
  scope: ApiKeyScope;
  tenant: string;
  expiresAt: string;
}

export interface AuthorizerDependencies {
  /** Keys created with the CLI or the API, by hash. */
  readonly keys: KeyLookup;
  /** Whether `key` is the admin key CloudFormation generated at deploy. */
  readonly isBootstrapKey: (key: string) => Promise<boolean>;
}

const BEARER_KEY = /^Bearer\s+(\S{8,256})$/i;

async function principalOf(
  deps: AuthorizerDependencies,
  authorization: string | undefined,
): Promise<ApiPrincipal | undefined> {
  const key = BEARER_KEY.exec(authorization?.trim() ?? '')?.[1];
  if (!key) return undefined;
  const stored = await deps.keys.principalOf(key);
  if (stored) return stored;
  try {
    return (await deps.isBootstrapKey(key)) ? { scope: 'admin' } : undefined;
  } catch (error) {
    // A missing or unreadable bootstrap secret must not lock out the keys in the table.
    logger.warn('bootstrap admin key not readable', { error: error as Error });
    return undefined;
  }
}

/**
 * HTTP API Lambda authorizer, cached by API Gateway per Authorization header. An unknown key
 * is refused here, so API Gateway answers 403 itself and no function runs (or bills) for it;
 * a known key's scope and tenant go on to the function as the authorizer context.
 */
export function createAuthorizerHandler(deps: AuthorizerDependencies) {
  return async (
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
    const principal = await principalOf(deps, event.headers?.authorization);
    if (!principal) {
      logger.info('request with an unknown API key', { route: event.routeKey });
      return { isAuthorized: false, context: { scope: 'publish', tenant: '', expiresAt: '' } };
    }
    return {
      isAuthorized: true,
      context: {
        scope: principal.scope,
        tenant: principal.tenant ?? '',
        expiresAt: principal.expiresAt === undefined ? '' : String(principal.expiresAt),
      },
    };
  };
}

export const handler = lazyHandler(() =>
  createAuthorizerHandler(authorizerDependencies(configFromEnvironment())),
);

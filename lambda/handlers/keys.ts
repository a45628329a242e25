import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { KeyLookup } from '../domain/ports';
import { problemDetails, requireApiKey } from '../http/middlewares';
import type { HttpResult } from '../http/response';
import {
  type ApiKeyRoutesDependencies,
  createApiKey,
  deleteApiKey,
  listApiKeys,
} from '../http/routes/api-keys';
import {
  createPortalSession,
  type PortalSessionDependencies,
} from '../http/routes/portal-sessions';
import type { RouteEvent } from '../http/routes/shared';
import { configFromEnvironment } from '../wiring/environment';
import { keysDependencies } from '../wiring/keys';
import { lazyHandler } from '../wiring/lazy-handler';

export interface KeysDependencies
  extends ApiKeyRoutesDependencies,
    Omit<PortalSessionDependencies, 'apiKeys'> {
  readonly keys: KeyLookup;
}

/**
 * `/v1/api-keys` and `/v1/portal-sessions`: the only function allowed to write the API keys
 * table, and only for operator admin keys. Kept apart from the management function, which
 * tenant-scoped keys and portal sessions reach, so that no flaw there can mint a credential.
 */
export function createKeysHandler(deps: KeysDependencies) {
  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
    .use(problemDetails())
    .use(requireApiKey(deps.keys, ['admin'], { operatorOnly: true }))
    .handler(
      httpRouterHandler([
        {
          method: 'POST',
          path: '/v1/api-keys',
          handler: (event: RouteEvent) => createApiKey(deps, event),
        },
        { method: 'GET', path: '/v1/api-keys', handler: () => listApiKeys(deps, deps.now()) },
        {
          method: 'DELETE',
          path: '/v1/api-keys/{id}',
          handler: (event: RouteEvent) => deleteApiKey(deps, event),
        },
        {
          method: 'POST',
          path: '/v1/portal-sessions',
          handler: (event: RouteEvent) => createPortalSession(deps, event),
        },
      ]) as never,
    );
}

export const handler = lazyHandler(() =>
  createKeysHandler(keysDependencies(configFromEnvironment())),
);

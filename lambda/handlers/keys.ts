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
import type { RouteEvent } from '../http/routes/shared';
import { configFromEnvironment } from '../wiring/environment';
import { keysDependencies } from '../wiring/keys';
import { lazyHandler } from '../wiring/lazy-handler';

export interface KeysDependencies extends ApiKeyRoutesDependencies {
  readonly keys: KeyLookup;
}

/**
 * `/v1/api-keys`: the only function allowed to write the API keys table, and only for
 * operator admin keys. Kept apart from the management function, which tenant-scoped keys
 * reach, so that no flaw there can mint a key.
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
        { method: 'GET', path: '/v1/api-keys', handler: () => listApiKeys(deps) },
        {
          method: 'DELETE',
          path: '/v1/api-keys/{id}',
          handler: (event: RouteEvent) => deleteApiKey(deps, event),
        },
      ]) as never,
    );
}

export const handler = lazyHandler(() =>
  createKeysHandler(keysDependencies(configFromEnvironment())),
);

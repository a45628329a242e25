import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { HOOKLINE_VERSION } from '#shared/functions';
import { problemDetails, requireApiKey } from '../http/middlewares';
import { type HttpResult, json } from '../http/response';
import { getJob, listDeadLetters, redriveDeadLetters } from '../http/routes/dead-letters';
import type { ManagementDependencies } from '../http/routes/dependencies';
import { getSecret, rotate, sendTest } from '../http/routes/endpoint-secrets';
import {
  createEndpoint,
  deleteEndpoint,
  endpointStatsRoute,
  getEndpoint,
  listAttempts,
  listEndpoints,
  replayToEndpoint,
  updateEndpoint,
} from '../http/routes/endpoints';
import { getEvent, listEvents, listEventTypes } from '../http/routes/events';
import { readEndpointFeed } from '../http/routes/feed';
import { describeCaller } from '../http/routes/me';
import type { RouteEvent } from '../http/routes/shared';
import { configFromEnvironment } from '../wiring/environment';
import { lazyHandler } from '../wiring/lazy-handler';
import { managementDependencies } from '../wiring/management';

export type { ManagementDependencies };

type Route = (deps: ManagementDependencies, event: RouteEvent) => Promise<HttpResult>;

/**
 * The management API; every route needs an admin key or a portal session's token, which the
 * routes confine to its tenant as they do a tenant-scoped key.
 */
export const managementRoutes: readonly {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  route: Route;
}[] = [
  { method: 'GET', path: '/v1/me', route: describeCaller },
  { method: 'GET', path: '/v1/event-types', route: listEventTypes },
  { method: 'POST', path: '/v1/endpoints', route: createEndpoint },
  { method: 'GET', path: '/v1/endpoints', route: listEndpoints },
  { method: 'GET', path: '/v1/endpoints/{id}', route: getEndpoint },
  { method: 'PATCH', path: '/v1/endpoints/{id}', route: updateEndpoint },
  { method: 'DELETE', path: '/v1/endpoints/{id}', route: deleteEndpoint },
  { method: 'GET', path: '/v1/endpoints/{id}/attempts', route: listAttempts },
  { method: 'GET', path: '/v1/endpoints/{id}/stats', route: endpointStatsRoute },
  { method: 'GET', path: '/v1/endpoints/{id}/feed', route: readEndpointFeed },
  { method: 'POST', path: '/v1/endpoints/{id}/replay', route: replayToEndpoint },
  { method: 'GET', path: '/v1/events', route: listEvents },
  { method: 'GET', path: '/v1/events/{id}', route: getEvent },
  { method: 'GET', path: '/v1/endpoints/{id}/secret', route: getSecret },
  { method: 'POST', path: '/v1/endpoints/{id}/secret/rotate', route: rotate },
  { method: 'POST', path: '/v1/endpoints/{id}/test', route: sendTest },
  { method: 'GET', path: '/v1/dead-letters', route: listDeadLetters },
  { method: 'POST', path: '/v1/dead-letters/redrive', route: redriveDeadLetters },
  { method: 'GET', path: '/v1/jobs/{id}', route: getJob },
];

/** `GET /health` answers without a key; everything else is the admin API. */
export function createManagementHandler(deps: ManagementDependencies) {
  const authorised = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
    .use(problemDetails())
    .use(requireApiKey(deps.keys, ['admin', 'portal']))
    .handler(
      httpRouterHandler(
        managementRoutes.map(({ method, path, route }) => ({
          method,
          path,
          handler: (event: RouteEvent) => route(deps, event),
        })),
      ) as never,
    );

  return async (event: APIGatewayProxyEventV2, context: Context) => {
    if (event.rawPath === '/health' && event.requestContext.http.method === 'GET') {
      return json(200, { status: 'ok', version: HOOKLINE_VERSION });
    }
    return authorised(event, context);
  };
}

export const handler = lazyHandler(() =>
  createManagementHandler(managementDependencies(configFromEnvironment())),
);

import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { catalog } from '../domain/catalog';
import { endpointView, newEndpoint, parseEndpointInput } from '../domain/endpoint';
import { BadRequestError, NotFoundError } from '../domain/errors';
import { TENANT_PATTERN } from '../domain/event';
import { ENDPOINT_ID_PATTERN, EVENT_ID_PATTERN, newEndpointId } from '../domain/ids';
import { generateSecret } from '../domain/signing';
import { problemDetails, readJsonBody, requireApiKey } from './http/middlewares';
import { type HttpResult, json } from './http/response';
import {
  apiKeyLookup,
  endpointRepository,
  eventRepository,
  runtimeSettings,
  VERSION,
} from './wiring';

const MAX_ENDPOINT_BODY_BYTES = 16 * 1024;

type RouteEvent = APIGatewayProxyEventV2 & { pathParameters?: Record<string, string> };

function endpointIdOf(event: RouteEvent): string {
  const id = event.pathParameters?.id ?? '';
  if (!ENDPOINT_ID_PATTERN.test(id)) throw new NotFoundError(`no endpoint ${id}`);
  return id;
}

async function findEndpoint(event: RouteEvent) {
  const id = endpointIdOf(event);
  const endpoint = await endpointRepository().get(id);
  if (!endpoint) throw new NotFoundError(`no endpoint ${id}`);
  return endpoint;
}

async function createEndpoint(event: RouteEvent): Promise<HttpResult> {
  const input = parseEndpointInput(readJsonBody(event, MAX_ENDPOINT_BODY_BYTES), {
    allowPrivateTargets: runtimeSettings().allowPrivateTargets,
  });
  const endpoint = newEndpoint(
    input,
    { id: newEndpointId(), secret: generateSecret() },
    new Date(),
  );
  await endpointRepository().create(endpoint);
  // The only answer that carries the secret unasked; GET .../secret reads it later.
  return json(
    201,
    { ...endpointView(endpoint), secret: endpoint.secrets[0]?.secret },
    { location: `/v1/endpoints/${endpoint.id}` },
  );
}

async function listEndpoints(event: RouteEvent): Promise<HttpResult> {
  const tenant = event.queryStringParameters?.tenant ?? 'default';
  if (!TENANT_PATTERN.test(tenant)) {
    throw new BadRequestError('invalid tenant', [
      { field: 'tenant', message: 'is not a tenant name' },
    ]);
  }
  const endpoints = await endpointRepository().listByTenant(tenant);
  return json(200, { data: endpoints.map(endpointView) });
}

async function getEndpoint(event: RouteEvent): Promise<HttpResult> {
  return json(200, endpointView(await findEndpoint(event)));
}

async function deleteEndpoint(event: RouteEvent): Promise<HttpResult> {
  await endpointRepository().delete(await findEndpoint(event));
  return { statusCode: 204, headers: {}, body: '' };
}

async function getEvent(event: RouteEvent): Promise<HttpResult> {
  const id = event.pathParameters?.id ?? '';
  const stored = EVENT_ID_PATTERN.test(id) ? await eventRepository().get(id) : undefined;
  if (!stored) throw new NotFoundError(`no event ${id}`);
  const { requestHash: _, ...view } = stored;
  return json(200, view);
}

async function listEventTypes(): Promise<HttpResult> {
  return json(200, { data: catalog() });
}

const authorised = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
  .use(problemDetails())
  .use(requireApiKey(apiKeyLookup(), ['admin']))
  .handler(
    httpRouterHandler([
      { method: 'GET', path: '/v1/event-types', handler: listEventTypes },
      { method: 'POST', path: '/v1/endpoints', handler: createEndpoint },
      { method: 'GET', path: '/v1/endpoints', handler: listEndpoints },
      { method: 'GET', path: '/v1/endpoints/{id}', handler: getEndpoint },
      { method: 'DELETE', path: '/v1/endpoints/{id}', handler: deleteEndpoint },
      { method: 'GET', path: '/v1/events/{id}', handler: getEvent },
    ]) as never,
  );

export const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
  if (event.rawPath === '/health' && event.requestContext.http.method === 'GET') {
    return json(200, { status: 'ok', version: VERSION });
  }
  return authorised(event, context);
};

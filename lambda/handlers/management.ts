import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { problemDetails, requireApiKey } from './http/middlewares';
import { type HttpResult, json } from './http/response';
import { apiKeyLookup } from './key-lookup';
import { getJob, listDeadLetters, redriveDeadLetters } from './routes/dead-letters';
import { getSecret, rotate, sendTest } from './routes/endpoint-secrets';
import {
  createEndpoint,
  deleteEndpoint,
  endpointStatsRoute,
  getEndpoint,
  listAttempts,
  listEndpoints,
  replayToEndpoint,
  updateEndpoint,
} from './routes/endpoints';
import { getEvent, listEvents, listEventTypes } from './routes/events';
import { VERSION } from './wiring';

const authorised = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
  .use(problemDetails())
  .use(requireApiKey(apiKeyLookup(), ['admin']))
  .handler(
    httpRouterHandler([
      { method: 'GET', path: '/v1/event-types', handler: listEventTypes },
      { method: 'POST', path: '/v1/endpoints', handler: createEndpoint },
      { method: 'GET', path: '/v1/endpoints', handler: listEndpoints },
      { method: 'GET', path: '/v1/endpoints/{id}', handler: getEndpoint },
      { method: 'PATCH', path: '/v1/endpoints/{id}', handler: updateEndpoint },
      { method: 'DELETE', path: '/v1/endpoints/{id}', handler: deleteEndpoint },
      { method: 'GET', path: '/v1/endpoints/{id}/attempts', handler: listAttempts },
      { method: 'GET', path: '/v1/endpoints/{id}/stats', handler: endpointStatsRoute },
      { method: 'POST', path: '/v1/endpoints/{id}/replay', handler: replayToEndpoint },
      { method: 'GET', path: '/v1/events', handler: listEvents },
      { method: 'GET', path: '/v1/events/{id}', handler: getEvent },
      { method: 'GET', path: '/v1/endpoints/{id}/secret', handler: getSecret },
      { method: 'POST', path: '/v1/endpoints/{id}/secret/rotate', handler: rotate },
      { method: 'POST', path: '/v1/endpoints/{id}/test', handler: sendTest },
      { method: 'GET', path: '/v1/dead-letters', handler: listDeadLetters },
      { method: 'POST', path: '/v1/dead-letters/redrive', handler: redriveDeadLetters },
      { method: 'GET', path: '/v1/jobs/{id}', handler: getJob },
    ]) as never,
  );

export const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
  if (event.rawPath === '/health' && event.requestContext.http.method === 'GET') {
    return json(200, { status: 'ok', version: VERSION });
  }
  return authorised(event, context);
};

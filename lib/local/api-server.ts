import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { AUTHORIZER_CACHE_SECONDS, apiRoutes, type RouteDefinition } from '#shared/api';
import type { LocalEventBus } from './event-bus';
import { localContext } from './lambda-context';
import type { Sandbox } from './sandbox';

type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<{ isAuthorized: boolean; context?: Record<string, string> }>;

export interface LocalApiOptions {
  readonly handlers: Record<RouteDefinition['target'], HttpHandler>;
  /** Runs before authorized routes, cached per Authorization header as API Gateway does. */
  readonly authorizer: Authorizer;
  readonly bus: LocalEventBus;
  readonly sandbox: Sandbox;
  /** Checks the admin key for sandbox reads, which are not part of the API. */
  readonly isAdminKey: (authorization: string | undefined) => Promise<boolean>;
  readonly functionTimeoutMs: number;
}

/** API Gateway's HTTP API payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

function routeFor(method: string, path: string): RouteDefinition | undefined {
  return apiRoutes.find((route) => {
    if (route.method !== 'ANY' && route.method !== method) return false;
    if (route.path.endsWith('/{proxy+}'))
      return path.startsWith(route.path.slice(0, -'{proxy+}'.length));
    return route.path === path;
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The HTTP API v2 event API Gateway would build for this request. */
function toApiEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: RouteDefinition,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    query[key] = key in query ? `${query[key]},${value}` : value;
  const method = request.method ?? 'GET';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(route.path.endsWith('{proxy+}') && {
      pathParameters: { proxy: url.pathname.slice(route.path.indexOf('{proxy+}')) },
    }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: body.toString('utf8') }),
    isBase64Encoded: false,
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
) {
  response.writeHead(status, { 'content-type': contentType }).end(JSON.stringify(body));
}

const notFound = (path: string) => ({
  type: 'https://hookline.dev/problems/not-found',
  title: 'Not Found',
  status: 404,
  detail: `no route for ${path}`,
});

/** Plays API Gateway's Lambda authorizer step, with its cache keyed by the header. */
function authorizing(authorizer: Authorizer) {
  const cache = new Map<string, { context: Record<string, string>; until: number }>();
  return async (event: APIGatewayProxyEventV2): Promise<Record<string, string> | undefined> => {
    const header = event.headers.authorization;
    // API Gateway refuses a request without the identity source before any authorizer runs.
    if (header === undefined) return undefined;
    const hit = cache.get(header);
    if (hit && hit.until > Date.now()) return hit.context;
    const result = await authorizer({
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${event.routeKey}`,
      identitySource: [header],
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      headers: event.headers,
      requestContext: event.requestContext,
    } as unknown as APIGatewayRequestAuthorizerEventV2);
    const context = result.isAuthorized ? (result.context ?? {}) : undefined;
    if (context)
      cache.set(header, { context, until: Date.now() + AUTHORIZER_CACHE_SECONDS * 1000 });
    return context;
  };
}

const PROBLEM = 'application/problem+json';
const unauthorized = {
  title: 'Unauthorized',
  status: 401,
  detail: 'send the admin key as Authorization: Bearer <key>',
};

type Route = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>;

/** `PutEvents` for the local bus, on the API's own port as the README says. */
function putEvents(options: LocalApiOptions): Route {
  return async (request, response) => {
    const body = await readBody(request);
    const answer = options.bus.putEvents(JSON.parse(body?.toString('utf8') || '{}'));
    send(response, 200, answer, 'application/x-amz-json-1.1');
  };
}

/** `GET /_local/bus`: what was put on the bus lately, for the admin key. */
function localBus(options: LocalApiOptions): Route {
  return async (request, response) => {
    if (!(await options.isAdminKey(request.headers.authorization))) {
      send(response, 401, unauthorized, PROBLEM);
      return;
    }
    send(response, 200, { data: options.bus.recent() });
  };
}

/** `/sandbox/<name>`: POST receives a webhook; GET lists and DELETE clears, for the admin key. */
function sandbox(options: LocalApiOptions, name: string): Route {
  return async (request, response, url) => {
    if (request.method === 'POST') return options.sandbox.receive(request, response, name, url);
    if (!(await options.isAdminKey(request.headers.authorization))) {
      send(response, 401, unauthorized, PROBLEM);
      return;
    }
    if (request.method === 'DELETE') {
      options.sandbox.clear(name);
      response.writeHead(204).end();
      return;
    }
    send(response, 200, { data: await options.sandbox.list(name) });
  };
}

/** An API route as API Gateway runs it: the authorizer where needed, then the function. */
function apiRoute(
  options: LocalApiOptions,
  route: RouteDefinition,
  authorize: ReturnType<typeof authorizing>,
): Route {
  return async (request, response, url) => {
    const body = await readBody(request);
    if (!body) {
      const detail = 'the body is over 10 MB';
      send(response, 413, { title: 'Payload Too Large', status: 413, detail }, PROBLEM);
      return;
    }
    const event = toApiEvent(request, url, body, route);
    if (route.authorized) {
      const context = await authorize(event);
      if (!context) {
        send(response, 401, { message: 'Unauthorized' });
        return;
      }
      (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: context };
    }
    const result = await options.handlers[route.target](
      event,
      localContext(route.target, options.functionTimeoutMs),
    );
    const shaped =
      typeof result === 'string' ? { statusCode: 200, body: result, headers: {} } : result;
    response.writeHead(shaped.statusCode ?? 200, shaped.headers as Record<string, string>);
    response.end(shaped.body ?? '');
  };
}

/** Which local route answers a request; undefined for none (404). */
function localRoute(
  options: LocalApiOptions,
  authorize: ReturnType<typeof authorizing>,
  request: IncomingMessage,
  url: URL,
): Route | undefined {
  const method = request.method ?? 'GET';
  const isPutEvents =
    method === 'POST' &&
    url.pathname === '/' &&
    request.headers['x-amz-target'] === 'AWSEvents.PutEvents';
  if (isPutEvents) return putEvents(options);
  if (url.pathname === '/_local/bus' && method === 'GET') return localBus(options);
  const sandboxName = /^\/sandbox\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname)?.[1];
  if (sandboxName) return sandbox(options, sandboxName);
  const route = routeFor(method, url.pathname);
  return route && apiRoute(options, route, authorize);
}

/**
 * The local API server's request listener: API Gateway for the API routes, plus PutEvents,
 * the sandbox and `/_local/bus`.
 */
export function createLocalApi(options: LocalApiOptions): RequestListener {
  const authorize = authorizing(options.authorizer);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    // Built from Host so sandbox URLs match what endpoints registered.
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    const route = localRoute(options, authorize, request, url);
    if (!route) {
      send(response, 404, notFound(url.pathname), PROBLEM);
      return;
    }
    await route(request, response, url);
  };
  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('local API error', error);
      if (response.headersSent) response.end();
      else send(response, 500, { title: 'Internal Server Error', status: 500 }, PROBLEM);
    });
  };
}

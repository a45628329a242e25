import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { AUTHORIZER_CACHE_SECONDS, apiRoutes, type RouteDefinition } from '#shared/api';
import { type ConsoleFilesOptions, consoleFiles, isConsoleRequest } from './console-files';
import { type LocalEventBus, PutEventsRequestError, parsePutEventsRequest } from './event-bus';
import { localContext } from './lambda-context';
import { foreignHostMessage, isLoopbackHost } from './loopback';
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
  /** The console's files and who may frame them; without it, `/console/` is a 404. */
  readonly console?: ConsoleFilesOptions;
}

/** API Gateway's HTTP API payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

function routeFor(method: string, path: string): RouteDefinition | undefined {
  return apiRoutes.find((route) => {
    if (route.method !== 'ANY' && route.method !== method) return false;
    if (route.path.endsWith('/{proxy+}'))
      return path.startsWith(route.path.slice(0, -'{proxy+}'.length));
    // `{name}` matches one path segment, as in API Gateway.
    const pattern = route.path.replace(/\{[A-Za-z]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(path);
  });
}

/**
 * The body, or undefined when it is over the limit. The rest of an oversized body is read
 * and dropped rather than the connection cut, so the client gets the 413.
 */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
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
  return async (
    event: APIGatewayProxyEventV2,
  ): Promise<Record<string, string> | 'missing' | 'refused'> => {
    const header = event.headers.authorization;
    // API Gateway refuses a request without the identity source before any authorizer runs.
    if (header === undefined) return 'missing';
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
    // API Gateway caches refusals too; not doing so here only makes local mode kinder to a
    // key created after a refusal, never to an unknown one.
    if (!result.isAuthorized) return 'refused';
    const context = result.context ?? {};
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

const AWS_JSON = 'application/x-amz-json-1.1';

/** An error of the AWS JSON protocol, as EventBridge answers it. */
function sendAwsError(response: ServerResponse, status: number, type: string, message: string) {
  response
    .writeHead(status, { 'content-type': AWS_JSON, 'x-amzn-errortype': type })
    .end(JSON.stringify({ __type: type, message }));
}

/**
 * `PutEvents` for the local bus, on the API's own port as the README says. A request
 * EventBridge would refuse is a 400 (413 past the body limit) and puts nothing.
 */
function putEvents(options: LocalApiOptions): Route {
  return async (request, response) => {
    const body = await readBody(request);
    if (!body) {
      const detail = 'the request body is over 10 MB; PutEvents takes 256 KiB of entries';
      sendAwsError(response, 413, 'ValidationException', detail);
      return;
    }
    let parsed: ReturnType<typeof parsePutEventsRequest>;
    try {
      parsed = parsePutEventsRequest(body.toString('utf8'));
    } catch (error) {
      if (!(error instanceof PutEventsRequestError)) throw error;
      sendAwsError(response, error.status, error.type, error.message);
      return;
    }
    send(response, 200, options.bus.putEvents(parsed), AWS_JSON);
  };
}

/** Any other EventBridge action: the local bus has PutEvents only. */
const unknownOperation: Route = async (request, response) => {
  await readBody(request);
  const target = String(request.headers['x-amz-target']);
  sendAwsError(
    response,
    400,
    'UnknownOperationException',
    `${target} is not served locally: only AWSEvents.PutEvents`,
  );
};

/** 421: the request was meant for another host (DNS rebinding, or a misdirected tool). */
function sendMisdirected(request: IncomingMessage, response: ServerResponse) {
  const message = foreignHostMessage(request.headers.host);
  send(
    response,
    421,
    {
      type: 'https://hookline.dev/problems/misdirected-request',
      title: 'Misdirected Request',
      status: 421,
      detail: message,
      errors: [{ field: 'Host', message: 'must be localhost, *.localhost, 127.x.x.x or [::1]' }],
    },
    PROBLEM,
  );
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
      // API Gateway's own answers: 401 without the header, 403 when the authorizer refuses.
      if (context === 'missing') {
        send(response, 401, { message: 'Unauthorized' });
        return;
      }
      if (context === 'refused') {
        send(response, 403, { message: 'Forbidden' });
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
  serveConsole: Route | undefined,
  request: IncomingMessage,
  url: URL,
): Route | undefined {
  const method = request.method ?? 'GET';
  const target = String(request.headers['x-amz-target'] ?? '');
  if (method === 'POST' && url.pathname === '/' && target.startsWith('AWSEvents.'))
    return target === 'AWSEvents.PutEvents' ? putEvents(options) : unknownOperation;
  if (url.pathname === '/_local/bus' && method === 'GET') return localBus(options);
  if (serveConsole && isConsoleRequest(method, url.pathname)) return serveConsole;
  const sandboxName = /^\/sandbox\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname)?.[1];
  if (sandboxName) return sandbox(options, sandboxName);
  const route = routeFor(method, url.pathname);
  return route && apiRoute(options, route, authorize);
}

/**
 * The local API server's request listener: API Gateway for the API routes, plus PutEvents,
 * the sandbox and `/_local/bus`. Only requests addressed to a loopback name are served
 * (`./loopback`): a web page cannot reach the API or the sandbox through DNS rebinding.
 */
export function createLocalApi(options: LocalApiOptions): RequestListener {
  const authorize = authorizing(options.authorizer);
  // Its headers are the same for every file: worked out once, not per request.
  const serveConsole = options.console && consoleFiles(options.console);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!isLoopbackHost(request.headers.host)) {
      sendMisdirected(request, response);
      return;
    }
    // Built from Host so sandbox URLs match what endpoints registered.
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    const route = localRoute(options, authorize, serveConsole, request, url);
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

import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logger } from '../adapters/logger';
import {
  BadRequestError,
  ForbiddenError,
  HooklineError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '../domain/errors';
import type { ApiKeyScope, KeyLookup } from '../domain/ports';
import { type HttpResult, problem } from './response';

type HttpMiddleware = MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context>;

/** Turns every thrown error into problem+json; unknown errors become a bare 500. */
export function problemDetails(): HttpMiddleware {
  return {
    onError: async (request) => {
      const { error } = request;
      const path = request.event.rawPath;
      if (error instanceof HooklineError) {
        request.response = problem(error, path);
        return;
      }
      const status = (error as { statusCode?: number } | null)?.statusCode;
      if (status === 404 || status === 405) {
        request.response = problem(
          new NotFoundError(`no route ${request.event.requestContext.http.method} ${path}`),
          path,
        );
        return;
      }
      logger.error('unhandled error', { error: error as Error, path });
      request.response = {
        statusCode: 500,
        headers: { 'content-type': 'application/problem+json' },
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          detail: `request ${request.context.awsRequestId} failed; it is safe to retry with the same Idempotency-Key`,
        }),
      };
    },
  };
}

/** The scope the API Gateway authorizer found for this request's key, if one ran. */
function authorizedScope(event: APIGatewayProxyEventV2): ApiKeyScope | 'none' | undefined {
  const context = (event.requestContext as { authorizer?: { lambda?: { scope?: string } } })
    .authorizer?.lambda;
  const scope = context?.scope;
  return scope === 'admin' || scope === 'publish' || scope === 'none' ? scope : undefined;
}

/**
 * Checks `Authorization: Bearer <key>` and that the key's scope is one of `scopes`. Behind
 * API Gateway the cached authorizer has already looked the key up; without one (a missing
 * authorizer, or a test) the key is looked up here, so no route is ever left open.
 */
export function requireApiKey(keys: KeyLookup, scopes: readonly ApiKeyScope[]): HttpMiddleware {
  return {
    before: async (request) => {
      const header = request.event.headers?.authorization ?? '';
      const match = /^Bearer\s+(\S{8,256})$/i.exec(header.trim());
      if (!match?.[1]) {
        throw new UnauthorizedError('send an API key as Authorization: Bearer <key>');
      }
      const found = authorizedScope(request.event) ?? (await keys.scopeOf(match[1]));
      const scope = found === 'none' ? undefined : found;
      if (!scope) throw new UnauthorizedError('the API key is not valid');
      if (!scopes.includes(scope)) {
        throw new ForbiddenError(`this route needs a key with scope ${scopes.join(' or ')}`);
      }
    },
  };
}

/** Body decoded and size-checked; `maxBytes` answers 413 before anything is parsed. */
export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(`the request body is ${bytes} bytes; the limit is ${maxBytes}`);
  }
  const contentType = event.headers?.['content-type'] ?? 'application/json';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new BadRequestError('send the body as application/json', [
      { field: 'content-type', message: 'must be application/json' },
    ]);
  }
  if (text.trim() === '') {
    throw new BadRequestError('the request body is empty', [
      { field: '/', message: 'is required' },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`, [
      { field: '/', message: 'must be valid JSON' },
    ]);
  }
}

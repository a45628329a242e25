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
import { TENANT_PATTERN } from '../domain/event';
import { hasExpired } from '../domain/expiry';
import type { ApiKeyScope, ApiPrincipal, KeyLookup } from '../domain/ports';
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

/** The key the API Gateway authorizer found for this request, if one ran. */
function authorizedPrincipal(event: APIGatewayProxyEventV2): ApiPrincipal | undefined {
  const context = (
    event.requestContext as {
      authorizer?: { lambda?: { scope?: unknown; tenant?: unknown; expiresAt?: unknown } };
    }
  ).authorizer?.lambda;
  const scope = context?.scope;
  if (scope !== 'admin' && scope !== 'publish' && scope !== 'portal') return undefined;
  const tenant = context?.tenant;
  const confined = typeof tenant === 'string' && TENANT_PATTERN.test(tenant);
  // A portal session without a tenant would be an operator: never trust such a context.
  if (scope === 'portal' && !confined) return undefined;
  const expiresAt = Number(context?.expiresAt);
  return {
    scope,
    ...(confined && { tenant }),
    ...(typeof context?.expiresAt === 'string' &&
      context.expiresAt !== '' &&
      Number.isFinite(expiresAt) && { expiresAt }),
  };
}

const PRINCIPAL = Symbol('hookline.principal');
type WithPrincipal = { [PRINCIPAL]?: ApiPrincipal };

/** Who the request acts for, as {@link requireApiKey} established it. */
export function principalOf(event: APIGatewayProxyEventV2): ApiPrincipal {
  const principal = (event as WithPrincipal)[PRINCIPAL];
  // A route reached without requireApiKey is a wiring bug, never an open door.
  if (principal === undefined) throw new UnauthorizedError('send an API key');
  return principal;
}

/**
 * Checks `Authorization: Bearer <key>` and that the key's scope is one of `scopes`, then
 * records who the request acts for (see {@link principalOf}). Behind API Gateway the cached
 * authorizer has already looked the key up; without one (a test) it is looked up here, so no
 * route is ever left open. `operatorOnly` refuses tenant-scoped keys.
 */
export function requireApiKey(
  keys: KeyLookup,
  scopes: readonly ApiKeyScope[],
  options: { readonly operatorOnly?: boolean } = {},
): HttpMiddleware {
  return {
    before: async (request) => {
      const header = request.event.headers?.authorization ?? '';
      const match = /^Bearer\s+(\S{8,256})$/i.exec(header.trim());
      if (!match?.[1]) {
        throw new UnauthorizedError('send an API key as Authorization: Bearer <key>');
      }
      const principal = authorizedPrincipal(request.event) ?? (await keys.principalOf(match[1]));
      // A portal session is always confined; one without a tenant would act as an operator.
      if (!principal || (principal.scope === 'portal' && principal.tenant === undefined)) {
        throw new UnauthorizedError('the API key is not valid');
      }
      // API Gateway may serve a cached authorizer answer past a session's end: check it here.
      if (hasExpired(principal.expiresAt, Date.now())) {
        throw new UnauthorizedError('the portal session has expired: ask for a new link');
      }
      if (!scopes.includes(principal.scope)) {
        throw new ForbiddenError(`this route needs a key with scope ${scopes.join(' or ')}`);
      }
      if (options.operatorOnly && principal.tenant !== undefined) {
        throw new ForbiddenError('this route needs an operator key (one without a tenant)');
      }
      (request.event as WithPrincipal)[PRINCIPAL] = principal;
    },
  };
}

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header, if sent; 400 unless 1-255 printable ASCII characters. */
export function idempotencyKeyFrom(
  headers: Record<string, string | undefined> | undefined,
): string | undefined {
  const key = headers?.['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new BadRequestError('invalid Idempotency-Key', [
      { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
    ]);
  }
  return key;
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
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`, [
      { field: '/', message: 'must be valid JSON' },
    ]);
  }
  assertNesting(body);
  return body;
}

/** Deeper JSON than any webhook needs; deeper still would overflow the stack further on. */
export const MAX_JSON_DEPTH = 64;

/** 400 naming the first place a body nests deeper than {@link MAX_JSON_DEPTH}. */
export function assertNesting(body: unknown): void {
  const stack: [unknown, number, string][] = [[body, 0, '']];
  while (stack.length > 0) {
    const [value, depth, pointer] = stack.pop() as [unknown, number, string];
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw new BadRequestError(`the body nests deeper than ${MAX_JSON_DEPTH} levels`, [
        { field: pointer || '/', message: `must nest at most ${MAX_JSON_DEPTH} levels deep` },
      ]);
    }
    for (const [key, child] of Object.entries(value)) {
      if (child !== null && typeof child === 'object') {
        stack.push([
          child,
          depth + 1,
          `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        ]);
      }
    }
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadBodyOptions } from './node-http.js';
import { readRawBody } from './node-http.js';
import { problemFor } from './problem.js';
import { type Secrets, type VerifiedWebhook, type VerifyOptions, verifyWebhook } from './verify.js';

/**
 * The parts of an Express request this package touches. Express's own `Request` fits; no
 * import of `express` is needed.
 */
export interface RequestWithWebhook extends IncomingMessage {
  body?: unknown;
  /** Set by `captureRawBody` when a JSON parser runs first. */
  rawBody?: Buffer;
  /** The verified delivery, set by `webhookMiddleware`. */
  webhook?: VerifiedWebhook;
}

type Next = (error?: unknown) => void;

export interface WebhookMiddlewareOptions extends VerifyOptions, ReadBodyOptions {
  readonly secrets: Secrets;
}

/**
 * Express middleware for a webhook route: verifies against the raw body and puts the
 * delivery on `req.webhook`, or answers 401 problem+json. Mount it before any body parser, or
 * after `express.raw({ type: 'application/json' })`, or after
 * `express.json({ verify: captureRawBody })`; a body parsed without its raw bytes cannot be
 * verified and is passed to `next` as an error.
 */
export function webhookMiddleware(
  options: WebhookMiddlewareOptions,
): (request: RequestWithWebhook, response: ServerResponse, next: Next) => Promise<void> {
  return async (request, response, next) => {
    try {
      const body = await rawBodyOf(request, options);
      request.webhook = verifyWebhook(body, request.headers, options.secrets, options);
    } catch (error) {
      const refusal = problemFor(error);
      if (!refusal) {
        next(error);
        return;
      }
      response.writeHead(refusal.status, refusal.headers).end(refusal.body);
      return;
    }
    next();
  };
}

/** `express.json({ verify: captureRawBody })` keeps the bytes the signature covers. */
export function captureRawBody(request: IncomingMessage, _response: unknown, raw: Buffer): void {
  (request as RequestWithWebhook).rawBody = raw;
}

export class RawBodyUnavailableError extends Error {
  override readonly name = 'RawBodyUnavailableError';
  constructor() {
    super(
      'the body was parsed before webhookMiddleware without keeping its raw bytes: mount the ' +
        'middleware before express.json(), or use express.json({ verify: captureRawBody })',
    );
  }
}

async function rawBodyOf(request: RequestWithWebhook, options: ReadBodyOptions): Promise<Buffer> {
  if (Buffer.isBuffer(request.rawBody)) return request.rawBody;
  if (Buffer.isBuffer(request.body)) return request.body;
  if (typeof request.body === 'string') return Buffer.from(request.body);
  if (request.readableEnded || (request.body !== undefined && request.body !== null)) {
    throw new RawBodyUnavailableError();
  }
  return readRawBody(request, options);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookBodyTooLargeError } from './errors.js';
import { problem, problemFor } from './problem.js';
import { type Secrets, type VerifiedWebhook, type VerifyOptions, verifyWebhook } from './verify.js';

/** Hookline's bodies are at most 256 KiB of data plus the envelope. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface ReadBodyOptions {
  /** @default 1 MiB */
  readonly limitBytes?: number;
}

/** The request body exactly as it arrived; rejects with `WebhookBodyTooLargeError` past the limit. */
export async function readRawBody(
  request: IncomingMessage,
  options: ReadBodyOptions = {},
): Promise<Buffer> {
  const limitBytes = options.limitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const declared = Number(request.headers['content-length']);
  if (declared > limitBytes) throw new WebhookBodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    received += bytes.length;
    if (received > limitBytes) {
      // Stop reading but let the socket drain so the 413 still reaches the sender.
      request.resume();
      throw new WebhookBodyTooLargeError(limitBytes);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** Reads the raw body of a `node:http` request and verifies it. */
export async function verifyRequest<Data = unknown>(
  request: IncomingMessage,
  secrets: Secrets,
  options: VerifyOptions & ReadBodyOptions = {},
): Promise<VerifiedWebhook<Data>> {
  const body = await readRawBody(request, options);
  return verifyWebhook<Data>(body, request.headers, secrets, options);
}

export interface WebhookListenerOptions<Data> extends VerifyOptions, ReadBodyOptions {
  readonly secrets: Secrets;
  /**
   * Called once per verified delivery, before the answer. Keep it short: put the work on a
   * queue and return. A throw answers 500, so Hookline retries.
   */
  readonly onWebhook: (webhook: VerifiedWebhook<Data>) => void | Promise<void>;
  /**
   * Told of failures that are the receiver's, not the sender's (`onWebhook` threw).
   * @default console.error
   */
  readonly onError?: (error: unknown) => void;
}

/**
 * A `node:http` request listener for a webhook URL: 204 for a verified delivery, 401
 * problem+json for a refused one, 405 for anything but POST.
 */
export function createWebhookListener<Data = unknown>(
  options: WebhookListenerOptions<Data>,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    if (request.method !== 'POST') {
      send(response, problem(405, 'Method not allowed', 'webhooks are delivered with POST'), {
        allow: 'POST',
      });
      return;
    }
    try {
      const webhook = await verifyRequest<Data>(request, options.secrets, options);
      await options.onWebhook(webhook);
      response.writeHead(204).end();
    } catch (error) {
      const refusal = problemFor(error);
      if (refusal) {
        send(response, refusal);
        return;
      }
      (options.onError ?? reportError)(error);
      send(response, problem(500, 'Webhook not accepted', 'the receiver could not take it; retry'));
    }
  };
}

function reportError(error: unknown): void {
  console.error('webhook receiver failed', error);
}

function send(
  response: ServerResponse,
  answer: { status: number; body: string; headers: Record<string, string> },
  extraHeaders: Record<string, string> = {},
): void {
  response.writeHead(answer.status, { ...answer.headers, ...extraHeaders }).end(answer.body);
}

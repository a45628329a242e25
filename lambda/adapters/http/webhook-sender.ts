import { Agent, request } from 'undici';
import type { HttpAnswer, WebhookSender } from '../../domain/ports';

export const RESPONSE_EXCERPT_BYTES = 4096;

/** Reads at most `limit` bytes of a body, then drops the rest without waiting for it. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Error texts a receiver's operator can act on, keyed by undici and system error codes. */
const ERROR_TEXT: Record<string, string> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'connection closed by the endpoint',
  ECONNRESET: 'connection closed by the endpoint',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
};

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const known = ERROR_TEXT[code ?? ''] ?? ERROR_TEXT[cause ?? ''];
  if (known) return known;
  return code ? `${code}: ${message ?? ''}`.trim() : (message ?? String(error));
}

/**
 * POSTs webhooks over kept-alive connections. Redirects are never followed: a 3xx is an
 * answer like any other (DESIGN §3).
 */
export class UndiciWebhookSender implements WebhookSender {
  constructor(
    private readonly dispatcher: Agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      pipelining: 1,
    }),
  ) {}

  async send(input: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<HttpAnswer> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const abort = AbortSignal.timeout(input.timeoutMs);
    try {
      const response = await request(input.url, {
        method: 'POST',
        headers: input.headers,
        body: input.body,
        dispatcher: this.dispatcher,
        headersTimeout: input.timeoutMs,
        bodyTimeout: input.timeoutMs,
        signal: abort,
      });
      const excerpt = await readExcerpt(response.body, RESPONSE_EXCERPT_BYTES).catch(() => '');
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        durationMs: elapsed(),
        ...(excerpt && { excerpt }),
        ...(typeof retryAfter === 'string' && { retryAfter }),
      };
    } catch (error) {
      const reason = abort.aborted ? 'timeout' : describe(error);
      return { durationMs: elapsed(), error: reason };
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

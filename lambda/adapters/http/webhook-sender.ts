import { lookup as systemLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, errors } from 'undici';
import type { HttpAnswer, WebhookSender } from '../../domain/ports';
import { hostProblem, isPublicAddress } from '../../domain/ssrf';
import { post, type Target } from './post-attempt';

/** The code of the error a guarded connection fails with when it would reach a private address. */
export const BLOCKED_ADDRESS = 'EBLOCKEDADDRESS';
const BLOCKED_TEXT = 'blocked: not a public address';

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
  EBLOCKEDADDRESS: BLOCKED_TEXT,
};

/** Says which address was refused, so the attempt log shows what the name resolved to. */
function blocked(target: string): Error {
  return Object.assign(new Error(`${BLOCKED_TEXT} (${target})`), {
    code: BLOCKED_ADDRESS,
    address: target,
  });
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (code === BLOCKED_ADDRESS) return message ?? BLOCKED_TEXT;
  if (cause?.code === BLOCKED_ADDRESS) return cause.message ?? BLOCKED_TEXT;
  const known = ERROR_TEXT[code ?? ''] ?? ERROR_TEXT[cause?.code ?? ''];
  if (known) return known;
  return code ? `${code}: ${message ?? ''}`.trim() : (message ?? String(error));
}

/**
 * Wraps a resolver so that a connection can only go to public addresses: when any address
 * the name resolves to is not public the lookup fails with `EBLOCKEDADDRESS`. The socket
 * connects to exactly the addresses this returns, so a name that looked public when the
 * endpoint was created but now resolves to a private address (DNS rebinding) is stopped.
 * Handles both `options.all` shapes (Node asks for all addresses when it races families).
 */
export function guardLookup(
  lookup: LookupFunction = systemLookup as LookupFunction,
): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) {
        callback(error, address, family);
        return;
      }
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const refused = addresses.find((candidate) => !isPublicAddress(candidate));
      if (refused !== undefined || addresses.length === 0) {
        callback(blocked(refused ?? hostname), Array.isArray(address) ? [] : '', family);
        return;
      }
      callback(null, address, family);
    });
  };
}

const MAX_CACHED_TARGETS = 10_000;

export interface SenderOptions {
  /** Local mode only: allow `http` and loopback/private targets. Off, every connection is guarded. */
  readonly allowPrivateTargets: boolean;
  /** Name resolution; `dns.lookup` by default. Tests inject one. */
  readonly lookup?: LookupFunction;
}

/**
 * POSTs webhooks over kept-alive connections. Redirects are never followed: a 3xx is an
 * answer like any other: a failed attempt.
 */
export class UndiciWebhookSender implements WebhookSender {
  private readonly dispatcher: Agent;
  private readonly allowPrivateTargets: boolean;
  private readonly targets = new Map<string, Target | { readonly refusal: unknown }>();

  constructor(options: SenderOptions = { allowPrivateTargets: false }) {
    this.allowPrivateTargets = options.allowPrivateTargets;
    const lookup = options.allowPrivateTargets ? options.lookup : guardLookup(options.lookup);
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      // Per origin. A Lambda instance sends at most a batch at once; local mode runs every
      // invocation in one instance, where slow requests to one origin must not queue the rest.
      connections: 256,
      pipelining: 1,
      ...(lookup && { connect: { lookup } }),
    });
  }

  /**
   * Where a URL goes, or why it may not be sent to: outside local mode only https, and IP
   * literals (which never go through the lookup) must be public. Kept per URL, as a dispatcher
   * sends to the same few endpoints all day; the answer depends on nothing but the text.
   */
  private target(raw: string): Target | { readonly refusal: unknown } {
    let known = this.targets.get(raw);
    if (known === undefined) {
      known = this.parseTarget(raw);
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(raw, known);
    }
    return known;
  }

  private parseTarget(raw: string): Target | { readonly refusal: unknown } {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (error) {
      return { refusal: error }; // worded as undici's request() reported it
    }
    if (!this.allowPrivateTargets) {
      if (url.protocol !== 'https:') return { refusal: 'blocked: only https is allowed' };
      if (hostProblem(url.hostname) !== undefined) {
        return { refusal: blocked(url.hostname).message };
      }
    } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return {
        refusal: new errors.InvalidArgumentError(
          'Invalid URL protocol: the URL must start with `http:` or `https:`.',
        ),
      };
    }
    return { origin: url.origin, path: `${url.pathname}${url.search}` };
  }

  async send(input: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<HttpAnswer> {
    const started = performance.now();
    const target = this.target(input.url);
    if ('refusal' in target) {
      const { refusal } = target;
      const error = typeof refusal === 'string' ? refusal : describe(refusal);
      return { durationMs: Math.round(performance.now() - started), error };
    }
    const result = await post(this.dispatcher, target, input);
    const durationMs = Math.round(performance.now() - started);
    if ('status' in result) return { ...result, durationMs };
    const reason = result.timedOut ? 'timeout' : describe(result.failure);
    return { durationMs, error: reason, ...(reason === 'timeout' && { timedOut: true }) };
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

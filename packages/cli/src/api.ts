import { ApiError, CliError, type Problem } from './errors.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A listing page as every paged route answers it. */
export interface Page<T> {
  readonly data: T[];
  readonly nextCursor?: string;
}

/** Hookline's HTTP API with one key. */
export class ApiClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  url(path: string, query: Query = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          accept: 'application/json',
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
        ...(options.signal && { signal: options.signal }),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw unreachable(this.baseUrl, error);
    }
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, problemOf(response, text));
    return { status: response.status, headers: response.headers, body: parseBody(text) as T };
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>('GET', path, query ? { query } : {})).body;
  }

  async post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>('POST', path, { body: body ?? {}, ...(headers && { headers }) }))
      .body;
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('PATCH', path, { body })).body;
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  /**
   * Every item of a paged listing, following `nextCursor`; stops after `max` items. `onPage`
   * sees each page whole, for what a listing says beside its items.
   */
  async collect<T>(
    path: string,
    query: Query = {},
    max = Number.POSITIVE_INFINITY,
    onPage?: (page: Page<T> & Record<string, unknown>) => void,
  ): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const limit = Math.min(100, max - items.length);
      const page = await this.get<Page<T> & Record<string, unknown>>(path, {
        ...query,
        limit,
        cursor,
      });
      onPage?.(page);
      items.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor !== undefined && items.length < max);
    return items;
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** API Gateway refuses a request without a usable key itself, in words that need saying. */
const GATEWAY_REFUSALS: Record<string, string> = {
  '401 Unauthorized': 'no API key was sent',
  '403 Forbidden': 'the API key is not one this Hookline knows (revoked, or for another Hookline?)',
};

/**
 * The problem an error answer carries: problem+json as the API sends it, API Gateway's own
 * `{"message"}` for a missing or unknown key, or whatever text a proxy in between sent.
 */
function problemOf(response: Response, text: string): Problem {
  const body = parseBody(text);
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const fields = body as Problem & { message?: string };
    if (fields.title !== undefined || fields.detail !== undefined) return fields;
    if (typeof fields.message === 'string') {
      return {
        status: response.status,
        title: response.statusText,
        detail: GATEWAY_REFUSALS[`${response.status} ${fields.message}`] ?? fields.message,
      };
    }
  }
  const detail = typeof body === 'string' ? body.slice(0, 200) : undefined;
  return {
    status: response.status,
    title: response.statusText || `HTTP ${response.status}`,
    ...(detail && { detail }),
  };
}

/** Why a request never got an answer, with what to check for the usual causes. */
export function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const local = isLoopback(baseUrl);
  if (code === 'ECONNREFUSED') {
    const hint = local
      ? 'is local mode running (npm start)? Otherwise pass --url or set HOOKLINE_URL'
      : 'is the URL right (--url, HOOKLINE_URL, --stack)?';
    return new CliError(`cannot reach ${baseUrl} (connection refused): ${hint}`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CliError(`cannot resolve the host of ${baseUrl}: is the URL right?`);
  }
  const reason = cause?.message ?? (error as Error).message;
  return new CliError(`cannot reach ${baseUrl}: ${reason}`);
}

/** Whether a URL names this machine, as local mode's does. */
export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

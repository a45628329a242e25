import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { LOCAL_CONSOLE_PATH } from '../console/assets';
import { consoleSecurityHeaders } from '../console/security-headers';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface ConsoleFilesOptions {
  /** The built console (`packages/console/dist`). */
  readonly dir: string;
  /** Origins allowed to frame it (`consoleFrameAncestors`). */
  readonly frameAncestors: readonly string[];
}

/** The file a path under `/console/` names, or undefined when it would leave `dir`. */
function fileFor(dir: string, pathname: string): string | undefined {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(LOCAL_CONSOLE_PATH.length));
  } catch {
    return undefined;
  }
  if (relative === '') return join(dir, 'index.html');
  const file = normalize(join(dir, relative));
  const hidden = relative.split('/').some((part) => part.startsWith('.'));
  return file.startsWith(dir + sep) && !hidden ? file : undefined;
}

/**
 * Serves the console's static files at `/console/`, with the headers CloudFront sends in AWS
 * (the same CSP, built by lib/console/security-headers.ts). Hashed assets are cached for a
 * year; `index.html` is revalidated, so a rebuilt console is seen at once.
 */
export function consoleFiles(options: ConsoleFilesOptions) {
  const security = consoleSecurityHeaders(options.frameAncestors);
  return async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', ...security }).end();
      return;
    }
    if (url.pathname === '/' || url.pathname === LOCAL_CONSOLE_PATH.slice(0, -1)) {
      response.writeHead(302, { location: LOCAL_CONSOLE_PATH, ...security }).end();
      return;
    }
    const file = fileFor(options.dir, url.pathname);
    const found = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (!file || !found?.isFile()) {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...security })
        .end('Not found\n');
      return;
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(found.size),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...security,
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file).pipe(response);
  };
}

/** Whether a request is for the console (or `/`, which leads to it). */
export const isConsoleRequest = (method: string, pathname: string): boolean =>
  (pathname === '/' && (method === 'GET' || method === 'HEAD')) ||
  pathname === LOCAL_CONSOLE_PATH.slice(0, -1) ||
  pathname.startsWith(LOCAL_CONSOLE_PATH);

/**
 * Keeps local mode on this machine. None of its servers has real authentication (the stand-ins
 * accept any AWS credentials; the sandbox accepts any POST), so:
 *
 * - every server listens on a loopback address only, including stand-ins whose library
 *   hard-codes `0.0.0.0` (fauxqs 2.x calls `app.listen({ port, host: '0.0.0.0' })` whatever
 *   `host` it is given): {@link bindingLoopbackOnly} gives those loopback instead;
 * - every server answers only requests whose `Host` is a loopback name, so a web page the user
 *   opens cannot reach them through DNS rebinding (its own name re-pointed at 127.0.0.1):
 *   {@link isLoopbackHost}, {@link refuseForeignHosts}.
 *
 * Done in our code, not by patching node_modules: an edit there does not survive `npm ci`.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIPv4, type ListenOptions, Server as NetServer } from 'node:net';

/** Where local mode listens unless told another loopback address. */
export const LOOPBACK_ADDRESS = '127.0.0.1';

/** A bound address other machines cannot reach: 127.0.0.0/8, ::1, or 127/8 mapped into IPv6. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.toLowerCase().replace(/^::ffff:/, '');
  return (isIPv4(v4) && v4.startsWith('127.')) || /^(?:0{0,4}:){2,7}0{0,3}1$/i.test(address);
}

/** A host to bind that resolves to loopback only. */
function isLoopbackBindHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

/** Fails for a host to listen on that is not loopback, e.g. `HOOKLINE_HOST=0.0.0.0`. */
export function assertLoopbackBindHost(host: string): void {
  if (!isLoopbackBindHost(host)) {
    throw new Error(
      `local mode listens on loopback only (127.0.0.1, ::1 or localhost), not on ${host}: ` +
        'its stand-ins have no authentication',
    );
  }
}

/** What a `Host` header may hold at all: a name or address, an optional port, nothing else. */
const HOST_SYNTAX = /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/**
 * Whether a `Host` header names this machine: `localhost` or a `*.localhost` name (RFC 6761
 * keeps them on loopback, so no one can re-point them), an address in 127.0.0.0/8, or `[::1]`,
 * each with or without a port. A DNS-rebinding page sends its own name and is refused.
 */
export function isLoopbackHost(header: string | undefined): boolean {
  if (header === undefined || !HOST_SYNTAX.test(header)) return false;
  let hostname: string;
  try {
    // The URL parser lower-cases names and normalizes addresses ([0:0::1] → [::1]).
    hostname = new URL(`http://${header}/`).hostname;
  } catch {
    return false;
  }
  const name = hostname.replace(/\.$/, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    (isIPv4(name) && name.startsWith('127.')) ||
    hostname === '[::1]'
  );
}

/** Why a request was refused, for the error bodies of the servers below. */
export function foreignHostMessage(header: string | undefined): string {
  const shown = header === undefined ? 'none' : JSON.stringify(header.slice(0, 100));
  return (
    `local mode answers only requests whose Host is a loopback name (localhost, *.localhost, ` +
    `127.0.0.0/8 or [::1]); this one has Host ${shown}`
  );
}

/**
 * Puts a `Host` check in front of every request listener `server` has: requests with a
 * non-loopback `Host` get `refuse` and never reach the library's own handler.
 */
export function refuseForeignHosts(
  server: NetServer,
  refuse: (request: IncomingMessage, response: ServerResponse) => void,
): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!isLoopbackHost(request.headers.host)) {
      refuse(request, response);
      return;
    }
    for (const listener of listeners) listener.call(server, request, response);
  });
}

/** How an AWS stand-in refuses a foreign `Host`: the JSON error shape of the AWS JSON protocols. */
export function refuseLikeAws(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({
    __type: 'AccessDeniedException',
    message: foreignHostMessage(request.headers.host),
  });
  response
    .writeHead(403, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': 'AccessDeniedException',
      connection: 'close',
    })
    .end(body);
}

/** Fails unless `server` is listening on a loopback address; closes it if it is not. */
export function assertListeningOnLoopback(server: NetServer, what: string): void {
  const address = server.address();
  if (address !== null && typeof address === 'object' && !isLoopbackAddress(address.address)) {
    server.close();
    throw new Error(`${what} listened on ${address.address}, not on loopback: closed it`);
  }
}

/**
 * Listens on `host`, which must be a loopback address or `localhost`, and checks the address
 * the system gave. A non-loopback `host` (e.g. `HOOKLINE_HOST=0.0.0.0`) is an error.
 */
export async function listenOnLoopback(
  server: NetServer,
  port: number,
  host: string = LOOPBACK_ADDRESS,
): Promise<void> {
  assertLoopbackBindHost(host);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  assertListeningOnLoopback(server, `the server on ${host}:${port}`);
}

/** Rewrites the arguments of `net.Server#listen` so any TCP listen goes to a loopback address. */
function loopbackListenArguments(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  const loopback = (host: unknown) =>
    typeof host === 'string' && isLoopbackBindHost(host) ? host : LOOPBACK_ADDRESS;
  if (first !== null && typeof first === 'object') {
    const options = first as ListenOptions & { handle?: unknown; fd?: unknown };
    // A Unix socket, a named pipe or an inherited handle: no network address to change.
    if (options.path !== undefined || options.handle !== undefined || options.fd !== undefined)
      return args;
    return [{ ...options, host: loopback(options.host) }, ...rest];
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return args; // a Unix socket path
  // listen(port?, host?, backlog?, callback?): replace or insert the host.
  const port = first ?? 0;
  if (typeof rest[0] === 'string') return [port, loopback(rest[0]), ...rest.slice(1)];
  return [port, LOOPBACK_ADDRESS, ...rest];
}

const originalListen = NetServer.prototype.listen;
/** The servers each open window (below) saw listen; the patch is in place while any is open. */
const windows = new Set<Set<NetServer>>();

function listenOnLoopbackOnly(this: NetServer, ...args: unknown[]): NetServer {
  for (const seen of windows) seen.add(this);
  return (originalListen as (...a: unknown[]) => NetServer).apply(
    this,
    loopbackListenArguments(args),
  );
}

/**
 * Runs `start` (e.g. `startFauxqs`) while every TCP server in this process that asks for a
 * wildcard or other non-loopback address (`0.0.0.0`, `::`, none) is bound to 127.0.0.1
 * instead, so the port is never open to the network, not even for a moment. Returns what
 * `start` returned and the servers that listened meanwhile, each checked to be on loopback.
 *
 * `net.Server.prototype.listen` is replaced only while a call is running (windows may
 * overlap: the original is put back when the last one ends). Anything else that listens in
 * that time is kept on loopback too, which is what local mode wants of everything.
 */
export async function bindingLoopbackOnly<T>(
  start: () => Promise<T>,
): Promise<{ value: T; servers: NetServer[] }> {
  const seen = new Set<NetServer>();
  windows.add(seen);
  NetServer.prototype.listen = listenOnLoopbackOnly as typeof originalListen;
  try {
    const value = await start();
    const servers = [...seen].filter((server) => server.listening);
    for (const server of servers) assertListeningOnLoopback(server, 'a local stand-in');
    return { value, servers };
  } finally {
    windows.delete(seen);
    if (windows.size === 0) NetServer.prototype.listen = originalListen;
  }
}

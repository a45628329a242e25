import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** The status the receiver answered; absent when it dropped the connection. */
  status?: number;
}

/** How the receiver answers a request to a path; the default is 204 at once. */
export type Behaviour = (
  request: ReceivedRequest,
  seenBefore: number,
) => {
  status?: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Drop the connection without answering. */
  reset?: boolean;
};

/** A real webhook receiver on a loopback port that records everything it is sent. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly server: Server;
  private port = 0;

  constructor() {
    this.server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const received: ReceivedRequest = {
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const seenBefore = this.requests.filter(
        (r) =>
          r.path === received.path && r.headers['webhook-id'] === received.headers['webhook-id'],
      ).length;
      this.requests.push(received);
      const answer = this.behaviours.get(received.path)?.(received, seenBefore) ?? {};
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      if (answer.reset) {
        request.socket.destroy();
        return;
      }
      // A sender that gave up (timed out) never saw this answer: it was not delivered.
      if (request.socket.destroyed) return;
      received.status = answer.status ?? 204;
      response.writeHead(received.status, answer.headers).end(answer.body ?? '');
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  behave(path: string, behaviour: Behaviour): void {
    this.behaviours.set(path, behaviour);
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Requests it answered with a 2xx: the deliveries that count as delivered. */
  accepted(path?: string): ReceivedRequest[] {
    return this.requests.filter(
      (r) => (path === undefined || r.path === path) && r.status !== undefined && r.status < 300,
    );
  }

  /** Stops every misbehaviour: from now on it answers 204 at once. */
  heal(): void {
    this.behaviours.clear();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Polls `condition` until it holds or `timeoutMs` passes; `refresh` runs before each check
 * (to fetch state over the API). Returns whether the condition held.
 */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  refresh?: () => Promise<void>,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await refresh?.();
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, refresh ? 250 : 50));
  }
  await refresh?.();
  return condition();
}

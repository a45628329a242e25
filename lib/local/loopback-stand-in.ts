import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK_ADDRESS, listenOnLoopback, refuseForeignHosts, refuseLikeAws } from './loopback';

/**
 * An AWS service stand-in on a loopback port, answering loopback `Host` names only (see
 * `./loopback`): each request's whole body is handed to `answer`. Point an SDK client at
 * `endpoint` (`AWS_ENDPOINT_URL_<SERVICE>`).
 */
export abstract class LoopbackStandIn {
  private server: Server | undefined;
  endpoint = '';

  protected abstract answer(body: string, request: IncomingMessage, response: ServerResponse): void;

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.answer(Buffer.concat(chunks).toString(), request, response));
    });
    refuseForeignHosts(server, refuseLikeAws);
    await listenOnLoopback(server, 0, LOOPBACK_ADDRESS);
    this.server = server;
    this.endpoint = `http://${LOOPBACK_ADDRESS}:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise((done) => {
      server.close(done);
      server.closeAllConnections();
    });
  }
}

/** Answers with an AWS JSON 1.1 body, or the error shape of that protocol when `status` ≥ 400. */
export function answerJson(response: ServerResponse, status: number, body: unknown): void {
  response.setHeader('content-type', 'application/x-amz-json-1.1');
  response.writeHead(status).end(JSON.stringify(body));
}

/** An AWS JSON protocol error: the SDK reads the exception name from `__type`. */
export function answerError(response: ServerResponse, type: string, message: string): void {
  answerJson(response, 400, { __type: type, message });
}

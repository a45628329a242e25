import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An AWS service stand-in on a loopback port: each request's whole body is handed to
 * `answer`. Point an SDK client at `endpoint` (`AWS_ENDPOINT_URL_<SERVICE>`).
 */
export abstract class LoopbackStandIn {
  private server: Server | undefined;
  endpoint = '';

  protected abstract answer(body: string, request: IncomingMessage, response: ServerResponse): void;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.answer(Buffer.concat(chunks).toString(), request, response));
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server?.close(done));
  }
}

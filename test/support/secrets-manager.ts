import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The one Secrets Manager call a receiver function makes (`GetSecretValue`, AWS JSON 1.1), on
 * loopback; secrets are set by ARN. Unknown ARNs get AWS's own error.
 */
export class SecretsManagerStandIn {
  readonly secrets = new Map<string, string>();
  private server: Server | undefined;
  endpoint = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = request.headers['x-amz-target'];
        const { SecretId } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
          SecretId?: string;
        };
        const value = SecretId === undefined ? undefined : this.secrets.get(SecretId);
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
          response.writeHead(400).end(
            JSON.stringify({
              __type: 'ResourceNotFoundException',
              message: "Secrets Manager can't find the specified secret.",
            }),
          );
          return;
        }
        response.writeHead(200).end(
          JSON.stringify({
            ARN: SecretId,
            Name: SecretId,
            SecretString: value,
            VersionId: 'v1',
            CreatedDate: 1_795_000_000,
          }),
        );
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server?.close(done));
  }
}

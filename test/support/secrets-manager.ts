import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackStandIn } from './loopback-stand-in';

/**
 * The one Secrets Manager call a receiver function makes (`GetSecretValue`, AWS JSON 1.1), on
 * loopback; secrets are set by ARN. Unknown ARNs get AWS's own error.
 */
export class SecretsManagerStandIn extends LoopbackStandIn {
  readonly secrets = new Map<string, string>();

  protected answer(body: string, request: IncomingMessage, response: ServerResponse): void {
    const target = request.headers['x-amz-target'];
    const { SecretId } = JSON.parse(body || '{}') as {
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
  }
}

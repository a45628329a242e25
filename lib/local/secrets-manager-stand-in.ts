import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError, answerJson, LoopbackStandIn } from './loopback-stand-in';

/**
 * The one Secrets Manager call Hookline's code makes (`GetSecretValue`, AWS JSON 1.1: the
 * functions' cursor and bootstrap key secrets, the CLI and the receiver function), on
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
    if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
      answerError(
        response,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
      return;
    }
    answerJson(response, 200, {
      ARN: SecretId,
      Name: SecretId,
      SecretString: value,
      VersionId: 'v1',
      CreatedDate: 1_795_000_000,
    });
  }
}

/**
 * The verifying function the WebhookReceiver construct deploys (bundled by build-function.mjs):
 * verify, deduplicate on webhook-id, queue for the consumer's worker, answer 202.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWebhookReceiverHandler, type HttpApiEvent, parseSecretValue } from '../middy.js';
import { receiverEnv } from '../receiver-env.js';

/** Environment the construct sets; a missing one fails the first request loudly. */
export { receiverEnv };

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

function numberOr(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a number ≥ 0`);
  return parsed;
}

function buildHandler() {
  const secretArn = required(receiverEnv.secretArn);
  // A rotation in Hookline shows up here within this many seconds.
  const maxAge = numberOr(receiverEnv.secretCacheSeconds, 300);
  return createWebhookReceiverHandler({
    getSecrets: async () => {
      const value = await getSecret<string>(secretArn, { maxAge });
      if (typeof value !== 'string') throw new Error('the webhook secret has no string value');
      return parseSecretValue(value);
    },
    toleranceSeconds: numberOr(receiverEnv.toleranceSeconds, 300),
    queueUrl: required(receiverEnv.queueUrl),
    sqsClient: new SQSClient({}),
    deduplicate: {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: required(receiverEnv.idempotencyTableName),
      }),
    },
  });
}

let built: ReturnType<typeof buildHandler> | undefined;

export const handler = (
  event: HttpApiEvent,
  context: Parameters<ReturnType<typeof buildHandler>>[1],
) => {
  built ??= buildHandler();
  return built(event, context);
};

import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import middy, { type MiddlewareObj } from '@middy/core';
import { problem, problemFor } from './problem.js';
import { type Secrets, type VerifiedWebhook, type VerifyOptions, verifyWebhook } from './verify.js';

/** The parts of an API Gateway HTTP API (payload 2.0) or Lambda function URL event used here. */
export interface HttpApiEvent {
  readonly headers: { readonly [name: string]: string | undefined };
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  /** Set by `verifyWebhookMiddleware` once the delivery is verified. */
  webhook?: VerifiedWebhook;
}

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface SecretsSource {
  /** The endpoint's secret(s), when known at start-up. */
  readonly secrets?: Secrets;
  /** Looks the secret(s) up per request (cache it: it runs on every delivery). */
  readonly getSecrets?: () => Promise<Secrets>;
}

export type VerifyWebhookMiddlewareOptions = SecretsSource & VerifyOptions;

/**
 * Verifies the delivery against the raw body and sets `event.webhook`; answers 401
 * problem+json (without running the handler) when it must be refused.
 */
export function verifyWebhookMiddleware(
  options: VerifyWebhookMiddlewareOptions,
): MiddlewareObj<HttpApiEvent, HttpApiResult> {
  const secretsOf = secretsLookup(options);
  return {
    before: async (request) => {
      const { event } = request;
      const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
      try {
        event.webhook = verifyWebhook(body, event.headers, await secretsOf(), options);
      } catch (error) {
        const refusal = problemFor(error);
        if (!refusal) throw error;
        return { statusCode: refusal.status, headers: refusal.headers, body: refusal.body };
      }
      return undefined;
    },
  };
}

export interface DeduplicateWebhooksOptions {
  /** Where seen `webhook-id`s are kept, e.g. Powertools' `DynamoDBPersistenceLayer`. */
  readonly persistenceStore: BasePersistenceLayer;
  /**
   * How long a `webhook-id` is remembered. Hookline retries for about 15 h by default and
   * replays on request; a day covers the retries.
   * @default 86400
   */
  readonly expiresAfterSeconds?: number;
}

/**
 * Runs the rest of the handler once per `webhook-id` (Powertools idempotency): a repeat gets
 * the first answer back, a repeat that arrives while the first is still running gets 409 so
 * Hookline tries it again later. Use after `verifyWebhookMiddleware`.
 */
export function deduplicateWebhooks(
  options: DeduplicateWebhooksOptions,
): MiddlewareObj<HttpApiEvent, HttpApiResult>[] {
  const idempotent = makeHandlerIdempotent({
    persistenceStore: options.persistenceStore,
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'webhook.id',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: options.expiresAfterSeconds ?? 86_400,
    }),
  }) as MiddlewareObj<HttpApiEvent, HttpApiResult>;
  // Registered after the idempotency middleware so its onError runs first: answering here
  // keeps Powertools from deleting the record that belongs to the attempt still running.
  const repeatInProgress: MiddlewareObj<HttpApiEvent, HttpApiResult> = {
    onError: (request) => {
      if ((request.error as Error | undefined)?.name !== 'IdempotencyAlreadyInProgressError') {
        return undefined;
      }
      const answer = problem(409, 'Delivery in progress', 'this webhook-id is being handled');
      return { statusCode: answer.status, headers: answer.headers, body: answer.body };
    },
  };
  return [idempotent, repeatInProgress];
}

export interface WebhookReceiverHandlerOptions extends VerifyWebhookMiddlewareOptions {
  /** The queue the consumer's worker reads; each message body is the delivery body as received. */
  readonly queueUrl: string;
  readonly sqsClient: SQSClient;
  /** Deduplication on `webhook-id`; omit only when the worker is idempotent by itself. */
  readonly deduplicate?: DeduplicateWebhooksOptions;
}

/**
 * The whole receiver as a Lambda handler: verify, deduplicate, put the delivery on an SQS queue
 * and answer 202 at once, so a slow worker never makes Hookline wait or retry.
 *
 * Each message has the delivery body as its body and `webhook-id`, `webhook-type` and
 * `webhook-timestamp` as message attributes.
 */
export function createWebhookReceiverHandler(options: WebhookReceiverHandlerOptions) {
  const enqueue = async (event: HttpApiEvent): Promise<HttpApiResult> => {
    const webhook = event.webhook;
    if (!webhook) throw new Error('verifyWebhookMiddleware did not run');
    await options.sqsClient.send(
      new SendMessageCommand({
        QueueUrl: options.queueUrl,
        MessageBody: webhook.rawBody,
        MessageAttributes: {
          'webhook-id': { DataType: 'String', StringValue: webhook.id },
          'webhook-type': { DataType: 'String', StringValue: String(webhook.payload.type) },
          'webhook-timestamp': { DataType: 'Number', StringValue: String(webhook.signedAt) },
        },
      }),
    );
    return {
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ received: webhook.id }),
    };
  };
  const handler = middy<HttpApiEvent, HttpApiResult>(enqueue).use(verifyWebhookMiddleware(options));
  return options.deduplicate ? handler.use(deduplicateWebhooks(options.deduplicate)) : handler;
}

function secretsLookup(options: SecretsSource): () => Promise<Secrets> {
  const { secrets, getSecrets } = options;
  if (getSecrets) return getSecrets;
  if (secrets === undefined) throw new Error('give secrets or getSecrets');
  return async () => secrets;
}

/** A secret value holding one or more `whsec_…` secrets: space, comma or newline separated, or a JSON array. */
export function parseSecretValue(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
    throw new Error('a JSON secret value must be an array of strings');
  }
  return trimmed.split(/[\s,]+/).filter((part) => part.length > 0);
}

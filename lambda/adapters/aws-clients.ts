import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The SDK clients a function uses, one per service, each made on first use. */
export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  /** Closes whichever clients were made. */
  destroy(): void;
}

/**
 * Where the clients connect when not to AWS itself: local mode passes its stand-ins here.
 * In AWS nothing is given, and the SDK reads region, credentials and any `AWS_ENDPOINT_URL_*`
 * from the environment as usual.
 */
export interface ClientOptions {
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints?: {
    readonly dynamodb?: string;
    readonly sqs?: string;
    readonly eventBridge?: string;
  };
}

export function createAwsClients(options: ClientOptions = {}): AwsClients {
  const base = {
    ...(options.region !== undefined && { region: options.region }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
  };
  const endpoint = (url: string | undefined) => (url === undefined ? {} : { endpoint: url });
  let dynamo: DynamoDBDocumentClient | undefined;
  let sqs: SQSClient | undefined;
  let eventBridge: EventBridgeClient | undefined;
  return {
    get dynamo() {
      dynamo ??= DynamoDBDocumentClient.from(
        new DynamoDBClient({ ...base, ...endpoint(options.endpoints?.dynamodb) }),
        { marshallOptions: { removeUndefinedValues: true } },
      );
      return dynamo;
    },
    get sqs() {
      // Queue URLs of local stand-ins name hosts that do not resolve; harmless in AWS.
      sqs ??= new SQSClient({
        ...base,
        ...endpoint(options.endpoints?.sqs),
        useQueueUrlAsEndpoint: false,
      });
      return sqs;
    },
    get eventBridge() {
      eventBridge ??= new EventBridgeClient({
        ...base,
        ...endpoint(options.endpoints?.eventBridge),
      });
      return eventBridge;
    },
    destroy() {
      dynamo?.destroy();
      sqs?.destroy();
      eventBridge?.destroy();
    },
  };
}

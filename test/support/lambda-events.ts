import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from 'aws-lambda';
import { type RecordSource, sqsRecord } from '../../lib/local/sqs-records';

/** An SQS record of the delivery queue, as the event source mapping hands it to a function. */
export function anSqsRecord(body: unknown, overrides: Partial<RecordSource> = {}): SQSRecord {
  const id = randomUUID();
  return sqsRecord(
    {
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...overrides,
    },
    'arn:aws:sqs:us-east-1:000000000000:hookline-delivery',
  );
}

export const anSqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** An HTTP API (payload 2.0) request, as API Gateway passes it after the authorizer. */
export function anApiRequest(
  method: string,
  path: string,
  options: {
    readonly body?: unknown;
    readonly key?: string;
    readonly headers?: Record<string, string>;
    readonly query?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {
    ...(options.body !== undefined && { 'content-type': 'application/json' }),
    ...(options.key !== undefined && { authorization: `Bearer ${options.key}` }),
    ...options.headers,
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    ...(options.query && { queryStringParameters: options.query }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    isBase64Encoded: false,
  };
}

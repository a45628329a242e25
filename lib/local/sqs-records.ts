import type { SQSRecord } from 'aws-lambda';
import { LOCAL_REGION } from './tables';

/** What an SQS record is made from: a received message, or one a test or the bench makes up. */
export interface RecordSource {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** @default '1' */
  readonly receiveCount?: string;
  /** Epoch ms as text. @default now */
  readonly sentTimestamp?: string;
  readonly firstReceiveTimestamp?: string;
  readonly md5OfBody?: string;
}

/** An SQS record as the Lambda event source mapping hands it to a function. */
export function sqsRecord(source: RecordSource, queueArn: string): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: source.messageId,
    receiptHandle: source.receiptHandle,
    body: source.body,
    attributes: {
      ApproximateReceiveCount: source.receiveCount ?? '1',
      SentTimestamp: source.sentTimestamp ?? now,
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: source.firstReceiveTimestamp ?? now,
    },
    messageAttributes: {},
    md5OfBody: source.md5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

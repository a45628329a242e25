import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localContext } from './lambda-context';
import { sqsRecord } from './sqs-records';

type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  /** Batches handled at once, like the event source mapping's concurrency. */
  readonly concurrency: number;
  /** The function the mapping invokes, as its Lambda context names it. */
  readonly functionName: string;
  readonly functionTimeoutMs: number;
  /**
   * Builds the function's handler for one concurrent invocation slot, as Lambda runs each
   * concurrent invocation in its own instance (with its own connection pool and caches).
   */
  readonly instance: () => QueueHandler;
  readonly onError: (error: unknown) => void;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return sqsRecord(
    {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      ...(attributes.ApproximateReceiveCount && {
        receiveCount: attributes.ApproximateReceiveCount,
      }),
      ...(attributes.SentTimestamp && { sentTimestamp: attributes.SentTimestamp }),
      ...(attributes.ApproximateFirstReceiveTimestamp && {
        firstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp,
      }),
      ...(message.MD5OfBody && { md5OfBody: message.MD5OfBody }),
    },
    queueArn,
  );
}

/**
 * Plays the Lambda SQS event source mapping: receive a batch, invoke, delete what the
 * handler did not report as a batch item failure. A throwing handler deletes nothing.
 */
export class QueuePoller {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly options: PollerOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, () =>
      this.loop(this.options.instance()),
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(handler: QueueHandler): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce(handler);
      } catch (error) {
        this.options.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async pollOnce(handler: QueueHandler): Promise<void> {
    const { queueUrl, queueArn } = this.options;
    const received = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.options.batchSize,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return;
    const records = messages.map((m) => toRecord(m, queueArn));
    const response = await handler(
      { Records: records },
      localContext(this.options.functionName, this.options.functionTimeoutMs),
    );
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length === 0) return;
    await this.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
}

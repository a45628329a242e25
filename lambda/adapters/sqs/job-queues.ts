import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSource, JobPageMessage, JobQueue } from '../../domain/jobs';
import type { DeliveryMessage } from '../../domain/ports';

/** Job pages, one message each, for the replay function. */
export const sqsJobQueue = (client: SQSClient, queueUrl: string): JobQueue => ({
  async enqueue(message: JobPageMessage) {
    await client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }),
    );
  },
});

/** The delivery DLQ read from our code: SQS's own message move cannot filter, and fauxqs has none. */
export class SqsDeadLetterSource implements DeadLetterSource {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async receive(max: number, hideSeconds: number): Promise<DeadLetter[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: hideSeconds,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    return (result.Messages ?? []).flatMap((m) => {
      try {
        return [
          {
            handle: m.ReceiptHandle ?? '',
            id: m.MessageId ?? '',
            message: JSON.parse(m.Body ?? '') as DeliveryMessage,
          },
        ];
      } catch {
        // Not a delivery: left in the DLQ for a person to look at.
        return [];
      }
    });
  }

  async remove(letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += 10) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: letters
            .slice(start, start + 10)
            .map((l, i) => ({ Id: String(i), ReceiptHandle: l.handle })),
        }),
      );
    }
  }

  async release(letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += 10) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: letters
            .slice(start, start + 10)
            .map((l, i) => ({ Id: String(i), ReceiptHandle: l.handle, VisibilityTimeout: 1 })),
        }),
      );
    }
  }

  /** Messages SQS reports in the DLQ, including ones the redrive policy moved there. */
  async depth(): Promise<number> {
    const result = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const attributes = result.Attributes ?? {};
    return (
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }
}

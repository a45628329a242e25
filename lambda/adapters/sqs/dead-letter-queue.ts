import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, DeadLetterReason, DeliveryMessage } from '../../domain/ports';

/** Dead letters carry their reason as message attributes, readable in the console as is. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: DeliveryMessage, reason: DeadLetterReason): Promise<void> {
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    const attributes: Record<string, { DataType: string; StringValue: string }> = {
      reason: text(reason.reason),
      eventId: text(message.eventId),
      endpointId: text(message.endpointId),
      eventType: text(message.type),
      tenant: text(message.tenant),
      attempts: { DataType: 'Number', StringValue: String(reason.attempts) },
      deadLetteredAt: text(new Date().toISOString()),
    };
    if (reason.lastStatus !== undefined) {
      attributes.lastStatus = { DataType: 'Number', StringValue: String(reason.lastStatus) };
    }
    if (reason.error) attributes.error = text(reason.error.slice(0, 1024));
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: attributes,
      }),
    );
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_DELAY_SECONDS } from '#shared/limits';
import type {
  DeliveryMessage,
  DeliveryQueue,
  DeliveryWaits,
  Lane,
  QueueMessage,
} from '../../domain/ports';

const MAX_ENTRIES = 10;
/** SQS caps a batch at 1 MiB; stay under it with room for attributes. */
const MAX_BATCH_BYTES = 900 * 1024;
const MAX_ROUNDS = 5;

/** Splits entries into SendMessageBatch-sized groups by count and size. */
function groups(entries: readonly SendMessageBatchRequestEntry[]) {
  const result: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.MessageBody ?? '');
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    const entries = messages.map((message, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(message),
    }));
    await Promise.all(groups(entries).map((group) => this.sendGroup(group)));
  }

  private async sendGroup(group: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = group;
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new Error(`${pending.length} deliveries could not be queued`);
      }
      if (round > 0) await sleep(50 * 2 ** round);
      const result = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
      );
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
  }
}

/**
 * Waits as SQS allows them without holding a message in flight: sent again with a delay of at
 * most 15 minutes, to the main queue or the slow lane (a longer wait hops; see the dispatcher).
 */
export class SqsDeliveryWaits implements DeliveryWaits {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrls: Readonly<Record<Lane, string>>,
  ) {}

  async resend(message: QueueMessage, delaySeconds: number, lane: Lane): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrls[lane],
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.max(0, Math.min(SQS_MAX_DELAY_SECONDS, Math.round(delaySeconds))),
      }),
    );
  }
}

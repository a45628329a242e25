import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '#shared/settings';
import { type StandIns, startStandIns } from '../../lib/local/stand-ins';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/tables';

const TWELVE_HOURS = 43_200;
const IN_FLIGHT_LIMIT = 5;

/** Whatever `fn` threw, for asserting on the SDK's error. */
async function failureOf(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('the SQS stand-in refuses what Amazon SQS refuses', () => {
  let dataDir: string;
  let standIns: StandIns;
  let sqs: SQSClient;
  // The clock the 12-hour rule counts on; tests move it on instead of waiting.
  let now = Date.parse('2026-11-27T00:00:00Z');
  let queues = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hookline-strict-sqs-'));
    standIns = await startStandIns(dataDir, defaultSettings, {
      inFlightLimit: IN_FLIGHT_LIMIT,
      clock: () => now,
    });
    sqs = new SQSClient({
      endpoint: standIns.sqsEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      useQueueUrlAsEndpoint: false,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await standIns?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh queue holding `count` messages, so each test counts its own in-flight set. */
  async function queueWith(count: number): Promise<string> {
    queues += 1;
    const created = await sqs.send(new CreateQueueCommand({ QueueName: `strict-${queues}` }));
    const url = created.QueueUrl as string;
    for (let i = 0; i < count; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `message ${i}` }));
    }
    return url;
  }

  async function receive(url: string, max: number, visibility = 300): Promise<Message[]> {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibility,
      }),
    );
    return received.Messages ?? [];
  }

  describe('visibility at most 12 hours counted from the receive', () => {
    it('accepts 43,200 s right after the receive, and refuses it ten seconds later', async () => {
      // Prepare
      const url = await queueWith(2);
      const [first, second] = await receive(url, 2);

      // Act
      const atOnce = sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first?.ReceiptHandle,
          VisibilityTimeout: TWELVE_HOURS,
        }),
      );
      await expect(atOnce).resolves.toBeDefined();
      now += 10_000;
      const tooLate = await failureOf(() =>
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: second?.ReceiptHandle,
            VisibilityTimeout: TWELVE_HOURS,
          }),
        ),
      );
      const whatIsLeft = sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: second?.ReceiptHandle,
          VisibilityTimeout: TWELVE_HOURS - 10,
        }),
      );

      // Assess
      expect(tooLate.name).toBe('InvalidParameterValue');
      expect(tooLate.$metadata).toMatchObject({ httpStatusCode: 400 });
      expect(tooLate.message).toBe(
        'Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout ' +
          'for the message is beyond the limit [43200 seconds].',
      );
      await expect(whatIsLeft).resolves.toBeDefined();
    });

    it('counts from the receive that issued the handle, not from an earlier change', async () => {
      // Prepare
      const url = await queueWith(1);
      const [message] = await receive(url, 1);
      now += 6 * 3_600_000;
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 60,
        }),
      );

      // Act
      const pastTheReceive = await failureOf(() =>
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: message?.ReceiptHandle,
            VisibilityTimeout: 6 * 3_600 + 1,
          }),
        ),
      );

      // Assess
      expect(pastTheReceive.name).toBe('InvalidParameterValue');
    });

    it('reports only the entry reaching past 12 hours as Failed in a batch', async () => {
      // Prepare
      const url = await queueWith(2);
      const [first, second] = await receive(url, 2);
      now += 10_000;

      // Act
      const result = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'within', ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 3_600 },
            { Id: 'beyond', ReceiptHandle: second?.ReceiptHandle, VisibilityTimeout: TWELVE_HOURS },
          ],
        }),
      );

      // Assess
      expect(result.Successful).toEqual([{ Id: 'within' }]);
      expect(result.Failed).toEqual([
        {
          Id: 'beyond',
          SenderFault: true,
          Code: 'InvalidParameterValue',
          Message: expect.stringContaining('beyond the limit [43200 seconds]'),
        },
      ]);
    });
  });

  describe('the in-flight limit', () => {
    it('fails a receive with OverLimit at the limit, and receives again once one is deleted', async () => {
      // Prepare
      const url = await queueWith(IN_FLIGHT_LIMIT + 2);
      const held = await receive(url, IN_FLIGHT_LIMIT);

      // Act
      const atLimit = await failureOf(() => receive(url, 1));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: held[0]?.ReceiptHandle }),
      );
      const afterDelete = await receive(url, 10);

      // Assess
      expect(held).toHaveLength(IN_FLIGHT_LIMIT);
      expect(atLimit.name).toBe('OverLimit');
      expect(atLimit.$metadata).toMatchObject({ httpStatusCode: 403 });
      // One place was free: a receive asking for ten gets one.
      expect(afterDelete).toHaveLength(1);
    });

    it('frees a place when a visibility is changed to 0 or runs out', async () => {
      // Prepare
      const url = await queueWith(IN_FLIGHT_LIMIT);
      const held = await receive(url, IN_FLIGHT_LIMIT - 1);
      // Visible again at once: in fauxqs's in-flight map until it next sweeps.
      const [expiring] = await receive(url, 1, 0);

      // Act
      const afterExpiry = await receive(url, 10);
      const atLimit = await failureOf(() => receive(url, 1));
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: held[0]?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      const afterChange = await receive(url, 10);

      // Assess
      expect(expiring).toBeDefined();
      expect(afterExpiry.map((m) => m.MessageId)).toEqual([expiring?.MessageId]);
      expect(atLimit.name).toBe('OverLimit');
      expect(afterChange.map((m) => m.MessageId)).toEqual([held[0]?.MessageId]);
    });

    it('counts each queue on its own', async () => {
      // Prepare
      const full = await queueWith(IN_FLIGHT_LIMIT);
      await receive(full, IN_FLIGHT_LIMIT);
      const other = await queueWith(1);

      // Act
      const received = await receive(other, 1);

      // Assess
      expect(received).toHaveLength(1);
    });
  });

  describe('parameter limits', () => {
    it('refuses DelaySeconds over 900 on SendMessage', async () => {
      // Prepare
      const url = await queueWith(0);

      // Act
      const tooLong = await failureOf(() =>
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
      );
      const longest = sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 900 }),
      );

      // Assess
      expect(tooLong.name).toBe('InvalidParameterValue');
      expect(tooLong.message).toBe(
        'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
      );
      await expect(longest).resolves.toHaveProperty('MessageId');
    });

    it('reports a batch entry with DelaySeconds over 900 as Failed and sends the rest', async () => {
      // Prepare
      const url = await queueWith(0);

      // Act
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'now', MessageBody: 'now' },
            { Id: 'late', MessageBody: 'late', DelaySeconds: 901 },
          ],
        }),
      );

      // Assess
      expect(result.Successful?.map((entry) => entry.Id)).toEqual(['now']);
      expect(result.Failed).toEqual([
        {
          Id: 'late',
          SenderFault: true,
          Code: 'InvalidParameterValue',
          Message: expect.stringContaining('DelaySeconds must be >= 0 and <= 900'),
        },
      ]);
      expect((await receive(url, 10)).map((m) => m.Body)).toEqual(['now']);
    });

    it('refuses MaxNumberOfMessages over 10, under the name AWS gives the error', async () => {
      // Prepare
      const url = await queueWith(1);

      // Act
      const tooMany = await failureOf(() => receive(url, 11));
      const notInFlight = await failureOf(() =>
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: 'no-such-handle',
            VisibilityTimeout: 60,
          }),
        ),
      );

      // Assess
      // fauxqs refuses both itself; AWS names the first without `AWS.SimpleQueueService.`.
      expect(tooMany.name).toBe('InvalidParameterValue');
      expect(tooMany.$metadata).toMatchObject({ httpStatusCode: 400 });
      expect(tooMany.message).toContain('MaxNumberOfMessages');
      expect(notInFlight.name).toBe('MessageNotInflight');
    });
  });
});

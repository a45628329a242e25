import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { signWebhook } from '@hookline/receiver';
import {
  createWebhookReceiverHandler,
  type HttpApiEvent,
  parseSecretValue,
} from '@hookline/receiver/middy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '#shared/settings';
import { generateSecret } from '../../lambda/domain/signing';
import { localContext } from '../../lib/local/lambda-context';
import { type StandIns, startStandIns } from '../../lib/local/stand-ins';
import { createIdempotencyTable } from '../support/idempotency-table';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const secret = generateSecret();

let dataDir: string;
let standIns: StandIns;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let run = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hookline-receiver-'));
  standIns = await startStandIns(dataDir, defaultSettings);
  dynamo = new DynamoDBClient({ endpoint: standIns.dynamoEndpoint, region, credentials });
  sqs = new SQSClient({
    endpoint: standIns.sqsEndpoint,
    region,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
});

afterAll(async () => {
  dynamo.destroy();
  sqs.destroy();
  await standIns.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh queue and idempotency table per test, as the WebhookReceiver construct makes them. */
async function aReceiver(options: { sqsClient?: SQSClient } = {}) {
  run += 1;
  const tableName = `receiver-idempotency-${run}`;
  await createIdempotencyTable(dynamo, tableName);
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `receiver-work-${run}` }),
  );
  const queueUrl = QueueUrl ?? '';
  const handler = createWebhookReceiverHandler({
    secrets: secret,
    queueUrl,
    sqsClient: options.sqsClient ?? sqs,
    deduplicate: {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamo }),
    },
  });
  const invoke = (event: HttpApiEvent) => handler(event, localContext('receiver', 10_000));
  const queued = async (): Promise<Message[]> => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  };
  const remembered = async () =>
    (await dynamo.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return { invoke, queued, remembered, queueUrl };
}

/** An API Gateway HTTP API event carrying a delivery signed with `secrets`. */
function aDelivery(
  overrides: { secrets?: string; id?: string; base64?: boolean; body?: string } = {},
): HttpApiEvent {
  const body =
    overrides.body ??
    JSON.stringify({
      type: 'invoice.paid',
      timestamp: new Date().toISOString(),
      data: { invoiceId: 'in_1042', amount: 4900 },
    });
  const signed = signWebhook(overrides.secrets ?? secret, body, {
    id: overrides.id ?? `msg_${Math.random().toString(36).slice(2)}`,
  });
  return {
    headers: { ...signed.headers },
    body: overrides.base64 ? Buffer.from(signed.body).toString('base64') : signed.body,
    isBase64Encoded: overrides.base64 ?? false,
  };
}

/** Holds every SQS send until released: a queue that is slow to answer. */
function aSlowSqsClient() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let sends = 0;
  const client = new SQSClient({
    endpoint: standIns.sqsEndpoint,
    region,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      sends += 1;
      await released;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, release, sends: () => sends };
}

describe('createWebhookReceiverHandler', () => {
  let receiver: Awaited<ReturnType<typeof aReceiver>>;
  beforeEach(async () => {
    receiver = await aReceiver();
  });

  it('queues a verified delivery with its body as received and answers 202', async () => {
    // Prepare
    const delivery = aDelivery({ id: 'msg_first' });

    // Act
    const answer = await receiver.invoke(delivery);
    const [message, ...others] = await receiver.queued();

    // Assess
    expect(answer).toMatchObject({ statusCode: 202 });
    expect(others).toEqual([]);
    expect(message?.Body).toBe(delivery.body);
    expect(message?.MessageAttributes?.['webhook-id']?.StringValue).toBe('msg_first');
    expect(message?.MessageAttributes?.['webhook-type']?.StringValue).toBe('invoice.paid');
  });

  it('queues the work once when the same delivery arrives twice, and answers both 202', async () => {
    // Prepare
    const delivery = aDelivery({ id: 'msg_twice' });
    const retry = { ...delivery, headers: { ...delivery.headers } };

    // Act
    const first = await receiver.invoke(delivery);
    const second = await receiver.invoke(retry);
    const queued = await receiver.queued();

    // Assess
    expect(first).toMatchObject({ statusCode: 202 });
    expect(second).toEqual(first);
    expect(queued).toHaveLength(1);
  });

  it('answers 401 problem+json to a bad signature, queues nothing and remembers nothing', async () => {
    // Prepare
    const forged = aDelivery({ secrets: generateSecret() });

    // Act
    const answer = await receiver.invoke(forged);

    // Assess
    expect(answer.statusCode).toBe(401);
    expect(answer.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(answer.body ?? '')).toMatchObject({ status: 401, code: 'bad_signature' });
    expect(await receiver.queued()).toEqual([]);
    expect(await receiver.remembered()).toEqual([]);
  });

  it('verifies a body API Gateway passed base64-encoded', async () => {
    // Act
    const answer = await receiver.invoke(aDelivery({ base64: true }));

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse((await receiver.queued())[0]?.Body ?? '')).toMatchObject({
      type: 'invoice.paid',
    });
  });

  it('answers before a slow worker has done the work', async () => {
    // Prepare: a worker that takes the message and holds it until the test lets it finish
    let finishWork: () => void = () => {};
    const workDone = new Promise<void>((resolve) => {
      finishWork = resolve;
    });
    let workFinished = false;
    const worker = (async () => {
      let messages: Message[] = [];
      while (messages.length === 0) messages = await receiver.queued();
      await workDone;
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: receiver.queueUrl,
          ReceiptHandle: messages[0]?.ReceiptHandle,
        }),
      );
      workFinished = true;
      return messages;
    })();

    // Act
    const answer = await receiver.invoke(aDelivery({ id: 'msg_slow_worker' }));

    // Assess: answered while the worker is still busy with this very delivery
    expect(answer.statusCode).toBe(202);
    expect(workFinished).toBe(false);
    finishWork();
    const worked = await worker;
    expect(worked[0]?.MessageAttributes?.['webhook-id']?.StringValue).toBe('msg_slow_worker');
  });

  it('answers 409 to a repeat that arrives while the first is still queuing, and still queues once', async () => {
    // Prepare
    const slowQueue = aSlowSqsClient();
    const slow = await aReceiver({ sqsClient: slowQueue.client });
    const delivery = aDelivery({ id: 'msg_concurrent' });

    // Act
    const first = slow.invoke(delivery);
    while (slowQueue.sends() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const repeatDuringFirst = await slow.invoke({ ...delivery });
    slowQueue.release();
    const firstAnswer = await first;
    const repeatAfterFirst = await slow.invoke({ ...delivery });

    // Assess
    expect(repeatDuringFirst.statusCode).toBe(409);
    expect(firstAnswer.statusCode).toBe(202);
    expect(repeatAfterFirst).toEqual(firstAnswer);
    expect(await slow.queued()).toHaveLength(1);
    slowQueue.client.destroy();
  });

  it('forgets a delivery it failed to queue, so the retry from Hookline queues it', async () => {
    // Prepare: the first send fails as if SQS were unavailable
    let failNext = true;
    const flaky = new SQSClient({
      endpoint: standIns.sqsEndpoint,
      region,
      credentials,
      useQueueUrlAsEndpoint: false,
    });
    flaky.middlewareStack.add(
      (next) => async (args) => {
        if (failNext) {
          failNext = false;
          throw new Error('SQS unavailable');
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const receiverOnFlakyQueue = await aReceiver({ sqsClient: flaky });
    const delivery = aDelivery({ id: 'msg_flaky' });

    // Act
    const firstTry = await receiverOnFlakyQueue.invoke(delivery).catch((error: Error) => error);
    const retry = await receiverOnFlakyQueue.invoke({ ...delivery });

    // Assess
    expect(firstTry).toBeInstanceOf(Error);
    expect(retry.statusCode).toBe(202);
    expect(await receiverOnFlakyQueue.queued()).toHaveLength(1);
    flaky.destroy();
  });
});

describe('parseSecretValue', () => {
  it('reads one secret, several separated by spaces, commas or lines, or a JSON array', () => {
    // Act
    const values = [
      'whsec_a',
      ' whsec_a whsec_b\n',
      'whsec_a,whsec_b',
      '["whsec_a", "whsec_b"]',
    ].map(parseSecretValue);

    // Assess
    expect(values).toEqual([
      ['whsec_a'],
      ['whsec_a', 'whsec_b'],
      ['whsec_a', 'whsec_b'],
      ['whsec_a', 'whsec_b'],
    ]);
  });
});

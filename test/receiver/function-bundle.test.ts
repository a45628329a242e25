import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { signWebhook } from '@hookline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '#shared/settings';
import { generateSecret } from '../../lambda/domain/signing';
import { SecretsManagerStandIn } from '../../lib/local/secrets-manager-stand-in';
import { type StandIns, startStandIns } from '../../lib/local/stand-ins';
import { createIdempotencyTable } from '../support/idempotency-table';

const BUNDLE = resolve(import.meta.dirname, '../../packages/receiver/function/index.mjs');
const RUNNER = resolve(import.meta.dirname, 'invoke-bundle.mjs');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:webhook-AbCdEf';
const BROKEN_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:broken-AbCdEf';

/**
 * The bundle the WebhookReceiver construct deploys (`packages/receiver/function/index.mjs`),
 * run in its own Node process against dynalite, fauxqs and a Secrets Manager stand-in: the
 * artifact that ships, not its sources.
 */
describe('the shipped verifying function', () => {
  const secret = generateSecret();
  let dataDir: string;
  let standIns: StandIns;
  let secretsManager: SecretsManagerStandIn;
  let sqs: SQSClient;
  let queueUrl = '';
  const tableName = 'bundle-idempotency';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hookline-bundle-'));
    standIns = await startStandIns(dataDir, defaultSettings);
    secretsManager = await new SecretsManagerStandIn().start();
    secretsManager.secrets.set(SECRET_ARN, `${secret} ${generateSecret()}`);
    // What the construct's placeholder looks like before the user sets it: not base64.
    secretsManager.secrets.set(BROKEN_SECRET_ARN, 'Xk!p#placeholder%value');
    const dynamo = new DynamoDBClient({ endpoint: standIns.dynamoEndpoint, region, credentials });
    await createIdempotencyTable(dynamo, tableName);
    dynamo.destroy();
    sqs = new SQSClient({
      endpoint: standIns.sqsEndpoint,
      region,
      credentials,
      useQueueUrlAsEndpoint: false,
    });
    await sqs.send(new CreateQueueCommand({ QueueName: 'bundle-work' }));
    // fauxqs finds a queue by the name at the end of its URL; this host is the one listening.
    queueUrl = `${standIns.sqsEndpoint}/000000000000/bundle-work`;
  });

  afterAll(async () => {
    sqs.destroy();
    await secretsManager.stop();
    await standIns.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Invokes the bundle once per event in one process, as one warm Lambda instance would. */
  async function invokeBundle(events: unknown[], secretArn = SECRET_ARN): Promise<unknown[]> {
    const child = spawn(process.execPath, [RUNNER, BUNDLE], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: standIns.dynamoEndpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
        WEBHOOK_SECRET_ARN: secretArn,
        WEBHOOK_QUEUE_URL: queueUrl,
        IDEMPOTENCY_TABLE_NAME: tableName,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.stdin.end(JSON.stringify(events));
    const code = await new Promise((done) => child.once('exit', done));
    if (code !== 0) throw new Error(`the bundle run failed (${code}):\n${stderr}`);
    return JSON.parse(stdout) as unknown[];
  }

  const anHttpApiEvent = (signed: { headers: Record<string, string>; body: string }) => ({
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    headers: signed.headers,
    body: signed.body,
    isBase64Encoded: false,
  });

  async function queuedMessages() {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    return Messages ?? [];
  }

  it('queues a delivery once however often it arrives, and refuses a forged one', async () => {
    // Prepare
    const payload = { type: 'invoice.paid', timestamp: new Date().toISOString(), data: { n: 1 } };
    const delivery = anHttpApiEvent(signWebhook(secret, payload, { id: 'msg_bundle_1' }));
    const forged = anHttpApiEvent(signWebhook(generateSecret(), payload, { id: 'msg_forged' }));

    // Act
    const answers = await invokeBundle([delivery, delivery, forged]);
    const queued = await queuedMessages();

    // Assess
    expect(answers).toMatchObject([
      { statusCode: 202 },
      { statusCode: 202 },
      { statusCode: 401, headers: { 'content-type': 'application/problem+json' } },
    ]);
    expect(queued.map((message) => message.Body)).toEqual([delivery.body]);
  });

  it('answers 500 bad_secret while the secret still holds the placeholder, so Hookline retries', async () => {
    // Prepare
    const payload = { type: 'invoice.paid', timestamp: new Date().toISOString(), data: { n: 2 } };

    // Act
    const [answer] = await invokeBundle(
      [anHttpApiEvent(signWebhook(secret, payload))],
      BROKEN_SECRET_ARN,
    );

    // Assess
    expect(answer).toMatchObject({ statusCode: 500 });
    expect(JSON.parse((answer as { body: string }).body)).toMatchObject({ code: 'bad_secret' });
  });
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { IConstruct } from 'constructs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type ReceiverExampleStack } from '../../examples/receiver-app/app';
import { arnOf, type CfnResource, ref, repoRoot } from './synth';

const exampleDir = path.join(repoRoot, 'examples', 'receiver-app');

// One synth of the example as `cdk synth -c alarmEmail=…` runs it, bundling the worker with
// the local esbuild (no Docker).
let app: App;
let stack: ReceiverExampleStack;
let t: Template;

beforeAll(() => {
  const { context } = JSON.parse(readFileSync(path.join(exampleDir, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  ({ app, stack } = buildApp({ context: { ...context, alarmEmail: 'ops@example.com' } }));
  t = Template.fromStack(stack);
}, 60_000);

const idOf = (construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

describe('the example app', () => {
  it('synthesizes the receiver in front of the bundled worker', () => {
    // Prepare
    const worker = t.toJSON().Resources[idOf(stack.worker)] as CfnResource;
    const { S3Key } = (worker.Properties as { Code: { S3Key: string } }).Code;

    // Act
    const bundle = path.join(app.outdir, `asset.${S3Key.replace(/\.zip$/, '')}`, 'index.mjs');

    // Assess
    expect(worker.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
    expect(existsSync(bundle)).toBe(true);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(idOf(stack.worker)),
      EventSourceArn: arnOf(idOf(stack.receiver.queue)),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('outputs the URL to register in Hookline and the secret to set', () => {
    // Prepare, Act
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(outputs.WebhookUrl?.Value).toEqual(stack.resolve(stack.receiver.url));
    expect(outputs.WebhookSecretArn?.Value).toEqual(ref(idOf(stack.receiver.secret)));
  });
});

describe('the example worker', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const record = (messageId: string, body: unknown, id?: string): SQSRecord =>
    ({
      messageId,
      receiptHandle: `${messageId}-receipt`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {},
      messageAttributes: id ? { 'webhook-id': { dataType: 'String', stringValue: id } } : {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:queue',
      awsRegion: 'eu-west-1',
    }) as SQSRecord;

  it('reports only the messages that are not deliveries as failed', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const { handler } = await import('../../examples/receiver-app/worker');
    const paid = {
      type: 'invoice.paid',
      timestamp: '2026-11-27T09:30:00.000Z',
      data: { invoiceId: 'in_1042', amount: 4900 },
    };
    const event: SQSEvent = {
      Records: [
        record('m1', paid, 'msg_1'),
        record('m2', { ...paid, type: 'customer.created' }, 'msg_2'),
        record('m3', 'not json', 'msg_3'),
        record('m4', paid),
      ],
    };

    // Act
    const response = await handler(event, { functionName: 'worker' } as Context);

    // Assess: an unhandled type is not a failure; a broken body or a missing id is.
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'm3' },
      { itemIdentifier: 'm4' },
    ]);
  });
});

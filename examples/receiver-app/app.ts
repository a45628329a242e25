/**
 * A CDK app receiving Hookline webhooks: the WebhookReceiver construct in front of the worker
 * of worker.ts. `bin/app.ts` runs it for the CDK CLI; `buildApp` is exported for tests.
 */
import path from 'node:path';
import { WebhookReceiver } from '@hookline/receiver/cdk';
import { App, type AppProps, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

export interface ReceiverExampleStackProps extends StackProps {
  /** Where the receiver's alarms are mailed. @default - alarms without notification */
  readonly alarmEmail?: string;
}

export class ReceiverExampleStack extends Stack {
  readonly worker: NodejsFunction;
  readonly receiver: WebhookReceiver;

  constructor(scope: Construct, id: string, props: ReceiverExampleStackProps = {}) {
    super(scope, id, props);

    // Bundled with esbuild on this machine at synth: no Docker needed.
    this.worker = new NodejsFunction(this, 'Worker', {
      entry: path.join(import.meta.dirname, 'worker.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      logGroup: new LogGroup(this, 'WorkerLogs', { retention: RetentionDays.ONE_MONTH }),
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // esbuild's ESM output has no `require`; CommonJS dependencies still call it.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    });

    let alarmTopic: Topic | undefined;
    if (props.alarmEmail) {
      alarmTopic = new Topic(this, 'AlarmTopic', { enforceSSL: true });
      alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    this.receiver = new WebhookReceiver(this, 'Receiver', {
      worker: this.worker,
      ...(alarmTopic && { alarmTopic }),
    });

    new CfnOutput(this, 'WebhookUrl', {
      description: 'Register it in Hookline: POST /v1/endpoints {"url": "<this URL>"}',
      value: this.receiver.url,
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      description:
        "Put the endpoint's whsec_ secret here: aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string 'whsec_…'",
      value: this.receiver.secret.secretArn,
    });
  }
}

/** The app with its one stack; `-c alarmEmail=you@example.com` mails the alarms. */
export function buildApp(props: AppProps = {}): { app: App; stack: ReceiverExampleStack } {
  const app = new App(props);
  const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');
  const stack = new ReceiverExampleStack(app, 'HooklineReceiverExample', {
    description: 'Receives Hookline webhooks and hands them to a worker function',
    ...(typeof alarmEmail === 'string' && alarmEmail !== '' && { alarmEmail }),
  });
  return { app, stack };
}

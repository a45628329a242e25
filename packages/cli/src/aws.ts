/**
 * The AWS calls the CLI makes besides the HTTP API. Imported only by the commands that need
 * them, so the rest start without loading the SDK.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { CliError } from './errors.js';

const regionOption = (region: string | undefined) => (region ? { region } : {});

/** Why an AWS call failed, in one line: the SDK's own message names the service's error. */
function awsFailure(what: string, error: unknown): CliError {
  const name = (error as Error).name;
  const message = (error as Error).message;
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new CliError(`${what}: no AWS credentials (${message})`);
  }
  if (/region is missing/i.test(message)) {
    return new CliError(`${what}: no AWS region: give --region or set AWS_REGION`);
  }
  return new CliError(`${what}: ${name}: ${message}`);
}

/** The outputs of a CloudFormation stack, by output key. */
export async function stackOutputs(
  stackName: string,
  region: string | undefined,
): Promise<Record<string, string>> {
  const client = new CloudFormationClient(regionOption(region));
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs: Record<string, string> = {};
    for (const output of Stacks?.[0]?.Outputs ?? []) {
      if (output.OutputKey && output.OutputValue !== undefined) {
        outputs[output.OutputKey] = output.OutputValue;
      }
    }
    return outputs;
  } catch (error) {
    throw awsFailure(`cannot read stack ${stackName}`, error);
  } finally {
    client.destroy();
  }
}

export async function readSecret(secretId: string, region: string | undefined): Promise<string> {
  const client = new SecretsManagerClient(regionOption(region));
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!SecretString) throw new CliError(`secret ${secretId} holds no text`);
    return SecretString.trim();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw awsFailure('cannot read the admin key from Secrets Manager', error);
  } finally {
    client.destroy();
  }
}

export interface BusTarget {
  readonly busName: string;
  /** Set for local mode, which answers PutEvents on its API port. */
  readonly localEndpoint?: string;
  readonly region?: string;
}

/** One entry's answer: EventBridge's id for it, or why it was not put. */
export type PutResult = PutEventsResultEntry;

/** PutEvents takes at most this many entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** Puts entries on the bus, 10 per call, and answers one result per entry, in order. */
export async function putEvents(
  target: BusTarget,
  entries: readonly Omit<PutEventsRequestEntry, 'EventBusName'>[],
): Promise<PutResult[]> {
  const client = new EventBridgeClient(
    target.localEndpoint
      ? {
          endpoint: target.localEndpoint,
          region: 'us-east-1',
          // Local mode checks no signature; the SDK still wants something to sign with.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : regionOption(target.region),
  );
  const results: PutResult[] = [];
  try {
    for (let start = 0; start < entries.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const chunk = entries.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      const answer = await client.send(
        new PutEventsCommand({
          Entries: chunk.map((entry) => ({ ...entry, EventBusName: target.busName })),
        }),
      );
      results.push(...(answer.Entries ?? []));
    }
    return results;
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).code;
    if (code === 'ECONNREFUSED' && target.localEndpoint) {
      throw new CliError(
        `cannot reach ${target.localEndpoint} (connection refused): is local mode running (npm start)?`,
      );
    }
    throw awsFailure(`PutEvents on bus ${target.busName} failed`, error);
  } finally {
    client.destroy();
  }
}

/** The error names AWS answers a name or ARN that names nothing with. */
const NOT_FOUND = new Set([
  'NotFound',
  'NotFoundException',
  'ResourceNotFound',
  'ResourceNotFoundException',
  'DashboardNotFoundError',
]);

const isNotFound = (error: unknown) => NOT_FOUND.has((error as Error).name);

/** An SNS topic's subscriptions by state; undefined when the topic does not exist. */
export async function topicSubscriptions(
  topicArn: string,
  region: string | undefined,
): Promise<{ confirmed: number; pending: number } | undefined> {
  const client = new SNSClient(regionOption(region));
  try {
    const { Attributes = {} } = await client.send(
      new GetTopicAttributesCommand({ TopicArn: topicArn }),
    );
    return {
      confirmed: Number(Attributes.SubscriptionsConfirmed ?? 0),
      pending: Number(Attributes.SubscriptionsPending ?? 0),
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw awsFailure(`cannot read the SNS topic ${topicArn}`, error);
  } finally {
    client.destroy();
  }
}

/** How many widgets a CloudWatch dashboard has; undefined when there is no such dashboard. */
export async function dashboardWidgets(
  name: string,
  region: string | undefined,
): Promise<number | undefined> {
  const client = new CloudWatchClient(regionOption(region));
  try {
    const { DashboardBody } = await client.send(new GetDashboardCommand({ DashboardName: name }));
    const body = JSON.parse(DashboardBody ?? '{}') as { widgets?: unknown[] };
    return body.widgets?.length ?? 0;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw awsFailure(`cannot read the CloudWatch dashboard ${name}`, error);
  } finally {
    client.destroy();
  }
}

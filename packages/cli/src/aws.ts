/**
 * The AWS calls the CLI makes besides the HTTP API. Imported only by the commands that need
 * them, so the rest start without loading the SDK.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CliError } from './errors.js';

const regionOption = (region: string | undefined) => (region ? { region } : {});

/** Why an AWS call failed, in one line: the SDK's own message names the service's error. */
function awsFailure(what: string, error: unknown): CliError {
  const name = (error as Error).name;
  const message = (error as Error).message;
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new CliError(`${what}: no AWS credentials (${message})`);
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

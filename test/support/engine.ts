/** What the engine tests read besides the API: the local queues, and dead letters page by page. */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import type { LocalSystem } from './local-system';
import type { Receiver } from './receiver';

/** Creates an endpoint at `path` of the receiver in `tenant`; returns its id. */
export async function anEndpointAt(
  system: LocalSystem,
  receiver: Receiver,
  path: string,
  tenant: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await system.request('POST', '/v1/endpoints', {
    url: receiver.url(path),
    tenant,
    ...extra,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** Publishes `count` invoice.paid events to `tenant` in one batch; returns their ids. */
export async function publishBatch(
  system: LocalSystem,
  tenant: string,
  count: number,
): Promise<string[]> {
  const events = Array.from({ length: count }, () => ({
    type: 'invoice.paid',
    tenant,
    data: exampleOf('invoice.paid'),
  }));
  const response = await system.request('POST', '/v1/events/batch', { events });
  expect(response.status).toBe(202);
  return ((await response.json()) as { results: { id: string }[] }).results.map((r) => r.id);
}

/** The webhook ids `path` answered with a 2xx. */
export const deliveredIds = (receiver: Receiver, path: string): Set<string> =>
  new Set(receiver.accepted(path).map((r) => String(r.headers['webhook-id'])));

export interface DeadLetterView {
  readonly eventId: string;
  readonly endpointId: string;
  readonly reason: string;
  readonly attempts: number;
  readonly deadLetteredAt: string;
}

/** Every dead letter of one endpoint, following `nextCursor`. */
export async function allDeadLetters(
  system: LocalSystem,
  endpointId: string,
): Promise<DeadLetterView[]> {
  const letters: DeadLetterView[] = [];
  let cursor: string | undefined;
  do {
    const query = `endpointId=${endpointId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await system.request('GET', `/v1/dead-letters?${query}`);
    const page = (await response.json()) as { data: DeadLetterView[]; nextCursor?: string };
    letters.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return letters;
}

/** An SQS client on the local stand-in, as the AWS CLI would use it. */
export function localSqs(system: LocalSystem): SQSClient {
  return new SQSClient({
    endpoint: system.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
}

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<QueueCounts> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

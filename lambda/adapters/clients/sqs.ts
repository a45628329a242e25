import { SQSClient } from '@aws-sdk/client-sqs';
import { type ClientOwner, clientOf } from '../aws-clients';

/** The owner's SQS client. */
export const sqsClient = (owner: ClientOwner): SQSClient =>
  clientOf(owner, 'sqs', (base) => {
    const endpoint = owner.aws.endpoints?.sqs;
    // Queue URLs of local stand-ins name hosts that do not resolve; harmless in AWS.
    return new SQSClient({
      ...base,
      ...(endpoint !== undefined && { endpoint }),
      useQueueUrlAsEndpoint: false,
    });
  });

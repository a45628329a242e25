import { KMSClient } from '@aws-sdk/client-kms';
import { type ClientOwner, clientOf } from '../aws-clients';

/** The owner's KMS client (functions that seal or open endpoint secrets only). */
export const kmsClient = (owner: ClientOwner): KMSClient =>
  clientOf(owner, 'kms', (base) => {
    const endpoint = owner.aws.endpoints?.kms;
    return new KMSClient({ ...base, ...(endpoint !== undefined && { endpoint }) });
  });

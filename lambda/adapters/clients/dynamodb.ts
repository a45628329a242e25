import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ClientOwner, clientOf } from '../aws-clients';

/** The owner's DynamoDB document client; undefined attributes are left out, not refused. */
export const dynamoClient = (owner: ClientOwner): DynamoDBDocumentClient =>
  clientOf(owner, 'dynamodb', (base) => {
    const endpoint = owner.aws.endpoints?.dynamodb;
    return DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...base, ...(endpoint !== undefined && { endpoint }) }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  });

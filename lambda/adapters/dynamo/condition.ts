import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** True for a failed ConditionExpression, however the SDK build names the class. */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

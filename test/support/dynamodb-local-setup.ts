/**
 * vitest globalSetup: starts one DynamoDB Local for the whole test run and provides its
 * endpoint as `dynamoDbLocalEndpoint` at once, so the JVM starts while the first files run;
 * test files wait for it and create their own tables on it
 * (`attachDynamoDbLocal`). Without a working `java`, it provides nothing and the DynamoDB Local
 * suites are skipped. The teardown stops the server.
 */
import type { TestProject } from 'vitest/node';
import { javaAvailable, startDynamoDbLocalServer } from './dynamo';

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  if (!javaAvailable()) return undefined;
  const server = await startDynamoDbLocalServer();
  project.provide('dynamoDbLocalEndpoint', server.endpoint);
  return () => server.stop();
}

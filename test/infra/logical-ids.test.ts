import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, StackTemplate } from './synth';

/**
 * Logical ids of the resources that hold records or that users point at, taken from the
 * template as deployed before the restructuring of issue 8. CloudFormation replaces a
 * resource whose logical id changes: a table or queue would come back empty, the bus, secret
 * and topic with new ARNs, the API with a new URL. Moving a construct changes its id, so a
 * move must keep the id (e.g. `overrideLogicalId`) or be announced in the upgrade notes.
 */
const DEPLOYED: Readonly<Record<string, string>> = {
  StorageEventsTable624F63BE: 'AWS::DynamoDB::Table',
  StorageEndpointsTableDE5E748F: 'AWS::DynamoDB::Table',
  StorageDeliveriesTable581A0033: 'AWS::DynamoDB::Table',
  StorageAttemptsTable4BCCC2B1: 'AWS::DynamoDB::Table',
  StorageIdempotencyTable5D6E4193: 'AWS::DynamoDB::Table',
  StorageEndpointStateTable1B37B004: 'AWS::DynamoDB::Table',
  StorageJobsTable47C44CDA: 'AWS::DynamoDB::Table',
  StorageApiKeysTable3015C3B2: 'AWS::DynamoDB::Table',
  DeliveryPipelineDeliveryQueue7705159B: 'AWS::SQS::Queue',
  DeliveryPipelineDeadLetterQueue2329E637: 'AWS::SQS::Queue',
  ReplayJobsQueue2E884AEB: 'AWS::SQS::Queue',
  ReplayJobsDeadLetterQueue57A876AD: 'AWS::SQS::Queue',
  IngressIngestDlq10F88023: 'AWS::SQS::Queue',
  IngressEventBus2CF2DB68: 'AWS::Events::EventBus',
  AuthBootstrapAdminKeyD7CE6400: 'AWS::SecretsManager::Secret',
  MonitoringAlarmTopicKeyFFA45DC9: 'AWS::KMS::Key',
  MonitoringAlarmTopicAF62D4F1: 'AWS::SNS::Topic',
  ApiHttpApi4C294DC0: 'AWS::ApiGatewayV2::Api',
  ApiDefaultStage189A7074: 'AWS::ApiGatewayV2::Stage',
  ApiAccessLogs50B185DB: 'AWS::Logs::LogGroup',
  ApiIngestLogGroupFC281630: 'AWS::Logs::LogGroup',
  ApiManagementLogGroup31633D10: 'AWS::Logs::LogGroup',
  DeliveryPipelineDispatcherLogGroup0EEE654B: 'AWS::Logs::LogGroup',
  ReplayReplayLogGroup3532A6FC: 'AWS::Logs::LogGroup',
  AuthAuthorizerLogGroup6F66B229: 'AWS::Logs::LogGroup',
};

/**
 * Stateful resources added since (issue 9), pinned from their first deploy on: the key that
 * seals every endpoint secret (a new key could not decrypt them), the cursor signing secret,
 * the operations bus users put rules on, and the keys function's log group.
 */
const ADDED: Readonly<Record<string, string>> = {
  StorageEndpointSecretsKey5EE44B00: 'AWS::KMS::Key',
  ApiCursorSecretC1B03EE8: 'AWS::SecretsManager::Secret',
  IngressOperationsBus4B04CC2E: 'AWS::Events::EventBus',
  ApiKeysLogGroupAE36368A: 'AWS::Logs::LogGroup',
};

/**
 * The slow lane of the delivery queue (deliveries to slow or hanging endpoints), pinned from
 * its first deploy on: a new id would drop the deliveries waiting in it.
 */
const SLOW_LANE: Readonly<Record<string, string>> = {
  DeliveryPipelineSlowDeliveryQueue5BB493CB: 'AWS::SQS::Queue',
};

/** Polling endpoints' feeds (0.6), pinned from their first deploy on. */
const FEEDS: Readonly<Record<string, string>> = {
  StorageFeedsTableB7AA75EF: 'AWS::DynamoDB::Table',
};

const PINNED: Readonly<Record<string, string>> = {
  ...DEPLOYED,
  ...ADDED,
  ...SLOW_LANE,
  ...FEEDS,
};
const STATEFUL_TYPES = new Set(Object.values(PINNED));

let template: StackTemplate;

beforeAll(() => {
  template = new StackTemplate(buildStack());
}, 60_000);

describe('a deployed stack updates in place', () => {
  it.each(Object.entries(DEPLOYED))('keeps %s (%s)', (logicalId, type) => {
    expect(template.resources[logicalId]?.Type).toBe(type);
  });

  it.each(Object.entries(ADDED))('keeps %s (%s), added by issue 9', (logicalId, type) => {
    expect(template.resources[logicalId]?.Type).toBe(type);
  });

  it.each(Object.entries(SLOW_LANE))('keeps %s (%s), the slow lane', (logicalId, type) => {
    expect(template.resources[logicalId]?.Type).toBe(type);
  });

  it('pins the 25 deployed resources, the 4 added by issue 9 and the slow lane', () => {
    expect(Object.keys(DEPLOYED)).toHaveLength(25);
    expect(Object.keys(ADDED)).toHaveLength(4);
    expect(Object.keys(SLOW_LANE)).toHaveLength(1);
  });

  it('lists every stateful resource of the template, so a new one is guarded from the start', () => {
    const stateful = Object.entries(template.resources)
      .filter(([, resource]) => STATEFUL_TYPES.has(resource.Type))
      .map(([logicalId]) => logicalId);
    expect(stateful.sort()).toEqual(Object.keys(PINNED).sort());
  });
});

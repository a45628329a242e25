import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '../../lib/constructs/storage';
import {
  constructPaths,
  type PinnedResource,
  readPinList,
  STATEFUL_TYPES,
  statefulDrift,
} from './stateful-resources';
import { buildStack, type CfnResource, StackTemplate, type Synthesized } from './synth';

/**
 * lib/stateful-resources.json lists every table, queue, bus, key, secret, topic, log group,
 * bucket, the API and the console's distribution of the stack as deployed. CloudFormation
 * replaces a resource whose logical id, type or an immutable property changes: a table, queue
 * or logs bucket would come back empty, the bus, secret and topic with new ARNs, the API and
 * the console with new URLs. Moving a construct changes its id, so a
 * move must keep the id (`overrideLogicalId`) or be announced in CHANGELOG.md.
 */
const pinned = readPinList().resources;

const driftOf = (built: Synthesized, pins: Readonly<Record<string, PinnedResource>> = pinned) =>
  statefulDrift(new StackTemplate(built).resources, constructPaths(built.stack), pins);

const cfn = <T extends CfnElement>(construct: Construct): T => construct.node.defaultChild as T;

describe('a deployed stack updates in place', () => {
  let template: StackTemplate;
  let built: Synthesized;

  beforeAll(() => {
    built = buildStack();
    template = new StackTemplate(built);
  }, 60_000);

  it('keeps every pinned resource, its type and the properties only a replacement changes', () => {
    expect(statefulDrift(template.resources, constructPaths(built.stack), pinned)).toEqual([]);
  });

  it('pins the tables, queues, buses, keys, secrets, topic, log groups, API, buckets and distribution', () => {
    const countOf = (type: string) => Object.values(pinned).filter((p) => p.type === type).length;
    expect(countOf('AWS::DynamoDB::Table')).toBe(9);
    expect(countOf('AWS::SQS::Queue')).toBe(6);
    expect(countOf('AWS::Events::EventBus')).toBe(2);
    expect(countOf('AWS::KMS::Key')).toBe(2);
    expect(countOf('AWS::SecretsManager::Secret')).toBe(2);
    expect(countOf('AWS::SNS::Topic')).toBe(1);
    // The console's files and access logs, and its distribution (its domain is the address).
    expect(countOf('AWS::S3::Bucket')).toBe(2);
    expect(countOf('AWS::CloudFront::Distribution')).toBe(1);
    expect(Object.keys(pinned)).toHaveLength(35);
  });

  it('has the same pinned resources in a staged stack, only its bus names derived from it', () => {
    // Prepare: the pins with the buses named after the staging stack.
    const stagedPins = Object.fromEntries(
      Object.entries(pinned).map(([id, pin]) => {
        const name = pin.immutable.Name;
        if (pin.type !== 'AWS::Events::EventBus' || typeof name !== 'string') return [id, pin];
        return [
          id,
          {
            ...pin,
            immutable: { ...pin.immutable, Name: name.replace(/^hookline/, 'hookline-staging') },
          },
        ];
      }),
    );

    // Act
    const drift = driftOf(buildStack({ stage: 'staging' }), stagedPins);

    // Assess
    expect(drift).toEqual([]);
  }, 60_000);
});

describe('the pin test fails', () => {
  it('when a stateful construct is moved to another scope, naming where it went', () => {
    // Prepare: the storage construct as a refactor might group it, under a new `Data` scope.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Hookline');
    new Storage(new Construct(stack, 'Data'), 'Storage');
    const storagePins = Object.fromEntries(
      Object.entries(pinned).filter(([, pin]) => pin.path.startsWith('Storage/')),
    );
    const resources = new StackTemplate({ app, stack } as unknown as Synthesized).resources;

    // Act
    const drift = statefulDrift(resources, constructPaths(stack), storagePins);

    // Assess: every table and the key is reported, each with where it went.
    expect(drift).toHaveLength(Object.keys(storagePins).length);
    expect(drift).toContainEqual(
      expect.stringMatching(
        /^StorageEventsTable624F63BE \(AWS::DynamoDB::Table, Storage\/EventsTable\) moved to Data\/Storage\/EventsTable as DataStorageEventsTable\w+: CloudFormation would replace it, empty; keep the id with overrideLogicalId\('StorageEventsTable624F63BE'\)$/,
      ),
    );
  });

  it('and not when the same construct stays where it was', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Hookline');
    new Storage(stack, 'Storage');
    const storagePins = Object.fromEntries(
      Object.entries(pinned).filter(([, pin]) => pin.path.startsWith('Storage/')),
    );
    const resources = new StackTemplate({ app, stack } as unknown as Synthesized).resources;
    expect(statefulDrift(resources, constructPaths(stack), storagePins)).toEqual([]);
  });

  it("when a table's key schema changes, which CloudFormation does by replacement", () => {
    // Prepare
    const built = buildStack();
    cfn<CfnTable>(built.stack.storage.tables.events).addPropertyOverride('KeySchema', [
      { AttributeName: 'tenant', KeyType: 'HASH' },
      { AttributeName: 'id', KeyType: 'RANGE' },
    ]);

    // Act
    const drift = driftOf(built);

    // Assess
    expect(drift).toEqual([
      expect.stringMatching(
        /^StorageEventsTable624F63BE \(Storage\/EventsTable\): KeySchema changed from .* to .*: CloudFormation replaces a AWS::DynamoDB::Table for that, and the new one starts empty$/,
      ),
      expect.stringMatching(
        /^StorageEventsTable624F63BE \(Storage\/EventsTable\): KeyAttributes changed/,
      ),
    ]);
  }, 60_000);

  it('when a queue becomes FIFO', () => {
    const built = buildStack();
    cfn<CfnQueue>(built.stack.ingress.deadLetterQueue as Queue).addPropertyOverride(
      'FifoQueue',
      true,
    );
    expect(driftOf(built)).toEqual([
      'IngressIngestDlq10F88023 (Ingress/IngestDlq): FifoQueue changed from null to true: CloudFormation replaces a AWS::SQS::Queue for that, and the new one starts empty',
    ]);
  }, 60_000);

  it('when a stateful resource is new, printing the entry to add', () => {
    // Prepare
    const built = buildStack();
    new Queue(built.stack, 'ArchiveQueue', { enforceSSL: true });

    // Act
    const drift = driftOf(built);

    // Assess
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatch(
      /^ArchiveQueue\w+ \(AWS::SQS::Queue, ArchiveQueue\) is stateful and not pinned: add to lib\/stateful-resources\.json \{"ArchiveQueue\w+":\{"type":"AWS::SQS::Queue","since":"NEXT","path":"ArchiveQueue","immutable":\{"QueueName":null,"FifoQueue":null\}\}\}$/,
    );
  }, 60_000);

  it('covers only types that hold records or that users point at', () => {
    const types = new Set(Object.values(pinned).map((pin) => pin.type));
    expect(types).toEqual(STATEFUL_TYPES);
    const resources: Record<string, CfnResource> = {};
    expect(statefulDrift(resources, new Map(), {})).toEqual([]);
  });
});

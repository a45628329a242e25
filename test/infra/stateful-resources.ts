/**
 * The check behind lib/stateful-resources.json: every resource that holds records or that
 * users point at keeps its logical id, its type and the properties CloudFormation can only
 * change by replacing it. A stateful resource new to the template must be added to the list.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CfnElement, type Stack } from 'aws-cdk-lib';
import type { CfnResource } from './synth';

export const PIN_LIST = path.resolve(import.meta.dirname, '../../lib/stateful-resources.json');

/**
 * Per stateful type, the properties whose change CloudFormation does by replacement ("Update
 * requires: Replacement"), or refuses outright (a KMS key's spec and usage). A table's key
 * attribute types count too: `KeyAttributes` is derived from `AttributeDefinitions`.
 */
export const IMMUTABLE_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'KeyAttributes', 'LocalSecondaryIndexes'],
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  'AWS::Events::EventBus': ['Name', 'EventSourceName'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'MultiRegion'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::Logs::LogGroup': ['LogGroupName', 'LogGroupClass'],
  'AWS::ApiGatewayV2::Api': ['ProtocolType'],
  'AWS::ApiGatewayV2::Stage': ['StageName'],
  // The access logs bucket holds CloudFront's and S3's logs; a new one starts empty.
  'AWS::S3::Bucket': ['BucketName'],
  // Its domain is the console's address, which portal links handed out start with: a new
  // distribution gets a new domain, though no property change replaces it.
  'AWS::CloudFront::Distribution': [],
};

export const STATEFUL_TYPES: ReadonlySet<string> = new Set(Object.keys(IMMUTABLE_PROPERTIES));

export interface PinnedResource {
  readonly type: string;
  /** The release that deployed it first. */
  readonly since: string;
  /** Its construct path below the stack, for the reader: `Storage/EventsTable`. */
  readonly path: string;
  /** The value of each of its type's immutable properties; `null` when not set. */
  readonly immutable: Readonly<Record<string, unknown>>;
}

export interface PinList {
  readonly resources: Readonly<Record<string, PinnedResource>>;
}

export const readPinList = (): PinList => JSON.parse(readFileSync(PIN_LIST, 'utf8')) as PinList;

/** The construct path below the stack of every resource of `stack`, by logical id. */
export function constructPaths(stack: Stack): Map<string, string> {
  const paths = new Map<string, string>();
  for (const child of stack.node.findAll()) {
    if (!CfnElement.isCfnElement(child)) continue;
    const below = child.node.path.split('/').slice(1);
    // `Storage/EventsTable/Resource` reads as `Storage/EventsTable`.
    if (below.at(-1) === 'Resource') below.pop();
    paths.set(stack.resolve(child.logicalId) as string, below.join('/'));
  }
  return paths;
}

/** The immutable properties of one resource as the list holds them. */
export function immutableOf(resource: CfnResource): Record<string, unknown> {
  const properties = resource.Properties ?? {};
  const keyAttributes = () => {
    const keys = (properties.KeySchema ?? []) as { AttributeName: string }[];
    const definitions = (properties.AttributeDefinitions ?? []) as {
      AttributeName: string;
      AttributeType: string;
    }[];
    return keys.map(
      ({ AttributeName }) =>
        `${AttributeName}:${definitions.find((d) => d.AttributeName === AttributeName)?.AttributeType}`,
    );
  };
  return Object.fromEntries(
    (IMMUTABLE_PROPERTIES[resource.Type] ?? []).map((name) => [
      name,
      name === 'KeyAttributes' ? keyAttributes() : (properties[name] ?? null),
    ]),
  );
}

/** The entry the list would need for a resource of the template. */
export function pinFor(
  resource: CfnResource,
  constructPath: string,
  since: string,
): PinnedResource {
  return { type: resource.Type, since, path: constructPath, immutable: immutableOf(resource) };
}

const show = (value: unknown) => JSON.stringify(value);

/**
 * What a deploy of `resources` would do to the pinned ones, one line each: a pinned resource
 * gone (deleted, or moved under a new id), its type or an immutable property changed
 * (replaced), or a stateful resource the list does not hold yet. Empty when it updates in place.
 */
export function statefulDrift(
  resources: Readonly<Record<string, CfnResource>>,
  paths: ReadonlyMap<string, string>,
  pinned: Readonly<Record<string, PinnedResource>>,
): string[] {
  const problems: string[] = [];
  const unpinned = Object.entries(resources).filter(
    ([id, resource]) => STATEFUL_TYPES.has(resource.Type) && !(id in pinned),
  );
  const movedTo = new Set<string>();
  for (const [id, pin] of Object.entries(pinned)) {
    const resource = resources[id];
    if (resource === undefined) {
      // A construct that moved keeps its name as the last part of its path.
      const name = pin.path.split('/').at(-1);
      const moved = unpinned.find(
        ([other, r]) =>
          r.Type === pin.type &&
          !movedTo.has(other) &&
          paths.get(other)?.split('/').at(-1) === name,
      );
      if (moved !== undefined) movedTo.add(moved[0]);
      problems.push(
        moved === undefined
          ? `${id} (${pin.type}, ${pin.path}) is gone: CloudFormation would delete it, and its records with it`
          : `${id} (${pin.type}, ${pin.path}) moved to ${paths.get(moved[0])} as ${moved[0]}: CloudFormation would replace it, empty; keep the id with overrideLogicalId('${id}')`,
      );
      continue;
    }
    if (resource.Type !== pin.type) {
      problems.push(
        `${id} changed type from ${pin.type} to ${resource.Type}: it would be replaced`,
      );
      continue;
    }
    const now = immutableOf(resource);
    for (const [property, was] of Object.entries(pin.immutable)) {
      if (show(now[property]) !== show(was)) {
        problems.push(
          `${id} (${pin.path}): ${property} changed from ${show(was)} to ${show(now[property])}: CloudFormation replaces a ${pin.type} for that, and the new one starts empty`,
        );
      }
    }
  }
  for (const [id, resource] of unpinned.filter(([id]) => !movedTo.has(id))) {
    const entry = pinFor(resource, paths.get(id) ?? '?', 'NEXT');
    problems.push(
      `${id} (${resource.Type}, ${entry.path}) is stateful and not pinned: add to lib/stateful-resources.json ${show({ [id]: entry })}`,
    );
  }
  return problems;
}

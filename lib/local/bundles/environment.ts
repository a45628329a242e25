/**
 * A synthesized function's environment in local mode: the template's `Environment.Variables`
 * with each CloudFormation reference resolved to the local stand-in it names, plus the few
 * variables local mode must set itself (`localOverrides`).
 */
import { operationsBus } from '#shared/bus';
import { functionEnv } from '#shared/functions';
import { type QueueName, queues } from '#shared/queues';
import {
  type HooklineSettings,
  localSettingEnvName,
  readSettings,
  settingEnvName,
  settingsEnvironment,
} from '#shared/settings';
import { type TableName, tables } from '#shared/tables';
import { LOCAL_CONSOLE_PATH } from '../../console/assets';
import { LOCAL_CREDENTIALS, LOCAL_ENDPOINT_CACHE_MS, LOCAL_REGION } from '../tables';
import { type Assembly, type BundledFunction, BundleError } from './assembly';

const LOCAL_ACCOUNT = '000000000000';

/** What the references of the template stand for in local mode. */
export interface LocalResources {
  readonly tableNames: Readonly<Record<TableName, string>>;
  readonly queueUrls: Readonly<Record<QueueName, string>>;
  /** Endpoints the SDK inside each bundle is pointed at (`AWS_ENDPOINT_URL_<SERVICE>`). */
  readonly endpoints: {
    readonly dynamodb: string;
    readonly sqs: string;
    readonly eventBridge: string;
    readonly kms: string;
    readonly secretsManager: string;
  };
}

/** A KMS key or secret the template references: the stand-ins must hold it under this ARN. */
export interface ReferencedKey {
  readonly arn: string;
  /** The variable that carries it, which says what it is for (`functionEnv`). */
  readonly variable: string;
}

export interface ResolvedEnvironment {
  readonly variables: Record<string, string>;
  readonly kmsKeys: ReferencedKey[];
  readonly secrets: ReferencedKey[];
}

type Resolver = (
  type: string,
  logicalId: string,
  attribute: string | undefined,
) => string | undefined;

/** How each variable Hookline's stack sets is resolved, by the variable's name. */
function resolverFor(
  variable: string,
  local: LocalResources,
  found: { kmsKeys: ReferencedKey[]; secrets: ReferencedKey[] },
): Resolver | undefined {
  const table = (Object.keys(tables) as TableName[]).find((t) => tables[t].envVar === variable);
  if (table) {
    return (type, _id, attribute) =>
      type === 'AWS::DynamoDB::Table' && !attribute ? local.tableNames[table] : undefined;
  }
  const queue = (Object.keys(queues) as QueueName[]).find(
    (q) => (queues[q] as { envVar?: string }).envVar === variable,
  );
  if (queue) {
    return (type, _id, attribute) =>
      type === 'AWS::SQS::Queue' && !attribute ? local.queueUrls[queue] : undefined;
  }
  if (variable === operationsBus.envVar) {
    return (type, _id, attribute) =>
      type === 'AWS::Events::EventBus' && !attribute ? operationsBus.defaultName : undefined;
  }
  if (variable === functionEnv.endpointSecretsKeyArn) {
    return (type, id, attribute) => {
      if (type !== 'AWS::KMS::Key' || attribute !== 'Arn') return undefined;
      const arn = `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${id}`;
      found.kmsKeys.push({ arn, variable });
      return arn;
    };
  }
  if (
    variable === functionEnv.cursorSecretArn ||
    variable === functionEnv.bootstrapAdminKeySecretArn
  ) {
    return (type, id, attribute) => {
      if (type !== 'AWS::SecretsManager::Secret' || attribute) return undefined;
      const arn = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${id}`;
      found.secrets.push({ arn, variable });
      return arn;
    };
  }
  return undefined;
}

/** `{Ref: id}` or `{'Fn::GetAtt': [id, attribute]}`; anything else is not a reference to resolve. */
function referenceOf(value: unknown): { logicalId: string; attribute?: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [key, target] = entries[0] as [string, unknown];
  if (key === 'Ref' && typeof target === 'string') return { logicalId: target };
  if (key === 'Fn::GetAtt' && Array.isArray(target) && target.length === 2) {
    return { logicalId: String(target[0]), attribute: String(target[1]) };
  }
  return undefined;
}

/**
 * What local mode sets over the template, and why: the SDK endpoints and dummy credentials,
 * because the stand-ins are not AWS (and this machine's own AWS config must not leak in);
 * ALLOW_PRIVATE_TARGETS, because local receivers are on loopback; the endpoint cache of one
 * second local mode keeps with the sources too; the log level local mode
 * runs with (WARN unless POWERTOOLS_LOG_LEVEL says otherwise, as for the sources); and what
 * Lambda itself sets in every instance. The settings are set after these (see
 * `functionEnvironment`).
 */
function localOverrides(fn: BundledFunction, local: LocalResources, configFile: string) {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // No shared config or credentials of this machine's user, as in Lambda.
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: configFile,
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: local.endpoints.sqs,
    AWS_ENDPOINT_URL_EVENTBRIDGE: local.endpoints.eventBridge,
    AWS_ENDPOINT_URL_KMS: local.endpoints.kms,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: local.endpoints.secretsManager,
    AWS_LAMBDA_FUNCTION_NAME: `hookline-${fn.name}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.assetDir,
    [functionEnv.allowPrivateTargets]: 'true',
    // Local mode's promise, whichever code runs: an endpoint changed or deleted is seen at once.
    [functionEnv.endpointCacheMs]: String(LOCAL_ENDPOINT_CACHE_MS),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  };
}

/**
 * The settings the template gives the functions (all of them are given the same), read as a
 * deployed function reads them: the base local mode's own settings start from.
 */
export function templateSettings(assembly: Assembly): Partial<HooklineSettings> {
  const variables = assembly.functions.ingest.variables;
  const read = readSettings((key) => {
    const value = variables[settingEnvName(key)];
    return typeof value === 'string' ? value : undefined;
  });
  if (read.problems.length > 0) {
    throw new BundleError(`the template's settings are invalid: ${read.problems.join('; ')}`);
  }
  return Object.fromEntries(
    Object.keys(read.values)
      .filter((key) => settingEnvName(key) in variables)
      .map((key) => [key, read.values[key as keyof HooklineSettings]]),
  );
}

/**
 * The environment of one function: its template variables with references resolved, then the
 * local overrides, then `settings` (what local mode runs with) over the template's settings
 * variables. A reference it cannot resolve, or a setting a deployed function would refuse,
 * fails here, naming the variable.
 */
export function functionEnvironment(
  assembly: Assembly,
  fn: BundledFunction,
  local: LocalResources,
  settings: HooklineSettings,
  given: ReadonlySet<string>,
  configFile: string,
): ResolvedEnvironment {
  const found = { kmsKeys: [] as ReferencedKey[], secrets: [] as ReferencedKey[] };
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.variables)) {
    if (name === functionEnv.consoleUrl) {
      // The template names the CloudFront distribution; locally the API's port serves it.
      variables[name] = `${local.endpoints.eventBridge}${LOCAL_CONSOLE_PATH}`;
      continue;
    }
    if (typeof value === 'string') {
      variables[name] = value;
      continue;
    }
    const reference = referenceOf(value);
    const target = reference && assembly.resources[reference.logicalId];
    const resolved =
      reference && target
        ? resolverFor(name, local, found)?.(target.Type, reference.logicalId, reference.attribute)
        : undefined;
    if (resolved === undefined) {
      throw new BundleError(
        `function ${fn.logicalId} (${fn.name}): cannot resolve its variable ${name} = ` +
          `${JSON.stringify(value)} to a local stand-in`,
      );
    }
    variables[name] = resolved;
  }
  Object.assign(variables, localOverrides(fn, local, configFile), settingsEnvironment(settings));
  const read = readSettings((key) => variables[settingEnvName(key)], {
    label: (key) => (given.has(key) ? localSettingEnvName(key) : settingEnvName(key)),
  });
  if (read.problems.length > 0) {
    throw new BundleError(
      `the bundles read their settings as deployed functions do, which refuse: ${read.problems.join('; ')}`,
    );
  }
  return { variables, ...found };
}

import { operationsBus } from '#shared/bus';
import { functionEnv } from '#shared/functions';
import { type QueueDefinition, queues } from '#shared/queues';
import { readSettings, settingEnvName } from '#shared/settings';
import { type TableName, tables } from '#shared/tables';
import { ConfigurationError } from '../domain/errors';
import { DEFAULT_ENDPOINT_CACHE_MS, type QueueWithUrl, type RuntimeConfig } from './config';

/** The one place functions read their environment; a missing variable fails loudly. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is not set`);
  }
  return value;
}

/**
 * What a deployed function is told by its environment (set by the CDK stack). Each table,
 * queue and the bus name is read when first asked for, so a function needs only the
 * variables of what it uses; settings are validated like cdk.json, with the same messages.
 */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const read = readSettings((key) => env[settingEnvName(key)] || undefined, {
    label: settingEnvName,
  });
  if (read.problems.length > 0) {
    throw new ConfigurationError(
      `invalid settings in the environment: ${read.problems.join('; ')}`,
    );
  }
  const cacheMs = Number(env[functionEnv.endpointCacheMs] || DEFAULT_ENDPOINT_CACHE_MS);
  if (!Number.isFinite(cacheMs) || cacheMs < 0) {
    throw new ConfigurationError(`${functionEnv.endpointCacheMs} must be a number of ms`);
  }
  return {
    settings: read.values,
    aws: {},
    tableName: (table: TableName) => requiredEnv(tables[table].envVar, env),
    queueUrl: (queue: QueueWithUrl) =>
      requiredEnv((queues[queue] as QueueDefinition).envVar as string, env),
    operationsBusName: () => requiredEnv(operationsBus.envVar, env),
    allowPrivateTargets: env[functionEnv.allowPrivateTargets] === 'true',
    endpointCacheMs: cacheMs,
    bootstrapAdminKeySecretArn: env[functionEnv.bootstrapAdminKeySecretArn] || undefined,
    endpointSecretsKeyArn: env[functionEnv.endpointSecretsKeyArn] || undefined,
    cursorSecretArn: env[functionEnv.cursorSecretArn] || undefined,
    consoleUrl: env[functionEnv.consoleUrl] || undefined,
  };
}

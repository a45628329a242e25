/**
 * Local mode's functions from the synthesized bundles (`HOOKLINE_BUNDLES`): each bundle in its
 * own worker thread with the environment the template gives it, resolved to the stand-ins,
 * and KMS and Secrets Manager stand-ins for what the bundles ask of AWS that local mode's
 * source functions are given in-process (the master key).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type FunctionName, functionEnv, functionNames } from '#shared/functions';
import type { HooklineSettings } from '#shared/settings';
import type { RuntimeConfig } from '../../../lambda/wiring/config';
import { localKey } from '../../../lambda/wiring/local-keys';
import { KmsStandIn } from '../kms-stand-in';
import { SecretsManagerStandIn } from '../secrets-manager-stand-in';
import type { StandIns } from '../stand-ins';
import { type Assembly, BundleError } from './assembly';
import { functionEnvironment, type LocalResources } from './environment';
import { type Invoke, isolatedCopy, startFunction } from './instance';

export interface BundleOptions {
  readonly assembly: Assembly;
  /** The DynamoDB and SQS stand-ins, with local mode's tables and queues. */
  readonly standIns: Pick<StandIns, 'dynamoEndpoint' | 'sqsEndpoint' | 'tableNames' | 'queueUrls'>;
  /** Where PutEvents goes (the local API server). */
  readonly busUrl: string;
  /** What local mode runs with; replaces the template's settings variables. */
  readonly settings: HooklineSettings;
  /** Settings given to local mode (`HOOKLINE_*`), named so in messages. */
  readonly given: ReadonlySet<string>;
  /** Local mode's master key: the KMS keys' material and the cursor secret derive from it. */
  readonly masterKey: Uint8Array;
  /** The admin key, which is also the deployment's bootstrap admin key secret. */
  readonly adminKey: string;
  readonly log: (line: string) => void;
}

export interface BundledFunctions {
  readonly invokers: Readonly<Record<FunctionName, Invoke>>;
  /**
   * Local mode's own view (the sandbox's signature check) when the bundles run: endpoint
   * secrets are sealed through the KMS stand-in, not with the master key directly.
   */
  hostConfig(config: RuntimeConfig): RuntimeConfig;
  stop(): Promise<void>;
}

/** What each secret the template references holds in local mode, by the variable naming it. */
function secretValue(variable: string, options: BundleOptions): string {
  if (variable === functionEnv.cursorSecretArn) {
    return Buffer.from(localKey(options.masterKey, 'cursors')).toString('base64url');
  }
  if (variable === functionEnv.bootstrapAdminKeySecretArn) return options.adminKey;
  throw new BundleError(`no local value for the secret of ${variable}`);
}

/**
 * Resolves every function's environment (a reference it cannot resolve fails before anything
 * runs), then starts one instance per function and waits until every bundle has loaded.
 */
export async function startBundledFunctions(options: BundleOptions): Promise<BundledFunctions> {
  const kms = await new KmsStandIn(options.masterKey).start();
  const secrets = await new SecretsManagerStandIn().start();
  const stopStandIns = () => Promise.all([kms.stop(), secrets.stop()]);
  const { standIns } = options;
  const resources: LocalResources = {
    tableNames: standIns.tableNames,
    queueUrls: standIns.queueUrls,
    endpoints: {
      dynamodb: standIns.dynamoEndpoint,
      sqs: standIns.sqsEndpoint,
      eventBridge: options.busUrl,
      kms: kms.endpoint,
      secretsManager: secrets.endpoint,
    },
  };
  let copy: ReturnType<typeof isolatedCopy> | undefined;
  const started: { stop: () => Promise<void> }[] = [];
  const cleanUp = async () => {
    await Promise.all(started.map((instance) => instance.stop()));
    await stopStandIns();
    if (copy) rmSync(copy.root, { recursive: true, force: true });
  };
  try {
    copy = isolatedCopy(functionNames.map((name) => options.assembly.functions[name]));
    const configFile = join(copy.root, 'no-aws-config');
    let keyArn: string | undefined;
    const environments = copy.functions.map((fn) => {
      const resolved = functionEnvironment(
        options.assembly,
        fn,
        resources,
        options.settings,
        options.given,
        configFile,
      );
      for (const key of resolved.kmsKeys) {
        kms.addKey(key.arn);
        keyArn = key.arn;
      }
      for (const secret of resolved.secrets)
        secrets.secrets.set(secret.arn, secretValue(secret.variable, options));
      return { fn, variables: resolved.variables };
    });
    const loading = environments.map(async ({ fn, variables }) => {
      const instance = await startFunction(fn, variables, options.log);
      started.push(instance);
      return [fn.name, instance.invoke] as const;
    });
    const loaded = await Promise.allSettled(loading);
    const failures = loaded.flatMap((result) =>
      result.status === 'rejected' ? [(result.reason as Error).message] : [],
    );
    if (failures.length > 0) throw new BundleError(failures.join('\n'));
    const invokers = Object.fromEntries(
      loaded.map(
        (result) => (result as PromiseFulfilledResult<readonly [FunctionName, Invoke]>).value,
      ),
    ) as Record<FunctionName, Invoke>;
    return {
      invokers,
      hostConfig: (config) =>
        keyArn === undefined
          ? config
          : {
              ...config,
              localMasterKey: undefined,
              endpointSecretsKeyArn: keyArn,
              aws: { ...config.aws, endpoints: { ...config.aws.endpoints, kms: kms.endpoint } },
            },
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

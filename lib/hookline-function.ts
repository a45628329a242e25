/**
 * The one Lambda function type of Hookline: every function's runtime, bundling, logging and
 * Powertools defaults live here, so the functions cannot drift apart.
 */
import path from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type FunctionName, HANDLER_METADATA_KEY } from '#shared/functions';
import { METRICS_NAMESPACE_ENV, metricNames } from '#shared/metrics';

/** Repository root: handler entries and the lock file are resolved from here, not from cwd. */
const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** Path of a function's handler module, which exports `handler`. */
export const handlerEntry = (name: FunctionName): string =>
  path.join(REPO_ROOT, 'lambda', 'handlers', `${name}.ts`);

export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/**
 * Props of {@link HooklineFunction}. `NodejsFunctionProps` members win over the defaults below,
 * except those fixed by convention: the code is always `lambda/handlers/<handlerName>.ts`
 * exporting `handler`, bundled against the repository's lock file, and logs always go to the
 * function's own log group (the deprecated `logRetention*` props are replaced by
 * `logRetentionDays`).
 */
export interface HooklineFunctionProps
  extends Omit<
    NodejsFunctionProps,
    | 'entry'
    | 'handler'
    | 'code'
    | 'depsLockFilePath'
    | 'projectRoot'
    | 'logGroup'
    | 'logRetention'
    | 'logRetentionRole'
    | 'logRetentionRetryOptions'
  > {
  /** Which handler module under `lambda/handlers/` this function runs. */
  readonly handlerName: FunctionName;
  /** @default Runtime.NODEJS_24_X (supported until 2028-04-30) */
  readonly runtime?: Runtime;
  /** @default Architecture.ARM_64 (Graviton: cheaper per ms than x86_64) */
  readonly architecture?: Architecture;
  /**
   * Every function mostly waits on I/O (DynamoDB, SQS, receivers); 512 MB keeps the GB-seconds
   * per million deliveries low while giving signing and schema validation a third of a vCPU.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Just under the HTTP API's 30 s integration limit, so the API functions are cut off by
   * their own timeout; the dispatcher and replay functions pass their own derived timeouts.
   * @default Duration.seconds(29)
   */
  readonly timeout?: Duration;
  /** X-Ray costs per trace and Powertools metrics cover the hot paths. @default Tracing.DISABLED */
  readonly tracing?: Tracing;
  /**
   * Merged over the defaults: ESM output (`index.mjs`), minified, with source maps but without
   * sources content, `mainFields: ['module', 'main']`, a banner that defines `require` for
   * CommonJS dependencies, and the AWS SDK bundled so the deployed SDK is the tested one.
   * @default - see above
   */
  readonly bundling?: BundlingOptions;
  /**
   * `POWERTOOLS_SERVICE_NAME`, which Powertools also writes as the `service` dimension of
   * every metric: one name for all functions, so the alarms and dashboard see them all.
   * @default 'hookline'
   */
  readonly serviceName?: string;
  /**
   * `POWERTOOLS_METRICS_NAMESPACE`: where the function's metrics go, and what the stack's
   * alarms and dashboard read. One per stack, so stages side by side keep theirs apart.
   * @default - the stack name
   */
  readonly metricsNamespace?: string;
  /** `POWERTOOLS_LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: PowertoolsLogLevel;
  /** Retention of the function's own log group. @default RetentionDays.ONE_MONTH */
  readonly logRetentionDays?: RetentionDays;
  /** What happens to the log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Execution role. Hookline's default role carries no managed policy: it may only write to
   * this function's own log group, and every other permission is granted explicitly.
   * @default - a new role with write access to the function's log group only
   */
  readonly role?: IRole;
}

/** Function props a stack applies to all of its functions alike. */
export type SharedFunctionProps = Pick<
  HooklineFunctionProps,
  'logRetentionDays' | 'logRemovalPolicy' | 'logLevel' | 'tracing' | 'metricsNamespace'
>;

/** `NodejsFunction` with Hookline's defaults; see {@link HooklineFunctionProps}. */
export class HooklineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HooklineFunctionProps) {
    const {
      handlerName,
      serviceName,
      metricsNamespace,
      logLevel,
      logRetentionDays,
      logRemovalPolicy,
      bundling,
      environment,
      ...functionProps
    } = props;
    // Created beside the function rather than inside it: children need `this`, which does not
    // exist before super(), and the log group and role must be passed to it.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: logRetentionDays ?? RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role =
      props.role ??
      new Role(scope, `${id}ServiceRole`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of the Hookline ${handlerName} function`,
      });
    logGroup.grantWrite(role);

    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(29),
      tracing: Tracing.DISABLED,
      ...functionProps,
      entry: handlerEntry(handlerName),
      handler: 'handler',
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      role,
      logGroup,
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // esbuild's ESM output has no `require`; CommonJS dependencies still call it.
        banner:
          "import { createRequire as __hooklineCreateRequire } from 'node:module'; const require = __hooklineCreateRequire(import.meta.url);",
        bundleAwsSDK: true,
        ...bundling,
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: serviceName ?? metricNames.service,
        [METRICS_NAMESPACE_ENV]: metricsNamespace ?? Stack.of(scope).stackName,
        POWERTOOLS_LOG_LEVEL: logLevel ?? 'INFO',
        ...environment,
      },
    });
    // Which handler this is, in the template: local mode runs the synthesized bundles by it
    // (`HOOKLINE_BUNDLES`), whatever the construct ids or logical ids become.
    (this.node.defaultChild as CfnResource).addMetadata(HANDLER_METADATA_KEY, handlerName);
  }
}

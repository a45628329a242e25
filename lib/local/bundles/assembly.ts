/**
 * Reads what `cdk synth` wrote (a cloud assembly: `manifest.json`, the stack template, one
 * `asset.<hash>/` directory per bundled function) and finds Hookline's six functions in it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type FunctionName, functionNames, HANDLER_METADATA_KEY } from '#shared/functions';

/** Why local mode cannot run the synthesized bundles; the message is all a user needs. */
export class BundleError extends Error {
  override name = 'BundleError';
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** One synthesized function, as the template describes it. */
export interface BundledFunction {
  readonly name: FunctionName;
  readonly logicalId: string;
  /** The asset directory, the function's code as it would be uploaded. */
  readonly assetDir: string;
  /** The entry file inside `assetDir` that the `Handler` names, e.g. `index.mjs`. */
  readonly entryFile: string;
  /** The export the `Handler` names, e.g. `handler`. */
  readonly exportName: string;
  /** e.g. `nodejs24.x` */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** `Environment.Variables` as written in the template: strings and CloudFormation references. */
  readonly variables: Readonly<Record<string, unknown>>;
}

export interface Assembly {
  readonly dir: string;
  readonly templateFile: string;
  readonly resources: Readonly<Record<string, CfnResource>>;
  readonly functions: Readonly<Record<FunctionName, BundledFunction>>;
}

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type?: string;
      readonly properties?: { readonly templateFile?: string; readonly file?: string };
    }
  >;
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source?: { readonly path?: string };
      readonly destinations?: Record<string, { readonly objectKey?: string }>;
    }
  >;
}

/**
 * Where each uploaded object comes from, by its S3 key: the asset manifests `cdk deploy`
 * publishes from. A function's `Code.S3Key` names its asset directory here.
 */
function assetPaths(dir: string, manifest: Manifest): Map<string, string> {
  const paths = new Map<string, string>();
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type !== 'cdk:asset-manifest' || !artifact.properties?.file) continue;
    const assets = readJson<AssetManifest>(join(dir, artifact.properties.file));
    for (const file of Object.values(assets.files ?? {})) {
      for (const destination of Object.values(file.destinations ?? {})) {
        if (destination.objectKey && file.source?.path) {
          paths.set(destination.objectKey, file.source.path);
        }
      }
    }
  }
  return paths;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

const isHooklineFunction = (resource: CfnResource): boolean =>
  resource.Type === 'AWS::Lambda::Function' &&
  typeof resource.Metadata?.[HANDLER_METADATA_KEY] === 'string';

/** The stack templates of the assembly; the one with Hookline's functions in it is the one. */
function hooklineTemplate(dir: string): {
  file: string;
  resources: Record<string, CfnResource>;
  assets: Map<string, string>;
} {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new BundleError(
      `${dir} has no manifest.json: give the directory \`npx cdk synth\` writes (cdk.out)`,
    );
  }
  const manifest = readJson<Manifest>(manifestFile);
  const stacks = Object.values(manifest.artifacts ?? {})
    .filter((artifact) => artifact.type === 'aws:cloudformation:stack')
    .map((artifact) => join(dir, artifact.properties?.templateFile ?? ''))
    .map((file) => ({
      file,
      resources: readJson<{ Resources?: Record<string, CfnResource> }>(file).Resources ?? {},
    }));
  const found = stacks.filter((stack) => Object.values(stack.resources).some(isHooklineFunction));
  if (found.length !== 1) {
    throw new BundleError(
      found.length === 0
        ? `no stack in ${dir} has Hookline functions (Lambda functions with the metadata ` +
            `${HANDLER_METADATA_KEY}): synthesize it again with \`npx cdk synth\``
        : `${found.length} stacks in ${dir} have Hookline functions; keep one: ` +
            found.map((stack) => stack.file).join(', '),
    );
  }
  return { ...(found[0] as (typeof found)[number]), assets: assetPaths(dir, manifest) };
}

/** The Node major a Lambda runtime name stands for, e.g. 24 for `nodejs24.x`. */
export function runtimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/** Refuses a runtime other than the Node major running local mode: the gap would go untested. */
function assertSameNode(logicalId: string, runtime: string): void {
  const wanted = runtimeMajor(runtime);
  const running = Number(process.versions.node.split('.')[0]);
  if (wanted === running) return;
  throw new BundleError(
    wanted === undefined
      ? `function ${logicalId} runs ${runtime}, not a Node.js runtime local mode can run`
      : `the functions run ${runtime} but local mode runs on Node ${process.versions.node}: ` +
          `run it on Node ${wanted} (\`npm install -D node@${wanted}\` puts one in ` +
          'node_modules/.bin, which npm scripts use), or synthesize for this Node',
  );
}

/** Lambda's own lookup: `index.handler` is the export `handler` of index.mjs, .js or .cjs. */
function entryOf(logicalId: string, assetDir: string, handler: string) {
  const dot = handler.lastIndexOf('.');
  const module = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const entryFile = ['.mjs', '.js', '.cjs']
    .map((extension) => `${module}${extension}`)
    .find((file) => existsSync(join(assetDir, file)));
  if (dot <= 0 || !exportName || !entryFile) {
    throw new BundleError(
      `function ${logicalId}: its asset ${assetDir} has no ${module || handler}.mjs, .js or ` +
        `.cjs for the handler ${handler}: the bundle is missing its entry file`,
    );
  }
  return { entryFile, exportName };
}

function bundledFunction(
  dir: string,
  assets: Map<string, string>,
  logicalId: string,
  resource: CfnResource,
): BundledFunction {
  const name = resource.Metadata?.[HANDLER_METADATA_KEY] as FunctionName;
  const properties = resource.Properties ?? {};
  const runtime = String(properties.Runtime ?? '');
  assertSameNode(logicalId, runtime);
  const code = properties.Code as { S3Key?: unknown } | undefined;
  const assetPath =
    (typeof code?.S3Key === 'string' ? assets.get(code.S3Key) : undefined) ??
    resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new BundleError(
      `function ${logicalId} (${name}): no asset of the assembly is its code (Code.S3Key)`,
    );
  }
  const assetDir = isAbsolute(assetPath) ? assetPath : join(dir, assetPath);
  if (!existsSync(assetDir) || !statSync(assetDir).isDirectory()) {
    throw new BundleError(`function ${logicalId} (${name}): its asset ${assetDir} is missing`);
  }
  const environment = properties.Environment as { Variables?: Record<string, unknown> } | undefined;
  return {
    name,
    logicalId,
    assetDir,
    ...entryOf(logicalId, assetDir, String(properties.Handler ?? '')),
    runtime,
    timeoutSeconds: Number(properties.Timeout ?? 3),
    memoryMb: Number(properties.MemorySize ?? 128),
    variables: environment?.Variables ?? {},
  };
}

/**
 * The synthesized Hookline stack in `dir`: each of its six functions, found by the metadata
 * {@link HANDLER_METADATA_KEY} that `HooklineFunction` puts on its resource. Fails with a
 * {@link BundleError} for a missing or doubled function, a missing asset or entry file, or a
 * runtime of another Node major than the one running this.
 */
export function readAssembly(dir: string): Assembly {
  const root = resolve(dir);
  const { file, resources, assets } = hooklineTemplate(root);
  const functions: Partial<Record<FunctionName, BundledFunction>> = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isHooklineFunction(resource)) continue;
    const name = resource.Metadata?.[HANDLER_METADATA_KEY] as string;
    if (!(functionNames as readonly string[]).includes(name)) {
      throw new BundleError(`function ${logicalId} runs ${name}, which local mode does not know`);
    }
    if (functions[name as FunctionName]) {
      throw new BundleError(
        `two functions run ${name}: ${functions[name as FunctionName]?.logicalId} and ${logicalId}`,
      );
    }
    functions[name as FunctionName] = bundledFunction(root, assets, logicalId, resource);
  }
  const missing = functionNames.filter((name) => !functions[name]);
  if (missing.length > 0) {
    throw new BundleError(`${file} has no function for ${missing.join(', ')}`);
  }
  return {
    dir: root,
    templateFile: file,
    resources,
    functions: functions as Record<FunctionName, BundledFunction>,
  };
}

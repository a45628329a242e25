/**
 * The synthesized bundles, as `cdk synth` would write them: the real app, bundling on, into a
 * temp dir. Built in this process (about twice as fast as spawning `npx cdk synth`, which also
 * starts tsx and runs cdk-nag); the template and assets are the same.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { type FunctionName, functionNames, HANDLER_METADATA_KEY } from '#shared/functions';
import { HooklineStack } from '../../lib/hookline-stack';
import { settingsFromContext } from '../../lib/settings';
import { cdkJsonContext } from '../infra/synth';

/** Synthesizes the Hookline app as bin/app.ts builds it (cdk.json context) and answers the dir. */
export function synthesizeBundles(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'hookline-cdk-out-'));
  const app = new App({ outdir, context: cdkJsonContext });
  const { settings, deployment } = settingsFromContext(app);
  new HooklineStack(app, 'Hookline', { settings, ...deployment });
  app.synth();
  return outdir;
}

export interface FixtureOptions {
  /** @default `nodejs<the running major>.x` */
  readonly runtime?: string;
  /** Entry file source per function; the others export a handler that answers `{}`. */
  readonly sources?: Partial<Record<FunctionName, string>>;
  /** Extra files per function, beside its entry file. */
  readonly files?: Partial<Record<FunctionName, Record<string, string>>>;
  /** Environment variables per function. */
  readonly variables?: Partial<Record<FunctionName, Record<string, unknown>>>;
}

/**
 * A small cloud assembly shaped like the one `cdk synth` writes (manifest, asset manifest,
 * template, one asset dir per function), for bundles that must be refused. One DynamoDB table
 * resource, `EndpointsTable`, is there to be referenced.
 */
export function writeFixtureAssembly(dir: string, options: FixtureOptions = {}): string {
  const runtime = options.runtime ?? `nodejs${process.versions.node.split('.')[0]}.x`;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  const resources: Record<string, unknown> = {
    EndpointsTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  };
  const files: Record<string, unknown> = {};
  for (const name of functionNames) {
    write(
      `asset.${name}/index.mjs`,
      options.sources?.[name] ?? 'export const handler = async () => ({});\n',
    );
    for (const [file, text] of Object.entries(options.files?.[name] ?? {})) {
      write(`asset.${name}/${file}`, text);
    }
    files[name] = {
      source: { path: `asset.${name}`, packaging: 'zip' },
      destinations: { local: { bucketName: 'assets', objectKey: `${name}.zip` } },
    };
    resources[`Fn${name}`] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: runtime,
        Handler: 'index.handler',
        Code: { S3Bucket: 'assets', S3Key: `${name}.zip` },
        Environment: { Variables: options.variables?.[name] ?? {} },
      },
      Metadata: { [HANDLER_METADATA_KEY]: name },
    };
  }
  write('Fixture.template.json', JSON.stringify({ Resources: resources }));
  write('Fixture.assets.json', JSON.stringify({ version: '55.0.0', files }));
  write(
    'manifest.json',
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        'Fixture.assets': {
          type: 'cdk:asset-manifest',
          properties: { file: 'Fixture.assets.json' },
        },
        Fixture: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Fixture.template.json' },
        },
      },
    }),
  );
  return dir;
}

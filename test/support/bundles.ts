/**
 * The synthesized bundles, as `cdk synth` would write them: the real app, bundling on, into a
 * temp dir. Built in this process (about twice as fast as spawning `npx cdk synth`, which also
 * starts tsx and runs cdk-nag); the template and assets are the same.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
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
